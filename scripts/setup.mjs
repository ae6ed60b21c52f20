// The test suite's set-up: everything `npm test` needs beyond `npm ci`, fetched from the registries the
// project already uses (Maven Central, the Go module proxy, npm), once, into ignored folders; a later run
// finds it there and takes seconds. `npm test` runs it first (scripts/run-tests.mjs), and .ci/run runs
// nothing else: CI and a contributor's fresh clone take the same path.
//
//   node scripts/setup.mjs [task ...]     (no task: all of them, side by side)
//
// Tasks (what each leaves, and where):
//   heapdump      the heapdump addon (an optional dependency: npm ci goes on when node-gyp cannot find Node's
//                 headers); built against the headers of the Node that runs it   node_modules/heapdump
//   broker        Apache Kafka's jars for the test broker (Maven Central)         broker/target/libs
//   go-fixtures   the Go fixture services (Sarama, franz-go, kafka-go, confluent-kafka-go; Go module proxy)
//                                                                                  fixtures/go/bin
//   go-analyzer   kleak's go/analysis analyzer (golang.org/x/tools; Go module proxy), built to check it builds and to
//                 warm the build cache (kleak scan builds its own copy into ~/.cache/kleak), and the modules of the
//                 scan's Go-module fixtures (fixtures/scan/go-module)                .cache/go-analyzer/kleak-vet
//   java-fixtures the JVM fixtures (kafka-clients, spring-kafka from Maven Central; javac)  fixtures/java*/target
//   rdkafka       node-rdkafka for the librdkafka fixtures (npm; compiles librdkafka, about 2 minutes)
//                                                                                  fixtures/node/rdkafka/node_modules
//   k8s-validate  the Kubernetes manifest validator (k8s.io/api; Go module proxy)  tools/k8s-validate/bin
//   golangci-kleak golangci-lint with kleak's module plugin compiled in, as `golangci-lint custom` builds it
//                 (golangci-lint v2.15.0 from the Go module proxy)                  tools/golangci-kleak/bin
//   prometheus    prometheus and promtool, built from their Go module at the version tools/prometheus/go.mod
//                 pins (no root, no system package)                                tools/prometheus/bin
//   chromium      Debian's Chromium, for the HTML report's browser tests (apt-get, as root; a contributor who is
//                 not root installs the package \`chromium\` by hand)                 /usr/bin/chromium
//   python-fixtures the Python fixtures' virtualenv (confluent-kafka, kafka-python, aiokafka, Flask, FastAPI from
//                 PyPI, pinned in fixtures/python/requirements.txt)                fixtures/python/.venv
//   old-go-binary a Go 1.16 executable (esbuild 0.12.0's, from npm): the build info's older layout, which
//                 this machine's Go cannot write                                   .cache/old-go/esbuild
//   real-code     the public code the scan is checked on, at the versions bench/real-code/expected.json pins
//                 (Go module proxy, npm registry)                                  .cache/real-code
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(new URL('..', import.meta.url).pathname);
const cacheDir = join(root, '.cache');

/** Where the set-up leaves what the tests use; the tests read these paths (test/helpers/setup-paths.ts). */
export const paths = {
  prometheus: join(root, 'tools/prometheus/bin/prometheus'),
  promtool: join(root, 'tools/prometheus/bin/promtool'),
  k8sValidate: join(root, 'tools/k8s-validate/bin/k8s-validate'),
  golangciKleak: join(root, 'tools/golangci-kleak/bin/golangci-kleak'),
  realCode: join(cacheDir, 'real-code'),
  heapdumpAddon: join(root, 'node_modules/heapdump/build/Release/addon.node'),
  rdkafkaAddon: join(root, 'fixtures/node/rdkafka/node_modules/node-rdkafka/build/Release/node-librdkafka.node'),
  brokerLibs: join(root, 'broker/target/libs'),
  chromium: '/usr/bin/chromium',
  oldGoBinary: join(cacheDir, 'old-go/package/bin/esbuild'),
  pythonVenv: join(root, 'fixtures/python/.venv'),
};

