// Golden files: compares text with test/**/__snapshots__/<name>; UPDATE_SNAPSHOTS=1 rewrites them.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from '../../src/local-kafka/launch-kafka.js';

export function matchSnapshot(relativePath: string, actual: string): void {
  const file = join(repoRoot, 'test', relativePath);
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(file)) {
    if (!existsSync(file) && process.env.CI) assert.fail(`missing snapshot ${relativePath}: run UPDATE_SNAPSHOTS=1 npm test and commit it`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${relativePath} differs (UPDATE_SNAPSHOTS=1 to accept)`);
}
