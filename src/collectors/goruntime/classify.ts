// Classifies goroutines and heap stacks by Kafka library and role, from src/signatures.
import { goSignatures, type GoLibrary, type GoLibrarySignatures, type GoroutineRole } from '../../signatures/index.js';
import type { HeapSiteSignature } from '../../signatures/types.js';
import type { GoroutineDump, GoroutineGroup } from './parse-goroutine-dump.js';
import type { HeapProfile } from './parse-heap-profile.js';
import type { ConstructorSite, CreatorSite, GoroutineClassification, KafkaHeapSite, LibraryCounts, Role, RoleCount, RoleLibrary } from './types.js';

export interface FrameMatch {
  library: GoLibrarySignatures;
  /** the function after the package, e.g. "(*Broker).responseReceiver" */
  fn: string;
}

/** Finds the Kafka library a frame belongs to, also under vendored prefixes (…/vendor/github.com/…). */
export function matchFrame(fn: string, signatures: readonly GoLibrarySignatures[] = goSignatures): FrameMatch | undefined {
  for (const library of signatures) {
    for (const pkg of library.packages) {
      const at = fn.indexOf(`${pkg}.`);
      if (at < 0 || (at > 0 && fn[at - 1] !== '/')) continue;
      return { library, fn: fn.slice(at + pkg.length + 1) };
    }
  }
  return undefined;
}

export function classifyGroup(group: GoroutineGroup): { library: RoleLibrary; role: Role; fn?: string } {
  let firstKafka: FrameMatch | undefined;
  for (const frame of group.frames) {
    const m = matchFrame(frame.fn);
    if (!m || m.library.wrappers.includes(m.fn)) continue;
    firstKafka ??= m;
    const signature = m.library.goroutines.find((g) => g.fn === m.fn);
    if (signature) return { library: m.library.library, role: signature.role, fn: m.fn };
  }
  if (group.createdBy) {
    const m = matchFrame(group.createdBy);
    const signature = m?.library.goroutines.find((g) => g.viaCreatedBy && g.fn === m.fn);
    if (m && signature) return { library: m.library.library, role: signature.role, fn: m.fn };
  }
  if (firstKafka) return { library: firstKafka.library.library, role: 'unclassified', fn: firstKafka.fn };
  return { library: 'none', role: 'non-kafka' };
}

const count = (byRole: RoleCount[], library: GoLibrary, role: GoroutineRole) =>
  byRole.filter((r) => r.library === library && r.role === role).reduce((s, r) => s + r.count, 0);

export function classifyGoroutines(dump: GoroutineDump): GoroutineClassification {
  const byKey = new Map<string, RoleCount>();
  for (const group of dump.groups) {
    const { library, role, fn } = classifyGroup(group);
    const key = `${library}/${role}/${role === 'unclassified' ? fn : ''}`;
    const entry = byKey.get(key) ?? { library, role, count: 0, states: {}, ...(role === 'unclassified' && fn ? { fn } : {}) };
    entry.count += group.count;
    if (group.state) entry.states[group.state] = (entry.states[group.state] ?? 0) + group.count;
    byKey.set(key, entry);
  }
  const byRole = [...byKey.values()].sort(
    (a, b) => (a.library === 'none' ? 1 : 0) - (b.library === 'none' ? 1 : 0) || a.library.localeCompare(b.library) || b.count - a.count,
  );
  const libraries: Partial<Record<GoLibrary, LibraryCounts>> = {};
  for (const library of new Set(byRole.map((r) => r.library))) {
    if (library === 'none') continue;
    libraries[library] = {
      clients: count(byRole, library, 'client-metadata-loop'),
      brokerConnections: count(byRole, library, 'broker-reader'),
      producers: count(byRole, library, 'producer-dispatcher'),
      syncProducers: Math.ceil(count(byRole, library, 'sync-producer-handler') / 2),
      groupSessions: count(byRole, library, 'group-heartbeat'),
      partitionConsumers: Math.ceil(count(byRole, library, 'partition-consumer') / 2),
    };
  }
  const blockedForever = byRole
    .map((r) => ({ ...r, states: Object.fromEntries(Object.entries(r.states).filter(([s]) => s.includes('(nil chan)'))) }))
    .filter((r) => Object.keys(r.states).length > 0)
    .map((r) => ({ ...r, count: Object.values(r.states).reduce((a, b) => a + b, 0) }));
  return { total: dump.total, byRole, libraries, blockedForever, creators: creatorSites(dump) };
}

