// known-library-bug: the service runs a Kafka client library at a version with a known leak bug (kleak's
// advisory database, advisories/*.json in OSV format, built from the libraries' own changelogs and
// issues). The version alone is an info finding per library version, listing the bugs and the upgrade
// that fixes them; where the bug's runtime signature shows in what kleak collected (goroutines in the
// function the bug leaks, go-metrics meters in the heap, sockets in the state it leaves) it is a warning:
// the bug is biting; and an error when that signature grew while kleak drove requests or between two
// profiles: confirmed. The version comes from the running process (Go build info, package.json, jars,
// site-packages) or from the manifests of the source tree, whose line the finding lands on.
import type { GoHeapEvidence, GoroutineEvidence } from '../collectors/goruntime/types.js';
import type { DeclaredClientVersion } from '../collectors/source/types.js';
import type { WatchResult } from '../collectors/watch/types.js';
import type { SocketInventory } from '../collectors/process/types.js';
import type { AdvisoryRef, ClientLibrary, ClientVersion } from '../signatures/types.js';
import { coreLibraries, type EvidenceItem, type Library, type SourceLocation } from '../types.js';
import { defineRule, type FindingDraft } from './define-rule.js';
import { plural, sizeText } from './helpers.js';

type MessageId = 'inRange' | 'biting' | 'growing';

const findingLibraries: readonly string[] = [
  ...coreLibraries,
  'kafka-go',
  'confluent-kafka-go',
  'confluent-kafka-javascript',
  'node-rdkafka',
  'kafka-clients',
  'spring-kafka',
];
const libraryOf = (library: ClientLibrary): Library => (findingLibraries.includes(library) ? (library as Library) : 'unknown');

/** The line that upgrades the package to `target` in its ecosystem. */
export function upgradeLine(v: Pick<ClientVersion, 'ecosystem' | 'package' | 'bundledIn'>, target: string): string {
  switch (v.ecosystem) {
    case 'Go':
      if (v.package === 'github.com/Shopify/sarama' && Number(target.split('.')[1]) >= 40) {
        return `go get github.com/IBM/sarama@v${target} (Sarama moved from github.com/Shopify/sarama to github.com/IBM/sarama at 1.40.0: change the imports too)`;
      }
      return `go get ${v.package}@v${target} && go mod tidy`;
    case 'npm':
      return `npm install ${v.package}@^${target}`;
    case 'PyPI':
      return `pip install '${v.package}>=${target}' (and the same bound in requirements or the lock file)`;
    case 'Maven':
      return `${v.package} ${target} (<version>${target}</version> in pom.xml, or the Gradle coordinate; under Spring Boot set the kafka.version property)`;
    case 'ConanCenter':
      return v.bundledIn
        ? `a ${v.bundledIn} release that bundles librdkafka ${target} or newer`
        : `librdkafka ${target} or newer (the system package, or the binding's bundled copy)`;
  }
}

const ordered = (a: string, b: string): number => {
  const x = a.split(/[.-]/).map((p) => Number(p) || 0);
  const y = b.split(/[.-]/).map((p) => Number(p) || 0);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
};

/** Of a fix released on several lines ("3.7.1 / 3.8.0"), the first release after the running version. */
export function fixedFor(fixed: string, version: string): string {
  const lines = fixed
    .split('/')
    .map((f) => f.trim())
    .filter(Boolean)
    .sort(ordered);
  return lines.find((f) => ordered(f, version) > 0) ?? lines.at(-1)!;
}

/**
 * A profile's function (import path, package, function) is the one an advisory names as package.function: the
 * function part equal, and the package the last path element, or its name without a -go / go- affix
 * (github.com/segmentio/kafka-go is package kafka, github.com/rcrowley/go-metrics package metrics).
 */
export function matchesFunction(fn: string, wanted: string): boolean {
  const dot = wanted.indexOf('.');
  const pkg = wanted.slice(0, dot);
  const rest = wanted.slice(dot + 1);
  const last = fn.slice(fn.lastIndexOf('/') + 1);
  if (!last.endsWith(`.${rest}`)) return false;
  const segment = last.slice(0, last.length - rest.length - 1);
  return segment === pkg || segment.replace(/^go-/, '').replace(/-go$/, '') === pkg;
}

