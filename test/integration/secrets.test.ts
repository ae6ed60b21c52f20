// No secret in any output: every command that connects, run against a real SASL_SSL listener with a known
// password (from the environment and from the flag), credentials and tokens in the URLs it is given, in
// every format, with --debug, on success and on failure — and every byte kleak writes is searched.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { launchKafka } from '../../src/local-kafka/launch-kafka.js';
import type { KafkaCluster } from '../../src/local-kafka/types.js';
import { runKleak } from '../helpers/cli.js';

const password = 'S3cret-known-9x7Q';
const wrongPassword = 'Wr0ng-known-4t2P';
const urlPassword = 'UrlPa55-known-k3y';
const token = 'Tok-known-5u8W';
const secrets = [password, wrongPassword, urlPassword, token];

let cluster: KafkaCluster;
let server: Server;
let serviceUrl = '';
let sleeper: ChildProcess;
after(async () => {
  sleeper?.kill('SIGKILL');
  server?.close();
  await cluster?.stop();
});
before(async () => {
  cluster = await launchKafka({ saslPlainUsers: { alice: password }, tls: true, superUsers: ['User:alice'] });
  server = createServer((_, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serviceUrl = `http://svc:${urlPassword}@127.0.0.1:${(server.address() as { port: number }).port}/produce?token=${token}`;
  sleeper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
});

const auth = () => ['--bootstrap', cluster.saslSslBootstrap!, '--tls', '--tls-ca', cluster.tlsCaFile!, '--sasl-mechanism', 'plain', '--sasl-username', 'alice'];

function assertNoSecret(what: string, r: { stdout: string; stderr: string }): void {
  for (const s of secrets) {
    for (const form of [s, encodeURIComponent(s), Buffer.from(s).toString('base64')]) {
      assert.ok(!r.stdout.includes(form) && !r.stderr.includes(form), `${what} printed a secret (${form}):\n${r.stdout}\n${r.stderr}`);
    }
  }
}

describe('secrets never appear in output', () => {
  test('the SASL_SSL listener works with the right password: the runs below are real connections', async () => {
    const r = await runKleak(['cluster', ...auth(), '--json'], { env: { KLEAK_SASL_PASSWORD: password } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).brokers.length === 1);
  });

  const commands: Array<[string, () => string[]]> = [
    ['cluster', () => ['cluster', ...auth()]],
    ['sockets', () => ['sockets', '--pid', String(sleeper.pid), ...auth()]],
    ['watch', () => ['watch', '--pid', String(sleeper.pid), ...auth(), '--interval', '200ms', '--duration', '600ms']],
    [
      'diagnose',
      () => [
        'diagnose',
        '--pid',
        String(sleeper.pid),
        ...auth(),
        '--drive',
        serviceUrl,
        '--requests',
        '2',
        '--warmup',
        '0',
        '--pprof',
        `http://127.0.0.1:1/?token=${token}`,
      ],
    ],
    ['pprof', () => ['pprof', `http://u:${urlPassword}@127.0.0.1:9/debug/pprof/?token=${token}`, '--timeout', '1s']],
  ];
  for (const [name, args] of commands) {
    test(`${name}: every format, --debug, password from env and from the flag, and a wrong one`, async () => {
      for (const format of ['table', 'json', 'markdown', 'sarif']) {
        const fromEnv = await runKleak([...args(), '--format', format, '--debug'], { env: { KLEAK_SASL_PASSWORD: password } });
        assertNoSecret(`${name} --format ${format} (env)`, fromEnv);
      }
      const fromFlag = await runKleak([...args(), '--sasl-password', password, '--json', '--debug']);
      assertNoSecret(`${name} (flag)`, fromFlag);
      if (name === 'diagnose') {
        // the drive URL's credentials went as a Basic Authorization header (fetch refuses them in the URL)
        const json = JSON.parse(fromFlag.stdout);
        assert.deepEqual(
          json.collectors.filter((c: any) => c.kind === 'watch' || c.kind === 'cluster').map((c: any) => c.status),
          ['ok', 'ok'],
          fromFlag.stdout,
        );
      }
      const wrong = await runKleak([...args(), '--json', '--debug'], { env: { KLEAK_SASL_PASSWORD: wrongPassword } });
      assertNoSecret(`${name} (wrong password)`, wrong);
      if (name !== 'pprof') assert.equal(wrong.code, 2, `${name} with a wrong password: ${wrong.stderr}`);
    });
  }
});
