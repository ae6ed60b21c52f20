// A real V8 heap snapshot, written by a child Node process into a temporary folder (removed after).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export function smallSnapshot(script = ''): { dir: string; file: string; bytes: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'kleak-snapshot-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'small.heapsnapshot');
  execFileSync(process.execPath, ['-e', `${script}; require('v8').writeHeapSnapshot(${JSON.stringify(file)});`]);
  return { dir, file, bytes: readFileSync(file) };
}