class SetupFailed extends Error {}

/** Runs a command; its output goes to .cache/setup/<task>.log. Rejects with the log's tail and a hint. */
function run(task, command, args, { cwd = root, env = {}, hint } = {}) {
  mkdirSync(join(cacheDir, 'setup'), { recursive: true });
  const logFile = join(cacheDir, 'setup', `${task}.log`);
  return new Promise((done, fail) => {
    let out = '';
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (error) =>
      fail(new SetupFailed(`${task}: \`${command}\` could not be started (${error.code ?? error.message}).\n  hint: ${hint ?? `install ${command}`}`)),
    );
    child.on('close', (code) => {
      writeFileSync(logFile, `$ ${command} ${args.join(' ')}  (in ${cwd})\n${out}`, { flag: 'a' });
      if (code === 0) return done(out);
      const tail = out.trim().split('\n').slice(-25).join('\n');
      fail(
        new SetupFailed(
          `${task}: \`${command} ${args.join(' ')}\` exited ${code} (in ${cwd}):\n${tail}\n  whole log: ${logFile}${hint ? `\n  hint: ${hint}` : ''}`,
        ),
      );
    });
  });
}

const newer = (file, than) => existsSync(file) && than.every((f) => !existsSync(f) || statSync(f).mtimeMs <= statSync(file).mtimeMs);

/** Node's own headers (<prefix>/include/node) when they are this Node's: node-gyp then downloads nothing. */
function localNodeHeaders() {
  const prefix = resolve(dirname(process.execPath), '..');
  try {
    const h = readFileSync(join(prefix, 'include/node/node_version.h'), 'utf8');
    const v = ['MAJOR', 'MINOR', 'PATCH'].map((k) => new RegExp(`#define NODE_${k}_VERSION (\\d+)`).exec(h)?.[1]).join('.');
    return `v${v}` === process.version ? prefix : undefined;
  } catch {
    return undefined;
  }
}

/** npm's environment for a native build (node-gyp): the local headers, so that nothing is downloaded */
function nodeGypEnv() {
  const nodedir = process.env.npm_config_nodedir || localNodeHeaders();
  return nodedir ? { npm_config_nodedir: nodedir } : {};
}

