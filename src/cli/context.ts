// What every command gets from main: where to write, the colour to use, and how to report an outcome.
import { Chalk, type ChalkInstance } from 'chalk';

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
  /** set by a command: the exit code its result calls for */
  exitCode: number;
  /** values that must never appear in any output (passwords); io scrubs them */
  secrets: string[];
}

export function makeChalk(isTty: boolean, env: NodeJS.ProcessEnv): ChalkInstance {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0';
  return new Chalk({ level: noColor ? 0 : forced || isTty ? 1 : 0 });
}
