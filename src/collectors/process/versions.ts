// Which Kafka client library, at which version, a running process uses — read from what the process
// already has on disk and in /proc, never by touching it:
//   Go      the executable's build info (module path and version of each Kafka module, replacements too);
//   Node    the package.json of kafkajs / node-rdkafka / @confluentinc/kafka-javascript: a mapped native addon
//           names its package; kafkajs (plain JavaScript, nothing mapped) is resolved as Node would, from the
//           main module's directory and the working directory upwards;
//   JVM     the kafka-clients (and spring-kafka) jar it holds open (read by the JVM look);
//   Python  the dist-info directories of the site-packages it maps or its interpreter's prefix holds;
//   librdkafka  the version the binding declares or bundles, else the shared object's own rd_kafka_version().
// Paths go through /proc/PID/root, so a process in a container is read in its own file system.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { kafkaPackageOf } from '../../signatures/packages.js';
import type { ClientVersion } from '../../signatures/types.js';
import { EM_X86_64, findSymbol, openElf } from './elf.js';
import { readGoBuildInfo, type GoBuildInfo } from './go-buildinfo.js';
import type { JvmLook, PythonLook, Runtime } from './types.js';

/** Kafka modules of a Go binary's build info, with the librdkafka confluent-kafka-go bundles (unless built -tags dynamic). */
export function goClientVersions(info: GoBuildInfo, path?: string): ClientVersion[] {
  const out: ClientVersion[] = [];
  for (const dep of info.deps) {
    const known = kafkaPackageOf('Go', dep.path);
    if (!known) continue;
    const version = dep.replacedBy?.version ?? dep.version;
    out.push({
      library: known.library,
      ecosystem: 'Go',
      package: dep.path,
      version,
      from: 'go build info',
      ...(path ? { path } : {}),
      ...(dep.replacedBy ? { replacedBy: dep.replacedBy } : {}),
    });
    const dynamic = (info.settings['-tags'] ?? '').split(',').includes('dynamic');
    if (known.bundlesLibrdkafka && !dynamic) {
      out.push({ library: 'librdkafka', ecosystem: 'ConanCenter', package: 'librdkafka', version, from: 'bundled', bundledIn: known.library });
    }
  }
  return out;
}

/** The first argument of a node command line that is the main module (flags and their values skipped). */
export function nodeMainModule(argv: readonly string[]): string | undefined {
  const takesValue = new Set([
    '-r',
    '--require',
    '--import',
    '--loader',
    '--experimental-loader',
    '-e',
    '--eval',
    '-p',
    '--print',
    '--conditions',
    '-C',
    '--env-file',
    '--title',
  ]);
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-e' || arg === '--eval' || arg === '-p' || arg === '--print') return undefined;
    if (takesValue.has(arg)) {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    return arg;
  }
  return undefined;
}

