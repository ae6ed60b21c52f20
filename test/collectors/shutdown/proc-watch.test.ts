// /proc/PID/stat as the shutdown check reads it: a real zombie's wait status (field 52), and the exit
// code or signal it encodes; a command name with spaces and parentheses does not shift the fields.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { decodeWaitStatus, parseProcStat, readProcStat } from '../../../src/collectors/shutdown/proc-watch.js';

/** A parent that does not reap: its child stays a zombie until the parent is killed. */
async function zombie(childCode: string): Promise<{ pid: number; stop: () => void }> {
  const parent = spawn('python3', ['-c', `import os,sys,time\npid=os.fork()\nif pid==0:\n  ${childCode}\nprint(pid,flush=True)\ntime.sleep(30)`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    parent.once('error', reject);
  });
  const deadline = Date.now() + 5000;
  while (readProcStat(pid)?.state !== 'Z' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return { pid, stop: () => parent.kill('SIGKILL') };
}

test('a zombie that called exit(3): field 52 holds the wait status 768 → code 3', async () => {
  const z = await zombie('os._exit(3)');
  try {
    const stat = readProcStat(z.pid)!;
    assert.equal(stat.state, 'Z');
    assert.equal(stat.exitCode, 768);
    assert.deepEqual(decodeWaitStatus(stat.exitCode), { code: 3 });
  } finally {
    z.stop();
  }
});

test('a zombie killed by SIGTERM: status 15 → signal 15', async () => {
  const z = await zombie('import signal; os.kill(os.getpid(), signal.SIGTERM); time.sleep(5)');
  try {
    const stat = readProcStat(z.pid)!;
    assert.equal(stat.state, 'Z');
    assert.deepEqual(decodeWaitStatus(stat.exitCode), { signalNumber: 15 });
  } finally {
    z.stop();
  }
});

test('a command name with spaces and parentheses: fields are counted from the last ")"', () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  fields[0] = 'S';
  fields[22 - 3] = '123456';
  fields[52 - 3] = '0';
  const stat = parseProcStat(`4242 (my (odd) svc) ${fields.join(' ')}\n`)!;
  assert.deepEqual(stat, { state: 'S', startTime: 123456, exitCode: 0 });
  assert.equal(parseProcStat('garbage'), undefined);
  assert.equal(readProcStat(2 ** 22 + 12345), undefined, 'no such process');
});
