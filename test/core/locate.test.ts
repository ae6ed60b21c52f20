// locate(): runtime paths become relative to the source root — under it, or recorded on another machine
// (a binary built in a CI checkout) and found by their longest tail under the root; never by a bare file name.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { locate } from '../../src/core/locate.js';
import type { Diagnosis, SourceLocation } from '../../src/types.js';

const root = mkdtempSync(join(tmpdir(), 'kleak-locate-'));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'cmd/api'), { recursive: true });
writeFileSync(join(root, 'cmd/api/main.go'), 'package main\n');
writeFileSync(join(root, 'main.go'), 'package main\n');

const diagnosisAt = (...files: string[]): Diagnosis =>
  ({
    schemaVersion: 1,
    tool: { name: 'kleak', version: 't' },
    target: { pids: [] },
    startedAt: '',
    durationMs: 0,
    collectors: [],
    notEvaluated: [],
    findings: [{ locations: files.map((file): SourceLocation => ({ file, line: 3, from: 'runtime' })) }],
  }) as unknown as Diagnosis;

test('under the root, built elsewhere (longest tail), and a bare file name left as it was', () => {
  const located = locate(diagnosisAt(join(root, 'cmd/api/main.go'), '/home/runner/work/svc/svc/cmd/api/main.go', '/elsewhere/main.go'), root);
  assert.deepEqual(
    located.findings[0]!.locations.map((l) => l.file),
    ['cmd/api/main.go', 'cmd/api/main.go', '/elsewhere/main.go'],
  );
});