interface Fs {
  /** a path of the target's file system, as this process can read it */
  at(path: string): string;
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const npmNames = ['kafkajs', 'node-rdkafka', '@confluentinc/kafka-javascript'] as const;

function npmVersion(pkgDir: string, name: string, fs: Fs, out: ClientVersion[]): void {
  const json = readJson(fs.at(join(pkgDir, 'package.json')));
  const known = kafkaPackageOf('npm', name);
  if (!json || !known || typeof json.version !== 'string') return;
  const path = join(pkgDir, 'package.json');
  out.push({ library: known.library, ecosystem: 'npm', package: name, version: json.version.replace(/^v/, ''), from: 'package.json', path });
  // node-rdkafka and @confluentinc/kafka-javascript declare the librdkafka they build ("librdkafka": "2.12.0")
  if (typeof json.librdkafka === 'string' && /^\d+\.\d+/.test(json.librdkafka)) {
    out.push({
      library: 'librdkafka',
      ecosystem: 'ConanCenter',
      package: 'librdkafka',
      version: json.librdkafka,
      from: 'bundled',
      bundledIn: known.library,
      path,
    });
  }
}

/** Node: the packages a mapped addon names, then kafkajs resolved from the main module and the working directory. */
export function nodeClientVersions(maps: string, argv: readonly string[], cwd: string | undefined, fs: Fs): ClientVersion[] {
  const out: ClientVersion[] = [];
  const seen = new Set<string>();
  for (const name of npmNames) {
    const mapped = new RegExp(`^\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\d+\\s+(/.*/node_modules/${name.replace('/', '\\/')})/`, 'm').exec(maps);
    if (mapped?.[1] && !seen.has(name)) {
      seen.add(name);
      npmVersion(mapped[1], name, fs, out);
    }
  }
  // kafkajs is plain JavaScript (nothing of it is mapped): resolved as Node would resolve it, and only when no
  // librdkafka binding is loaded (a package a service could resolve is not one it loaded; a service uses one client)
  if (out.length > 0) return out;
  const main = nodeMainModule(argv);
  const starts = [main && cwd ? dirname(isAbsolute(main) ? main : resolve(cwd, main)) : undefined, cwd].filter((d): d is string => Boolean(d));
  for (const name of npmNames) {
    if (seen.has(name)) continue;
    found: for (const start of starts) {
      for (let dir = start; ; dir = dirname(dir)) {
        const pkgDir = join(dir, 'node_modules', name);
        if (existsSync(fs.at(join(pkgDir, 'package.json')))) {
          seen.add(name);
          npmVersion(pkgDir, name, fs, out);
          break found;
        }
        if (dirname(dir) === dir) break;
      }
    }
  }
  return out;
}

/** dist-info name, the package's import name, its PyPI name */
const pythonDists: Array<[dist: string, module: string, pypi: string]> = [
  ['confluent_kafka', 'confluent_kafka', 'confluent-kafka'],
  ['kafka_python', 'kafka', 'kafka-python'],
  ['aiokafka', 'aiokafka', 'aiokafka'],
];

/** The Kafka packages the main script imports (`import kafka`, `from aiokafka import …`): read, never run. */
export function scriptImports(source: string): Set<string> {
  const out = new Set<string>();
  for (const m of source.matchAll(/^[ \t]*(?:from|import)[ \t]+(confluent_kafka|kafka|aiokafka)\b/gm)) out.add(m[1]!);
  return out;
}

/** Python: the Kafka packages installed in the site-packages the interpreter maps or its prefix holds. */
export function pythonClientVersions(maps: string, exe: string | null, fs: Fs, argv0?: string, script?: string): ClientVersion[] {
  const sites = new Set<string>();
  for (const m of maps.matchAll(/(\/\S*\/(?:site|dist)-packages)\//g)) sites.add(m[1]!);
  // a virtualenv's bin/python is a link to the base interpreter (what /proc/PID/exe names): the command line keeps the venv
  for (const interpreter of [argv0 && isAbsolute(argv0) ? argv0 : undefined, exe]) {
    if (!interpreter) continue;
    // <prefix>/bin/python3.x → <prefix>/lib/python3.x/site-packages
    const prefix = dirname(dirname(interpreter));
    try {
      for (const lib of readdirSync(fs.at(join(prefix, 'lib')))) if (/^python3/.test(lib)) sites.add(join(prefix, 'lib', lib, 'site-packages'));
    } catch {
      // no lib directory there
    }
  }
  const out: ClientVersion[] = [];
  for (const site of sites) {
    let entries: string[];
    try {
      entries = readdirSync(fs.at(site));
    } catch {
      continue;
    }
    for (const [dir, , pypi] of pythonDists) {
      if (out.some((v) => v.package === pypi)) continue;
      const dist = entries.find((e) => e.toLowerCase().startsWith(`${dir}-`) && /\.(dist|egg)-info$/.test(e));
      const version = dist
        ?.slice(dir.length + 1)
        .replace(/\.(dist|egg)-info$/, '')
        .replace(/-py\d.*$/, '');
      const known = kafkaPackageOf('PyPI', pypi);
      if (!dist || !version || !known) continue;
      out.push({ library: known.library, ecosystem: 'PyPI', package: pypi, version, from: 'site-packages', path: join(site, dist) });
    }
  }
  // installed is not imported: the packages whose extension modules are mapped (confluent_kafka, aiokafka) or the
  // main script imports; only when neither tells, every Kafka package installed
  const imported = scriptImports(script ?? '');
  // (kafka-python is pure Python: nothing of it is ever mapped)
  for (const module of ['confluent_kafka', 'aiokafka']) if (new RegExp(`/${module}(\\.libs)?/`).test(maps)) imported.add(module);
  if (imported.size === 0) return out;
  return out.filter((v) => pythonDists.some(([, module, pypi]) => pypi === v.package && imported.has(module)));
}

/** The main script of a python command line (`python app.py`, not `-m` or `-c`), read as far as its first megabyte. */
function pythonScript(argv: readonly string[], cwd: string | undefined, fs: Fs): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-m' || arg === '-c') return undefined;
    if (arg.startsWith('-')) continue;
    try {
      const path = isAbsolute(arg) ? arg : cwd ? resolve(cwd, arg) : undefined;
      return path ? readFileSync(fs.at(path), 'utf8').slice(0, 1 << 20) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The version a librdkafka shared object was built as: rd_kafka_version() returns the constant
 * RD_KAFKA_VERSION (0xMMmmrrxx); on x86-64 the function is `mov eax, imm32; ret` (after an endbr64).
 */
export function librdkafkaSoVersion(path: string): string | undefined {
  const elf = openElf(path);
  if (!elf) return undefined;
  try {
    if (elf.machine !== EM_X86_64) return undefined;
    const symbol = findSymbol(elf, 'rd_kafka_version');
    const code = symbol && elf.readAt(symbol.addr, 16);
    if (!code) return undefined;
    const at = code.subarray(0, 4).equals(Buffer.from([0xf3, 0x0f, 0x1e, 0xfa])) ? 4 : 0;
    if (code[at] !== 0xb8 || code[at + 5] !== 0xc3) return undefined;
    const v = code.readUInt32LE(at + 1);
    return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}`;
  } finally {
    elf.close();
  }
}

/** A Python process's interpreter version and virtualenv, from its command line, its executable and pyvenv.cfg. */
export function readPythonLook(pid: number, exe: string | null): PythonLook {
  let argv0: string | undefined;
  try {
    argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
  } catch {
    argv0 = undefined;
  }
  const root = `/proc/${pid}/root`;
  const at = (path: string) => (existsSync(root) ? join(root, path) : path);
  const look: PythonLook = {};
  if (argv0 && isAbsolute(argv0)) {
    const prefix = dirname(dirname(argv0));
    try {
      const cfg = readFileSync(at(join(prefix, 'pyvenv.cfg')), 'utf8');
      look.virtualenv = prefix;
      const version = /^\s*version(?:_info)?\s*=\s*([\d.]+)/m.exec(cfg)?.[1];
      if (version) look.version = version;
    } catch {
      // not a virtualenv
    }
  }
  look.version ??= /python(\d+\.\d+)$/.exec(exe ?? '')?.[1];
  return look;
}

export interface ProcessLook {
  pid: number;
  runtime: Runtime;
  exe: string | null;
  /** the command line, when the caller has read it already */
  argv?: readonly string[];
  jvm?: JvmLook;
}

const cache = new Map<string, ClientVersion[]>();
const cacheLimit = 4096;

function readMaps(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/maps`, 'latin1');
  } catch {
    return '';
  }
}

/**
 * The Kafka client libraries a process uses, with their versions; [] when none is found. Cached per PID and
 * executable (the files do not change under a running process), so `watch`, `top` and `export` read once.
 */
export function readClientVersions(look: ProcessLook): ClientVersion[] {
  const { pid, runtime, exe } = look;
  let argv = look.argv;
  if (!argv) {
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      argv = [];
    }
  }
  const key = `${pid}\0${exe}\0${argv.join(' ')}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const root = `/proc/${pid}/root`;
  const fs: Fs = { at: (path) => (existsSync(root) ? join(root, path) : path) };
  let out: ClientVersion[] = [];
  try {
    if (runtime === 'go') {
      const info = readGoBuildInfo(`/proc/${pid}/exe`);
      if (info) out = goClientVersions(info, exe ?? undefined);
    } else if (runtime === 'node') {
      let cwd: string | undefined;
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        cwd = undefined;
      }
      out = nodeClientVersions(readMaps(pid), argv, cwd, fs);
    } else if (runtime === 'java' && look.jvm) {
      if (look.jvm.kafkaClients)
        out.push({ library: 'kafka-clients', ecosystem: 'Maven', package: 'org.apache.kafka:kafka-clients', version: look.jvm.kafkaClients, from: 'jar' });
      if (look.jvm.springKafka)
        out.push({
          library: 'spring-kafka',
          ecosystem: 'Maven',
          package: 'org.springframework.kafka:spring-kafka',
          version: look.jvm.springKafka,
          from: 'jar',
        });
    } else if (runtime === 'python') {
      let cwd: string | undefined;
      try {
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        cwd = undefined;
      }
      out = pythonClientVersions(readMaps(pid), exe, fs, argv[0], pythonScript(argv, cwd, fs));
    }
    // a librdkafka mapped from the system, when no binding named its own
    if (!out.some((v) => v.library === 'librdkafka')) {
      // a system librdkafka.so.1, or the one a wheel bundles (confluent_kafka.libs/librdkafka-<hash>.so.1)
      const so = /\s(\/\S*librdkafka(?:-[0-9a-f]+)?\.so[.\d]*)$/m.exec(readMaps(pid))?.[1];
      const version = so ? librdkafkaSoVersion(fs.at(so)) : undefined;
      if (so && version) out.push({ library: 'librdkafka', ecosystem: 'ConanCenter', package: 'librdkafka', version, from: 'shared object', path: so });
    }
  } catch {
    out = [];
  }
  if (cache.size >= cacheLimit) cache.clear();
  cache.set(key, out);
  return out;
}
