// What every command gets from main: where to write, the colour to use, and where to leave its outcome.
import { Chalk, type ChalkInstance } from 'chalk';
import type { Outcome } from './exit-code.js';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTty: boolean;
  /** the terminal's width when stdout is one */
  columns?: number;
}

export interface CliContext {
  io: CliIo;
  chalk: ChalkInstance;
  /** set by a command that reported: main decides the exit code from it */
  outcome?: Outcome;
  /** set when a command streams JSON Lines to stdout: an error then ends them as one more line */
  jsonLines?: boolean;
  /** values that must never appear in any output (passwords); io scrubs them */
  secrets: string[];
}

export function makeChalk(isTty: boolean, env: NodeJS.ProcessEnv): ChalkInstance {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  return new Chalk({ level: noColor ? 0 : forced || isTty ? 1 : 0 });
}