/** The first of the advisory's functions (they are listed most telling first) whose value reaches `min`. */
function firstOver(counts: Record<string, number> | undefined, wanted: readonly string[], min: number): { fn: string; value: number } | undefined {
  const entries = Object.entries(counts ?? {});
  for (const w of wanted) {
    const hit = entries.filter(([fn, value]) => value >= min && matchesFunction(fn, w)).sort((a, b) => b[1] - a[1])[0];
    if (hit) return { fn: hit[0], value: hit[1] };
  }
  return undefined;
}

const goLibraries = ['sarama', 'franz-go', 'kafka-go', 'confluent-kafka-go'] as const;
const heapPresentBytes = 256 * 1024;
const heapGrowthBytes = 128 * 1024;

/** "summary. " — a sentence end after the advisory's summary, which has none of its own */
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

const shortFn = (fn: string) => fn.slice(fn.lastIndexOf('/') + 1);

interface Seen {
  what: string;
  before?: number;
  after: number;
  growing: boolean;
  unit: 'goroutines' | 'bytes' | 'sockets';
  evidence: EvidenceItem;
}

interface Collected {
  sockets?: SocketInventory;
  goroutines?: GoroutineEvidence;
  goHeap?: GoHeapEvidence;
  watch?: WatchResult;
}

/** What of an advisory's runtime signature the evidence shows; undefined when nothing does. */
function signatureSeen(a: AdvisoryRef, e: Collected, library: ClientLibrary): Seen | undefined {
  const sig = a.signature;
  const requests = e.watch?.drive?.requests;
  const over = requests ? ` over ${requests} driven requests` : ' between the two profiles';
  // the library's live clients now and before: a signature that grows with them may be the service's own clients
  const goLibrary = goLibraries.find((l) => l === library);
  const clientsNow = goLibrary ? (e.goroutines?.classification.libraries[goLibrary]?.clients ?? 0) : 0;
  const clientsBefore = goLibrary && e.goroutines?.librariesBefore ? (e.goroutines.librariesBefore[goLibrary]?.clients ?? 0) : undefined;
  const clientsGrew = clientsBefore !== undefined && clientsNow > clientsBefore;
  const withClients = `; the live ${library} clients grew too (${clientsBefore} → ${clientsNow}): the service's own clients may be what grows (client-per-request), and the bug is not told apart from them`;
  if (sig.goroutines?.length && e.goroutines?.frames) {
    // one or two such goroutines per broker and client is how a healthy client runs (a connection each for metadata and data)
    const brokers = Math.max(1, e.sockets?.processes.reduce((n, p) => Math.max(n, p.brokers.filter((b) => b.established > 0).length), 0) ?? 1);
    const now = firstOver(e.goroutines.frames, sig.goroutines, 1);
    if (now) {
      const before = e.goroutines.framesBefore ? (e.goroutines.framesBefore[now.fn] ?? 0) : undefined;
      const grew = before !== undefined && now.value - before >= Math.max(2, (requests ?? 0) * 0.05);
      // the function that counts the clients themselves (kafka-go's Transport pool): its growth is the bug's own
      const countsClients = Math.abs(now.value - clientsNow) <= 1;
      const apart = grew && (countsClients || !clientsGrew);
      if (apart || now.value > 2 * brokers * Math.max(1, clientsNow)) {
        return {
          what: `${now.value} goroutines in ${shortFn(now.fn)}`,
          after: now.value,
          unit: 'goroutines',
          growing: apart,
          ...(before !== undefined ? { before } : {}),
          evidence: {
            source: 'goroutines',
            description: `${now.value} goroutines have ${now.fn} on their stack${before !== undefined ? ` (${before} before${over})` : ''}, against ${brokers} ${plural(brokers, 'broker')} connected and ${clientsNow} live ${plural(clientsNow, 'client')}${grew && !apart ? withClients : ''}`,
            data: { fn: now.fn, goroutines: now.value, ...(before !== undefined ? { before } : {}), brokers, clients: clientsNow },
          },
        };
      }
    }
  }
  if (sig.heapFunctions?.length && e.goHeap?.functions) {
    // a quarter megabyte kept under the functions a bug leaks from (a healthy client's own meters are tens of kilobytes)
    const now = firstOver(e.goHeap.functions, sig.heapFunctions, heapPresentBytes);
    if (now) {
      const before = e.goHeap.functionsBefore ? (e.goHeap.functionsBefore[now.fn] ?? 0) : undefined;
      const grew = before !== undefined && now.value - before >= heapGrowthBytes && now.value >= before * 1.5;
      const apart = grew && !clientsGrew;
      return {
        what: `${sizeText(now.value)} in use under ${shortFn(now.fn)}`,
        after: now.value,
        unit: 'bytes',
        growing: apart,
        ...(before !== undefined ? { before } : {}),
        evidence: {
          source: 'goHeap',
          description: `${sizeText(now.value)} of the heap in use was allocated under ${now.fn} (${Math.round((now.value / Math.max(1, e.goHeap.inuseBytes)) * 100)}% of ${sizeText(e.goHeap.inuseBytes)})${before !== undefined ? `; ${sizeText(before)} before${over}` : ''}${grew && !apart ? withClients : ''}`,
          data: { fn: now.fn, inuseBytes: now.value, ...(before !== undefined ? { before } : {}), heapBytes: e.goHeap.inuseBytes },
        },
      };
    }
  }
  // ESTABLISHED is how every client talks: only the states a healthy client does not keep (CLOSE_WAIT, CLOSE) tell
  const states = sig.socketStates?.filter((s) => s !== 'ESTABLISHED') ?? [];
  if (states.length && e.sockets) {
    const count = e.sockets.processes.reduce(
      (n, p) => n + p.brokers.reduce((m, b) => m + states.reduce((k, s) => k + (b.states[s as keyof typeof b.states] ?? 0), 0), 0),
      0,
    );
    if (count >= 2) {
      const samples = e.watch?.samples ?? [];
      const closeWaitOnly = states.every((s) => s === 'CLOSE_WAIT');
      const before = closeWaitOnly && samples.length > 1 ? samples[0]!.brokerCloseWait : undefined;
      const growing = before !== undefined && count - before >= 2;
      return {
        what: `${count} broker ${plural(count, 'socket')} in ${states.join(' or ')}`,
        after: count,
        unit: 'sockets',
        growing,
        ...(before !== undefined ? { before } : {}),
        evidence: {
          source: 'sockets',
          description: `${count} broker ${plural(count, 'socket')} in ${states.join('/')}${before !== undefined ? ` (${before} at the first sample)` : ''}`,
          data: { sockets: count, ...(before !== undefined ? { before } : {}) },
        },
      };
    }
  }
  return undefined;
}