const tasks = {
  async heapdump() {
    if (existsSync(paths.heapdumpAddon)) return 'built already';
    const version = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages['node_modules/heapdump']?.version;
    if (!version) throw new SetupFailed('heapdump: not in package-lock.json');
    const env = nodeGypEnv();
    // npm ci drops an optional dependency whose build failed: put it back, built against these headers
    await run('heapdump', 'npm', ['install', '--no-save', '--no-audit', '--no-fund', `heapdump@${version}`], {
      env,
      hint: 'node-gyp needs Node’s headers (<node prefix>/include/node, or a download from nodejs.org), python3, make and a C++ compiler',
    });
    if (!existsSync(paths.heapdumpAddon)) throw new SetupFailed(`heapdump: npm installed it but ${paths.heapdumpAddon} is not there`);
    return `built against ${env.npm_config_nodedir ? `${env.npm_config_nodedir}/include/node` : 'downloaded headers'}`;
  },

  async broker() {
    if (existsSync(paths.brokerLibs) && readdirSync(paths.brokerLibs).some((f) => /^kafka_2\.13-.*\.jar$/.test(f))) return 'resolved already';
    await run('broker', 'mvn', ['-B', '-q', '-f', join(root, 'broker/pom.xml'), 'package'], {
      hint: 'Maven 3 and Java 17+ on PATH, and Maven Central reachable (a proxy in ~/.m2/settings.xml?)',
    });
    return `${readdirSync(paths.brokerLibs).length} jars`;
  },

  async 'python-fixtures'() {
    const requirements = join(root, 'fixtures/python/requirements.txt');
    const python = join(paths.pythonVenv, 'bin/python');
    if (newer(join(paths.pythonVenv, '.installed'), [requirements])) return 'installed already';
    await run('python-fixtures', 'python3', ['-m', 'venv', '--clear', paths.pythonVenv], { hint: 'Python 3.8+ as python3 on PATH, with its venv module' });
    await run('python-fixtures', python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], {
      hint: 'PyPI reachable (a proxy in pip.conf?)',
    });
    writeFileSync(join(paths.pythonVenv, '.installed'), `${new Date().toISOString()}\n`);
    return 'confluent-kafka, kafka-python, aiokafka, Flask, FastAPI';
  },

  async 'old-go-binary'() {
    if (existsSync(paths.oldGoBinary)) return 'fetched already';
    const dir = join(cacheDir, 'old-go');
    mkdirSync(dir, { recursive: true });
    await run('old-go-binary', 'npm', ['pack', 'esbuild-linux-64@0.12.0', '--pack-destination', dir], { hint: 'the npm registry reachable' });
    await run('old-go-binary', 'tar', ['xzf', join(dir, 'esbuild-linux-64-0.12.0.tgz'), '-C', dir], { hint: 'tar on PATH' });
    return 'esbuild 0.12.0 (go1.16.3)';
  },

  async 'go-fixtures'() {
    await run('go-fixtures', 'go', ['build', '-o', 'bin/', './...'], { cwd: join(root, 'fixtures/go'), hint: 'Go 1.26 (fixtures/go/go.mod) on PATH' });
    // one service on two old Sarama releases (known-library-bug): a module of its own, built with each go.mod
    const old = join(root, 'fixtures/go-sarama-old');
    for (const [modfile, out] of [
      ['go.mod', 'bin/sarama-1.36'],
      ['go.137.mod', 'bin/sarama-1.37'],
    ]) {
      await run('go-fixtures', 'go', ['build', `-modfile=${modfile}`, '-o', out, '.'], {
        cwd: old,
        hint: 'Go 1.26 and the Go module proxy (github.com/Shopify/sarama v1.36.0 and v1.37.0)',
      });
    }
    return `${readdirSync(join(root, 'fixtures/go/bin')).length} services, and Sarama 1.36.0 / 1.37.0`;
  },

  async 'go-analyzer'() {
    await run('go-analyzer', 'go', ['build', '-o', join(cacheDir, 'go-analyzer/kleak-vet'), './cmd/kleak-vet'], {
      cwd: join(root, 'analyzers/go'),
      env: { GOWORK: 'off' },
      hint: 'Go 1.26 on PATH and the Go module proxy (golang.org/x/tools, analyzers/go/go.mod)',
    });
    const modules = readdirSync(join(root, 'fixtures/scan/go-module'));
    for (const m of modules)
      await run('go-analyzer', 'go', ['mod', 'download'], {
        cwd: join(root, 'fixtures/scan/go-module', m),
        hint: 'the Go module proxy (Sarama, as fixtures/go)',
      });
    return `kleak-vet, and the modules of ${modules.length} fixtures`;
  },

  async rdkafka() {
    if (existsSync(paths.rdkafkaAddon)) return 'built already';
    await run('rdkafka', 'npm', ['ci', '--no-audit', '--no-fund'], {
      cwd: join(root, 'fixtures/node/rdkafka'),
      env: nodeGypEnv(),
      hint: 'it compiles librdkafka: gcc, make, python3 and the OpenSSL and zlib headers',
    });
    return 'node-rdkafka and librdkafka compiled';
  },

  async 'java-fixtures'() {
    // fixtures/java against kafka-clients; fixtures/java-spring against spring-kafka, on a classpath of its own.
    // Built by kleak's own buildJavaFixtures (what `kleak demo --java` does on first use), in a process of its own
    const shell = join(root, 'fixtures/java/src/kleak/fixtures/Svc.java');
    const done = [];
    for (const name of ['java', 'java-spring']) {
      const dir = join(root, 'fixtures', name);
      const own = readdirSync(join(dir, 'src/kleak/fixtures')).map((f) => join(dir, 'src/kleak/fixtures', f));
      const classes = own.map((f) => join(dir, 'target/classes/kleak/fixtures', f.slice(f.lastIndexOf('/') + 1).replace(/\.java$/, '.class')));
      if (classes.every((c) => newer(c, [...own, shell, join(dir, 'pom.xml')]))) continue;
      const builder = pathToFileURL(join(root, 'dist/src/local-kafka/start-fixture.js')).href;
      await run(
        'java-fixtures',
        process.execPath,
        ['--input-type=module', '-e', `(await import(${JSON.stringify(builder)})).buildJavaFixtures(${JSON.stringify(name)})`],
        {
          hint: 'Maven 3 and a JDK 17+ (javac) on PATH, Maven Central reachable, and kleak built (npm run build)',
        },
      );
      const lib = readdirSync(join(dir, 'target/libs')).find((f) => f.startsWith(name === 'java' ? 'kafka-clients' : 'spring-kafka'));
      done.push(`fixtures/${name}: ${own.length} sources against ${lib}`);
    }
    return done.length ? done.join('; ') : 'compiled already';
  },

  async 'k8s-validate'() {
    const dir = join(root, 'tools/k8s-validate');
    if (
      newer(
        paths.k8sValidate,
        ['go.mod', 'go.sum', 'main.go'].map((f) => join(dir, f)),
      )
    )
      return 'built already';
    await run('k8s-validate', 'go', ['build', '-o', 'bin/', '.'], { cwd: dir, hint: 'Go on PATH and the Go module proxy reachable' });
    return 'built';
  },

  async 'golangci-kleak'() {
    // go build is incremental: it relinks when the analyzer's sources changed, and takes a second when not
    await run('golangci-kleak', 'go', ['build', '-o', 'bin/', '.'], {
      cwd: join(root, 'tools/golangci-kleak'),
      env: { GOWORK: 'off', GOFLAGS: '-mod=mod' },
      hint: 'Go on PATH and the Go module proxy reachable (golangci-lint v2.15.0 and its linters)',
    });
    return 'golangci-lint v2.15.0 with the kleak plugin';
  },

  async chromium() {
    if (existsSync(paths.chromium)) return 'installed already';
    if (process.getuid?.() !== 0)
      throw new SetupFailed('chromium: /usr/bin/chromium is not installed, and installing it takes root.\n  hint: sudo apt-get install chromium');
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    await run('chromium', 'apt-get', ['update'], { env, hint: "Debian's package mirrors reachable" });
    await run('chromium', 'apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, hint: "Debian's package mirrors reachable" });
    if (!existsSync(paths.chromium)) throw new SetupFailed(`chromium: apt-get installed it but ${paths.chromium} is not there`);
    return (
      (await run('chromium', paths.chromium, ['--version']))
        .split('\n')
        .find((l) => l.startsWith('Chromium'))
        ?.trim() ?? 'installed'
    );
  },

  async prometheus() {
    const dir = join(root, 'tools/prometheus');
    const mod = ['go.mod', 'go.sum'].map((f) => join(dir, f));
    if (newer(paths.prometheus, mod) && newer(paths.promtool, mod)) return 'built already';
    const version = /github\.com\/prometheus\/prometheus v0\.(\d+)\.(\d+)/.exec(readFileSync(mod[0], 'utf8'));
    // v0.316.0 is Prometheus 3.16.0 (the module's tags carry the release as v0.3XX)
    const release = version ? `${Math.floor(Number(version[1]) / 100)}.${Number(version[1]) % 100}.${version[2]}` : 'unknown';
    const ldflags = `-s -w -X github.com/prometheus/common/version.Version=${release} -X github.com/prometheus/common/version.Branch=kleak-setup`;
    await run('prometheus', 'go', ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', 'bin/', 'tool'], {
      cwd: dir,
      hint: 'Go on PATH and the Go module proxy reachable (the first build downloads about 300 modules)',
    });
    return `Prometheus ${release}`;
  },

  async 'real-code'() {
    const expected = JSON.parse(readFileSync(join(root, 'bench/real-code/expected.json'), 'utf8'));
    const fetched = [];
    for (const entry of expected.filter((e) => e.registry)) {
      const dir = realCodeDir(entry);
      if (existsSync(join(dir, '.kleak-complete'))) continue;
      const partial = `${dir}.partial`;
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { recursive: true });
      const { registry } = entry;
      if (registry.go) {
        const out = await run('real-code', 'go', ['mod', 'download', '-json', `${registry.go}@${registry.version}`], {
          cwd: cacheDir,
          env: { GOFLAGS: '-mod=mod' },
          hint: 'Go on PATH and the Go module proxy reachable',
        });
        const info = JSON.parse(out);
        if (registry.sum && info.Sum !== registry.sum)
          throw new SetupFailed(`real-code: ${registry.go}@${registry.version} has sum ${info.Sum}, expected ${registry.sum}`);
        cpSync(info.Dir, partial, { recursive: true });
      } else if (registry.npm) {
        const out = await run('real-code', 'npm', ['pack', '--json', '--pack-destination', partial, `${registry.npm}@${registry.version}`], { cwd: cacheDir });
        const [packed] = JSON.parse(out.slice(out.indexOf('[')));
        if (registry.integrity && packed.integrity !== registry.integrity)
          throw new SetupFailed(`real-code: ${registry.npm}@${registry.version} has integrity ${packed.integrity}, expected ${registry.integrity}`);
        await run('real-code', 'tar', ['-xzf', packed.filename, '--strip-components=1'], { cwd: partial });
        rmSync(join(partial, packed.filename));
      }
      writable(partial);
      writeFileSync(join(partial, '.kleak-complete'), `${entry.repo} ${registry.go ?? registry.npm}@${registry.version}\n`);
      rmSync(dir, { recursive: true, force: true });
      renameSync(partial, dir);
      fetched.push(`${registry.go ?? registry.npm}@${registry.version}`);
    }
    return fetched.length ? `fetched ${fetched.join(', ')}` : 'fetched already';
  },
};