/** Not the Go standard library (its first path element has no dot: net/http, runtime) nor a Kafka library. */
/** compression libraries the Kafka clients call: not the service's code either */
const isCodecFrame = (fn: string) => /^github\.com\/(klauspost\/compress|pierrec\/lz4|golang\/snappy|eapache\/go-xerial-snappy|DataDog\/zstd)\//.test(fn);

const isServiceFrame = (fn: string) => !matchFrame(fn) && !isRuntimeFrame(fn) && (fn.startsWith('main.') || /^[^/]*\.[^/]*\//.test(fn));

/**
 * Where the service started its Kafka goroutines (debug=2): a `created by` in the service's own code is its
 * `go` statement; a `created by` in the library whose creating goroutine still runs gives that goroutine's
 * first frame of the service — the function that built the client (or one that called it), where it is now.
 */
export function creatorSites(dump: GoroutineDump): CreatorSite[] {
  const sites = new Map<string, CreatorSite>();
  const add = (site: Omit<CreatorSite, 'goroutines'>, n: number) => {
    const key = `${site.library}/${site.role}/${site.how}/${site.file}:${site.line}`;
    const s = sites.get(key) ?? { ...site, goroutines: 0 };
    s.goroutines += n;
    sites.set(key, s);
  };
  for (const group of dump.groups) {
    if (!group.createdBy) continue;
    const { library, role } = classifyGroup(group);
    if (library === 'none') continue;
    const r = role === 'non-kafka' ? 'unclassified' : role;
    if (isServiceFrame(group.createdBy) && group.createdAt) {
      add({ library, role: r, how: 'go-statement', file: group.createdAt.file, line: group.createdAt.line, function: group.createdBy }, group.count);
      continue;
    }
    for (const c of group.creators ?? []) {
      // the creating function is one of the service's frames still on that stack: all of them are named
      const service = c.frames.filter((f) => isServiceFrame(f.fn) && f.file && f.line);
      const frame = service[0];
      const chain = service.map((f) => f.fn.slice(f.fn.lastIndexOf('/') + 1)).join(' ← ');
      if (frame) add({ library, role: r, how: 'creator-running', file: frame.file!, line: frame.line!, function: chain }, c.count);
    }
  }
  return [...sites.values()].sort((a, b) => b.goroutines - a.goroutines);
}

const isRuntimeFrame = (fn: string) => fn.startsWith('runtime.') || fn.startsWith('runtime/') || fn.startsWith('internal/');

/**
 * The service's lines that called a Kafka constructor, from the stacks of samples taken inside one
 * (alloc_space counts allocations since start, so constructors that ran and returned are there too):
 * the library's outermost constructor frame, then the first frame outside every Kafka library and the runtime.
 */
export function constructorSites(profile: HeapProfile, signatures: readonly GoLibrarySignatures[] = goSignatures): ConstructorSite[] {
  const sites = new Map<string, ConstructorSite>();
  for (const stack of profile.stacks) {
    const lines = stack.lines;
    let i = lines.findIndex((l) => {
      const m = matchFrame(l.fn, signatures);
      return m !== undefined && m.library.constructors.includes(m.fn);
    });
    if (i < 0) continue;
    let outer = matchFrame(lines[i]!.fn, signatures)!;
    for (i++; i < lines.length; i++) {
      const m = matchFrame(lines[i]!.fn, signatures);
      if (!m) break;
      if (m.library.constructors.includes(m.fn)) outer = m;
    }
    const user = lines.slice(i).find((l) => !isRuntimeFrame(l.fn));
    if (!user) continue;
    const key = `${outer.library.library}/${outer.fn}/${user.file}:${user.line}/${user.fn}`;
    const site = sites.get(key) ?? {
      library: outer.library.library,
      constructor: outer.fn,
      file: user.file,
      line: user.line,
      function: user.fn,
      samples: 0,
      allocBytes: 0,
    };
    site.samples += stack.samples;
    site.allocBytes += stack.allocBytes;
    sites.set(key, site);
  }
  return [...sites.values()].sort((a, b) => b.samples - a.samples || a.file.localeCompare(b.file) || a.line - b.line);
}

/** Bytes held per Kafka allocation site: the site closest to the allocation in each stack wins. */
export function classifyHeap(profile: HeapProfile): KafkaHeapSite[] {
  const sites = new Map<string, KafkaHeapSite>();
  for (const stack of profile.stacks) {
    let hit: { library: GoLibrary; site: HeapSiteSignature['site'] } | undefined;
    for (const frame of stack.frames) {
      const m = matchFrame(frame);
      const site = m?.library.heapSites.find((s) => s.fn === m.fn);
      if (m && site) {
        hit = { library: m.library.library, site: site.site };
        break;
      }
    }
    if (!hit) continue;
    const key = `${hit.library}/${hit.site}`;
    const entry = sites.get(key) ?? { ...hit, inuseBytes: 0, inuseObjects: 0, share: 0, topStacks: [], keepers: [] };
    entry.inuseBytes += stack.inuseBytes;
    entry.inuseObjects += stack.inuseObjects;
    if (entry.topStacks.length < 3) entry.topStacks.push({ frames: stack.frames.slice(0, 8), inuseBytes: stack.inuseBytes });
    // the service's own frame on the allocating stack, where there is one (a record decoded in the service's
    // goroutine); a fetch goroutine of the library's has none
    const own = stack.inuseBytes > 0 ? stack.lines.find((l) => isServiceFrame(l.fn) && !isCodecFrame(l.fn) && l.file && l.line) : undefined;
    if (own) {
      const k = entry.keepers.find((x) => x.function === own.fn && x.file === own.file && x.line === own.line);
      if (k) k.inuseBytes += stack.inuseBytes;
      else entry.keepers.push({ function: own.fn, file: own.file, line: own.line, inuseBytes: stack.inuseBytes });
    }
    sites.set(key, entry);
  }
  for (const s of sites.values()) {
    s.share = profile.inuseBytes ? s.inuseBytes / profile.inuseBytes : 0;
    s.keepers.sort((a, b) => b.inuseBytes - a.inuseBytes);
  }
  return [...sites.values()].sort((a, b) => b.inuseBytes - a.inuseBytes);
}

/** Kafka libraries' packages and the metrics registry Sarama keeps its meters in: the functions advisories name. */
const libraryFrame =
  /^github\.com\/(?:IBM\/sarama|Shopify\/sarama|twmb\/franz-go|segmentio\/kafka-go|confluentinc\/confluent-kafka-go|rcrowley\/go-metrics)[/.]/;

/** Goroutines per Kafka-library function anywhere on their stacks (each goroutine counted once per function). */
export function libraryFrames(dump: GoroutineDump): Record<string, number> {
  const out: Record<string, number> = {};
  for (const group of dump.groups) {
    const fns = new Set(group.frames.map((f) => f.fn).filter((fn) => libraryFrame.test(fn)));
    if (group.createdBy && libraryFrame.test(group.createdBy)) fns.add(group.createdBy);
    for (const fn of fns) out[fn] = (out[fn] ?? 0) + group.count;
  }
  return out;
}

/** In-use bytes per Kafka-library function anywhere on the allocating stacks (each stack counted once per function). */
export function libraryHeapFunctions(profile: HeapProfile): Record<string, number> {
  const out: Record<string, number> = {};
  for (const stack of profile.stacks) {
    if (stack.inuseBytes === 0) continue;
    for (const fn of new Set(stack.frames.filter((f) => libraryFrame.test(f)))) out[fn] = (out[fn] ?? 0) + stack.inuseBytes;
  }
  return out;
}