interface Group {
  version: ClientVersion;
  advisories: AdvisoryRef[];
  pids: number[];
  declared: DeclaredClientVersion[];
}

function groups(sockets: SocketInventory | undefined, dependencies: readonly DeclaredClientVersion[]): Group[] {
  const byKey = new Map<string, Group>();
  const key = (v: ClientVersion) => `${v.ecosystem}\0${v.package}\0${v.version}`;
  for (const p of sockets?.processes ?? []) {
    for (const v of p.libraries ?? []) {
      if (!v.advisories?.length) continue;
      const g = byKey.get(key(v)) ?? { version: v, advisories: v.advisories, pids: [], declared: [] };
      g.pids.push(p.pid);
      byKey.set(key(v), g);
    }
  }
  for (const d of dependencies) {
    if (!d.advisories?.length) continue;
    const g = byKey.get(key(d)) ?? { version: d, advisories: d.advisories, pids: [], declared: [] };
    g.declared.push(d);
    byKey.set(key(d), g);
  }
  return [...byKey.values()];
}

export default defineRule({
  id: 'known-library-bug',
  meta: {
    title: 'A Kafka client library version with a known leak bug',
    description:
      'The service runs a Kafka client library at a version with a known leak or shutdown bug, fixed in a later release: info on the version alone, a warning when the bug’s runtime signature shows, an error when it grows with load.',
    severity: 'info',
    messages: {
      inRange: '{library} {version} ({package}, {from}) has {count} known leak {bugs} fixed in later releases: {ids}; {upgrade}',
      biting: '{id} in {library} {version} shows at runtime: {what}. {summary}',
      growing: 'confirmed {id} in {library} {version}: {what}, growing ({before} → {after}{over}). {summary}',
    },
    fix: {
      sarama: 'Upgrade Sarama to the version the finding names (go get github.com/IBM/sarama@vX.Y.Z).',
      'franz-go': 'Upgrade franz-go to the version the finding names (go get github.com/twmb/franz-go@vX.Y.Z).',
      kafkajs: 'Upgrade kafkajs to the version the finding names (npm install kafkajs@X.Y.Z).',
      unknown: 'Upgrade the library to the version the finding names; `kleak advisories --library L --version V` lists what each version has.',
    },
  },
  needs: ['sockets', 'source'],
  needsAny: true,
  uses: ['goroutines', 'goHeap', 'watch'],
  check({ sockets, source, goroutines, goHeap, watch }) {
    const out: FindingDraft<MessageId>[] = [];
    for (const g of groups(sockets, source?.dependencies ?? [])) {
      const v = g.version;
      const locations: SourceLocation[] = g.declared.map((d) => ({
        file: d.file,
        line: d.line,
        column: 1,
        function: `${d.package} ${d.version}`,
        from: 'manifest',
      }));
      const where =
        g.pids.length > 0
          ? `PID ${g.pids.join(', ')} runs ${v.package} ${v.version} (${v.from}${v.path ? `: ${v.path}` : ''})`
          : `${g.declared.map((d) => `${d.file}:${d.line}`).join(', ')} declares ${v.package} ${v.version}${g.declared[0]?.lockFile ? ` (resolved by ${g.declared[0].lockFile})` : ''}`;
      const versionEvidence: EvidenceItem = {
        source: g.pids.length > 0 ? 'sockets' : 'source',
        description: where,
        data: { package: v.package, version: v.version, ecosystem: v.ecosystem, advisories: g.advisories.map((a) => a.id).join(',') },
      };
      const unlocated = locations.length
        ? undefined
        : `the version comes from the running process (${v.from}); with diagnose --source DIR (the service's tree) kleak places it on the line of the manifest that declares ${v.package}`;
      // the version alone is worth a finding when an upgrade helps: a bug no release fixes shows only when it bites
      const fixable = g.advisories.filter((a) => a.fixed);
      const target = fixable
        .map((a) => fixedFor(a.fixed!, v.version))
        .sort(ordered)
        .at(-1);
      const fix = target
        ? `${upgradeLine(v, target)}. That fixes ${fixable.length} known ${plural(fixable.length, 'bug')} of ${v.package} ${v.version}; \`kleak advisories --library ${v.library} --version ${v.version}\` lists each with its reference.`
        : `No release fixes ${g.advisories.map((a) => a.id).join(', ')} yet: see each advisory for the workaround (kleak advisories --library ${v.library} --version ${v.version}).`;
      const library = libraryOf(v.library);
      const common = { library, fix, ...(locations.length ? { locations } : {}), ...(unlocated ? { unlocated } : {}) };
      const shown = new Set<string>();
      if (g.pids.length > 0) {
        for (const a of g.advisories) {
          const seen = signatureSeen(a, { sockets, goroutines, goHeap, watch }, v.library);
          if (!seen) continue;
          shown.add(a.id);
          const text = (n: number) => (seen.unit === 'bytes' ? sizeText(n) : String(n));
          out.push({
            ...common,
            messageId: seen.growing ? 'growing' : 'biting',
            severity: seen.growing ? 'error' : 'warning',
            confidence: seen.growing ? 'confirmed' : 'likely',
            data: {
              id: a.id,
              library: v.library,
              version: v.version,
              what: seen.what,
              summary: a.summary,
              before: text(seen.before ?? 0),
              after: text(seen.after),
              over: watch?.drive ? ` over ${watch.drive.requests} requests` : '',
            },
            evidence: [
              versionEvidence,
              seen.evidence,
              {
                source: versionEvidence.source,
                description: `${a.id}: ${sentence(a.summary)}${a.fixed ? ` Fixed in ${a.fixed}.` : ' No fix released.'}${a.url ? ` ${a.url}` : ''}`,
              },
            ],
          });
        }
      }
      if (fixable.length === 0) continue;
      out.push({
        ...common,
        messageId: 'inRange',
        confidence: 'possible',
        data: {
          library: v.library,
          version: v.version,
          package: v.package,
          from: g.pids.length > 0 ? v.from : 'declared',
          count: fixable.length,
          bugs: plural(fixable.length, 'bug'),
          ids: fixable.map((a) => `${a.id} (fixed in ${fixedFor(a.fixed!, v.version)})`).join(', '),
          upgrade: `${target} fixes all of them`,
          shown: shown.size,
        },
        evidence: [
          versionEvidence,
          ...fixable.map((a) => ({
            source: versionEvidence.source,
            description: `${a.id}: ${sentence(a.summary)} Fixed in ${a.fixed}.${a.url ? ` ${a.url}` : ''}`,
          })),
        ],
      });
    }
    return out;
  },
});
