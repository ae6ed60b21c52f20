// Golden files: compares text with test/**/__snapshots__/<name>. A missing golden file fails the test
// (it is never written silently); UPDATE_SNAPSHOTS=1 writes or rewrites them, to be read and committed.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../../src/repo-root.js';

export function matchSnapshot(relativePath: string, actual: string): void {
  const file = join(repoRoot, 'test', relativePath);
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) assert.fail(`missing golden file test/${relativePath}: run UPDATE_SNAPSHOTS=1 npm test, read it, and commit it`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${relativePath} differs (UPDATE_SNAPSHOTS=1 to accept)`);
}
