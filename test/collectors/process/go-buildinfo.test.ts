// Go build info read from the binaries the set-up built (Go 1.26: the inline layout), checked against
// `go version -m` on each: the Go version, the main module and every dependency with its version.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readGoBuildInfo } from '../../../src/collectors/process/go-buildinfo.js';
import { goClientVersions } from '../../../src/collectors/process/versions.js';
import { repoRoot } from '../../../src/repo-root.js';
import { setupTool } from '../../helpers/setup-paths.js';

const binaries = [
  ...readdirSync(join(repoRoot, 'fixtures/go/bin')).map((f) => join(repoRoot, 'fixtures/go/bin', f)),
  ...['sarama-1.36', 'sarama-1.37'].map((f) => join(repoRoot, 'fixtures/go-sarama-old/bin', f)).filter((f) => existsSync(f)),
];

test('every fixture binary: what kleak reads is what go version -m prints', () => {
  assert.ok(binaries.length >= 10, `the set-up built the fixtures (${binaries.length} binaries)`);
  for (const binary of binaries) {
    const text = execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' });
    const info = readGoBuildInfo(binary);
    assert.ok(info, binary);
    assert.equal(info.goVersion, /: (go\S+)/.exec(text)?.[1], binary);
    assert.equal(info.main, /^\tmod\t(\S+)/m.exec(text)?.[1], binary);
    const deps = [...text.matchAll(/^\tdep\t(\S+)\tv(\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(
      info.deps.map((d) => `${d.path} ${d.version}`),
      deps,
      binary,
    );
    assert.equal(info.settings.GOOS, 'linux');
  }
});

test('a Go 1.16 binary (esbuild 0.12.0 from npm): the older layout, two pointers into the data segment, read as go version -m reads it', () => {
  const binary = setupTool('oldGoBinary', 'old-go-binary');
  const text = execFileSync('go', ['version', '-m', binary], { encoding: 'utf8' });
  const info = readGoBuildInfo(binary)!;
  assert.equal(info.goVersion, 'go1.16.3');
  assert.equal(info.goVersion, /: (go\S+)/.exec(text)?.[1]);
  assert.equal(info.main, /^\tmod\t(\S+)/m.exec(text)?.[1]);
  assert.deepEqual(
    info.deps.map((d) => `${d.path} ${d.version}`),
    [...text.matchAll(/^\tdep\t(\S+)\tv(\S+)/gm)].map((m) => `${m[1]} ${m[2]}`),
  );
  assert.equal(info.deps.length, 1);
});

test('the Kafka libraries of a binary: Sarama on its two module paths, by the version that was linked', () => {
  const old = join(repoRoot, 'fixtures/go-sarama-old/bin/sarama-1.36');
  if (existsSync(old))
    assert.deepEqual(
      goClientVersions(readGoBuildInfo(old)!).map((v) => `${v.library} ${v.package} ${v.version}`),
      ['sarama github.com/Shopify/sarama 1.36.0'],
    );
  const current = goClientVersions(readGoBuildInfo(join(repoRoot, 'fixtures/go/bin/sarama-per-request'))!);
  assert.deepEqual(
    current.map((v) => `${v.library} ${v.package}`),
    ['sarama github.com/IBM/sarama'],
  );
});

test('not a Go binary: undefined (node itself, a text file, nothing there)', () => {
  assert.equal(readGoBuildInfo(process.execPath), undefined);
  assert.equal(readGoBuildInfo(join(repoRoot, 'package.json')), undefined);
  assert.equal(readGoBuildInfo('/nonexistent/kleak'), undefined);
});
