// Spawns the built bin/kleak.js with a bare environment, as a user would run it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../src/repo-root.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
  /** a command kleak runs under, e.g. ['nsenter', '--target', PID, '--pid', '--net', '--mount', '--'] */
  wrap?: string[];
  /** the directory kleak runs in (the repository's root by default) */
  cwd?: string;
}

export function runKleak(args: string[], { env = {}, timeoutMs = 120_000, wrap = [], cwd = repoRoot }: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const [command, ...prefix] = [...wrap, process.execPath];
    const child = spawn(command, [...prefix, join(repoRoot, 'bin/kleak.js'), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kleak ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs a kleak command with --json (or the format given in args), parses what it printed — one
 * object, or JSON Lines whose last line is the summary — and checks it against docs/json-schema.
 */
export async function runKleakJson(
  args: string[],
  schema: 'sockets' | 'watch' | 'pprof' | 'cluster' | 'diagnosis' | 'heap' | 'shutdown' | 'top',
  options: RunOptions = {},
) {
  const { assertSchema } = await import('./schema.js');
  const r = await runKleak(args.includes('--format') ? args : [...args, '--json'], options);
  const lines = r.stdout.trim().split('\n');
  let json: any;
  try {
    json = r.stdout.trim().startsWith('{\n') ? JSON.parse(r.stdout) : JSON.parse(lines[lines.length - 1]!);
  } catch {
    throw new Error(`kleak ${args.join(' ')} printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  if (json.error) assertSchema('error', json);
  else if (schema === 'watch' || schema === 'top') for (const line of lines) assertSchema(schema, JSON.parse(line));
  else assertSchema(schema, json);
  return { ...r, json, lines };
}
