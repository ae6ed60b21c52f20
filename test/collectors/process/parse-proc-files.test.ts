import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCmdline, parseOpenFilesLimit, parseProcStatus, parseSocketInode, parseStatPpid } from '../../../src/collectors/process/parse-proc-files.js';
import { capturedDir } from '../../helpers/captured-proc.js';

test('fd links: only sockets have inodes', () => {
  assert.equal(parseSocketInode('socket:[19817]'), 19817);
  assert.equal(parseSocketInode('pipe:[25338]'), undefined);
  assert.equal(parseSocketInode('/dev/null'), undefined);
  assert.equal(parseSocketInode('anon_inode:[eventpoll]'), undefined);
});

test('status and limits of a captured process', () => {
  const dir = capturedDir('sarama-per-request-12');
  const status = parseProcStatus(readFileSync(join(dir, 'status.txt'), 'utf8'));
  assert.equal(status.name, 'sarama-per-requ'); // the kernel cuts comm at 15 characters
  assert.ok(status.threads! >= 1);
  assert.ok(status.rssBytes! > 1_000_000);
  assert.equal(parseOpenFilesLimit(readFileSync(join(dir, 'limits.txt'), 'utf8')), 20000);
  assert.equal(parseOpenFilesLimit('Max open files            unlimited            unlimited            files'), null);
});

test('stat: the ppid after a command name with spaces and parentheses', () => {
  assert.equal(parseStatPpid('4242 (my (odd) cmd) S 17 4242 4242 0 -1'), 17);
  assert.equal(parseCmdline('node\0server.mjs\0--port\0'), 'node server.mjs --port');
});