/** The module cache's copies are read-only: make ours removable by whoever runs the suite. */
function writable(dir) {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) writable(p);
    else chmodSync(p, 0o644);
  }
}

/** .cache/real-code/<owner+name>@<version>: one registry copy of a repository from expected.json */
export function realCodeDir(entry) {
  return join(paths.realCode, `${entry.repo.replace('/', '+')}@${entry.registry.version}`);
}

/** Runs the tasks side by side; prints one line per task; throws SetupFailed with every failure. */
export async function setup(names = Object.keys(tasks), log = (line) => console.error(line)) {
  const unknown = names.filter((n) => !(n in tasks));
  if (unknown.length) throw new SetupFailed(`unknown set-up task ${unknown.join(', ')}; tasks: ${Object.keys(tasks).join(', ')}`);
  mkdirSync(cacheDir, { recursive: true });
  const started = Date.now();
  const results = await Promise.allSettled(
    names.map(async (name) => {
      const t0 = Date.now();
      const what = await tasks[name]();
      log(`[setup] ${name}: ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }),
  );
  const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failed.length) throw new SetupFailed(failed.map((e) => (e instanceof SetupFailed ? e.message : String(e?.stack ?? e))).join('\n\n'));
  log(`[setup] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await setup(process.argv.slice(2).length ? process.argv.slice(2) : undefined);
  } catch (error) {
    console.error(`\nThe test set-up failed.\n\n${error instanceof SetupFailed ? error.message : error?.stack}`);
    process.exit(2);
  }
}
