// Kafka-aware reading of an HPROF heap: kafka-clients and Spring Kafka objects by class, the ConsumerRecords the
// service keeps and the arrays behind their keys and values (a ByteBuffer value from ByteBufferDeserializer is a
// view into the whole fetch response it was read from), grouped by the static or instance field that keeps them,
// and the largest retainers from the dominator tree.
import { retainedSizes } from '../dominators.js';
import { Kind, primitiveArrayNames, type HprofHeap } from './parse-hprof.js';
import type { JvmHeapAnalysis, JvmKafkaObjects, JvmRecordGroup, JvmRecordOwner } from './types.js';

const kafkaClasses: Record<string, keyof JvmKafkaObjects> = {
  'org.apache.kafka.clients.producer.KafkaProducer': 'producers',
  'org.apache.kafka.clients.consumer.KafkaConsumer': 'consumers',
  'org.apache.kafka.clients.admin.KafkaAdminClient': 'admins',
  'org.apache.kafka.common.network.Selector': 'selectors',
  'org.apache.kafka.clients.NetworkClient': 'networkClients',
  'org.apache.kafka.clients.producer.internals.BufferPool': 'bufferPools',
  'org.apache.kafka.clients.consumer.ConsumerRecord': 'consumerRecords',
  'org.springframework.kafka.core.KafkaTemplate': 'kafkaTemplates',
  'org.springframework.kafka.core.DefaultKafkaProducerFactory': 'producerFactories',
};
const consumerRecord = 'org.apache.kafka.clients.consumer.ConsumerRecord';

/** the JDK's own classes and the client library's: a field of theirs is not the service's place to keep records */
const libraryClass = (name: string) => /^(java|javax|jdk|sun|com\.sun|org\.apache\.kafka|kotlin|scala)\./.test(name);
const simpleName = (name: string) => name.slice(name.lastIndexOf('.') + 1);

/** kleak.fixtures.RecordCache$Holder → kleak/fixtures/RecordCache.java */
export const sourceFileOf = (className: string) => `${className.replace(/\$.*$/, '').replaceAll('.', '/')}.java`;

export class HprofView {
  constructor(readonly h: HprofHeap) {}
  className(i: number): string {
    const k = this.h.nodeKind[i];
    if (k === Kind.PrimitiveArray) return primitiveArrayNames[this.h.nodeClass[i]!] ?? '?[]';
    if (k === Kind.Class) return i === 0 ? '(roots)' : `class ${this.h.classes[this.h.classOfNode.get(i)!]?.name ?? '?'}`;
    return this.h.classes[this.h.nodeClass[i]!]?.name ?? '?';
  }
  /** the node a reference field named `field` of instance i leads to */
  child(i: number, field: string): number | undefined {
    if (this.h.nodeKind[i] !== Kind.Instance) return undefined;
    const names = this.h.classes[this.h.nodeClass[i]!]?.refNames;
    if (!names) return undefined;
    for (let e = this.h.firstEdge[i]!; e < this.h.firstEdge[i + 1]!; e++) if (names[this.h.edgeSlot[e]!] === field) return this.h.edgeTo[e];
    return undefined;
  }
  /** how a reference is named: a field, a static field, an array index ([i]) */
  edgeName(owner: number, e: number): string {
    const slot = this.h.edgeSlot[e]!;
    const kind = this.h.nodeKind[owner];
    if (kind === Kind.ObjectArray) return '[i]';
    if (kind === Kind.Class) {
      if (owner === 0) return 'root';
      if (slot === -1) return '(class loader)';
      return this.h.classes[this.h.classOfNode.get(owner)!]?.staticRefNames[slot] ?? '?';
    }
    return this.h.classes[this.h.nodeClass[owner]!]?.refNames?.[slot] ?? '?';
  }
  /** the node whose reference e is (binary search over firstEdge) */
  edgeOwner(e: number): number {
    let lo = 0;
    let hi = this.h.nodeCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.h.firstEdge[mid]! <= e) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** references a java.lang.ref.Reference holds in `referent`: weak (a soft, weak or phantom reference does not keep it) */
function weakEdges(h: HprofHeap): Uint8Array {
  const weak = new Uint8Array(h.edgeTo.length);
  const isReference = new Map<number, boolean>();
  const referenceClass = (c: number): boolean => {
    const known = isReference.get(c);
    if (known !== undefined) return known;
    let yes = false;
    for (let k = h.classes[c]; k; k = k.superNode > 0 ? h.classes[h.classOfNode.get(k.superNode) ?? -1] : undefined) {
      if (k.name === 'java.lang.ref.Reference') {
        yes = true;
        break;
      }
    }
    isReference.set(c, yes);
    return yes;
  };
  for (let i = 1; i < h.nodeCount; i++) {
    if (h.nodeKind[i] !== Kind.Instance || h.nodeClass[i]! < 0 || !referenceClass(h.nodeClass[i]!)) continue;
    const names = h.classes[h.nodeClass[i]!]!.refNames;
    for (let e = h.firstEdge[i]!; e < h.firstEdge[i + 1]!; e++) if (names?.[h.edgeSlot[e]!] === 'referent') weak[e] = 1;
  }
  return weak;
}

/** shortest paths from the root over strong references: the reference each node was first reached by; -1 unreachable */
function bfsParentEdges(h: HprofHeap, weak: Uint8Array): Int32Array {
  const parent = new Int32Array(h.nodeCount).fill(-1);
  const queue = new Uint32Array(h.nodeCount);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  parent[0] = -2;
  while (head < tail) {
    const v = queue[head++]!;
    for (let e = h.firstEdge[v]!; e < h.firstEdge[v + 1]!; e++) {
      if (weak[e]) continue;
      const w = h.edgeTo[e]!;
      if (parent[w] !== -1) continue;
      parent[w] = e;
      queue[tail++] = w;
    }
  }
  return parent;
}

interface Holder {
  path: string;
  owner?: JvmRecordOwner;
  inFlight: boolean;
}

/** who keeps node: the first static field, or instance field of a class not the JDK's or a client library's, on its path */
function holderOf(view: HprofView, node: number, parent: Int32Array): Holder {
  const hops: string[] = [];
  let owner: JvmRecordOwner | undefined;
  let viaKafka = false;
  let v = node;
  for (let k = 0; k < 64 && v > 0 && parent[v]! >= 0; k++) {
    const e = parent[v]!;
    const p = view.edgeOwner(e);
    const name = view.edgeName(p, e);
    const pName = view.className(p);
    if (hops.length < 5 && p !== 0) hops.unshift(`${view.h.nodeKind[p] === Kind.Class ? `${simpleName(pName)} (class)` : simpleName(pName)} → ${name}`);
    if (!owner) {
      if (view.h.nodeKind[p] === Kind.Class && p !== 0 && view.h.edgeSlot[e]! >= 0) {
        const className = pName.replace(/^class /, '');
        owner = { className, field: name, static: true, container: view.className(v), file: sourceFileOf(className) };
      } else if (view.h.nodeKind[p] === Kind.Instance && !libraryClass(pName)) {
        owner = { className: pName, field: name, static: false, container: view.className(v), file: sourceFileOf(pName) };
      } else if (pName.startsWith('org.apache.kafka.')) viaKafka = true;
    }
    v = p;
  }
  return { path: `${hops.join(' → ')} → ConsumerRecord`, ...(owner ? { owner } : {}), inFlight: !owner && viaKafka };
}

export function analyzeHprof(h: HprofHeap, fileBytes: number): JvmHeapAnalysis {
  const view = new HprofView(h);
  const weak = weakEdges(h);
  const retained = retainedSizes({
    nodeCount: h.nodeCount,
    firstEdge: h.firstEdge,
    edgeTo: h.edgeTo,
    isWeak: (e) => weak[e] === 1,
    selfSize: (i) => h.nodeSize[i]!,
  });
  const kafka: JvmKafkaObjects = {
    producers: 0,
    consumers: 0,
    admins: 0,
    selectors: 0,
    networkClients: 0,
    bufferPools: 0,
    consumerRecords: 0,
    kafkaTemplates: 0,
    producerFactories: 0,
  };
  const counts = new Map<string, { instances: number; bytes: number }>();
  const records: number[] = [];
  let totalBytes = 0;
  let references = 0;
  for (let i = 1; i < h.nodeCount; i++) {
    if (h.nodeKind[i] === Kind.Class) continue;
    const name = view.className(i);
    const c = counts.get(name) ?? { instances: 0, bytes: 0 };
    c.instances++;
    c.bytes += h.nodeSize[i]!;
    counts.set(name, c);
    totalBytes += h.nodeSize[i]!;
    references += h.firstEdge[i + 1]! - h.firstEdge[i]!;
    const kind = kafkaClasses[name];
    if (kind) kafka[kind]++;
    if (name === consumerRecord) records.push(i);
  }

  // kept records: the arrays behind their keys and values, each counted once, grouped by who keeps them
  const parent = records.length ? bfsParentEdges(h, weak) : undefined;
  const seen = new Set<number>();
  const groups = new Map<string, JvmRecordGroup & { sizes: number[] }>();
  /** the byte[] behind a raw key or value (a byte[], a ByteBuffer) and the bytes it covers in it; a deserialized one (a String, an object) is the record's own copy */
  const backing = (value: number): { array: number; covered: number } | undefined => {
    const name = view.className(value);
    if (name === 'byte[]') return { array: value, covered: h.nodeLength[value]! };
    if (name.startsWith('java.nio.') && name.includes('ByteBuffer')) {
      const array = view.child(value, 'hb');
      const ints = h.ints.get(value);
      if (array === undefined) return undefined;
      return { array, covered: ints ? Math.max(0, (ints.limit ?? 0) - (ints.position ?? 0)) : h.nodeLength[array]! };
    }
    return undefined;
  };
  for (const r of records) {
    if (parent![r] === -1) continue; // unreachable: garbage a dump with -all still lists
    const holder = holderOf(view, r, parent!);
    const key = holder.owner ? `${holder.owner.className}.${holder.owner.field}` : holder.path;
    let group = groups.get(key);
    if (!group) {
      group = { path: holder.path, messages: 0, buffers: 0, bytes: 0, coveredBytes: 0, typicalBufferBytes: 0, sizes: [], inFlight: holder.inFlight };
      if (holder.owner) group.owner = holder.owner;
      groups.set(key, group);
    }
    group.messages++;
    for (const field of ['value', 'key']) {
      const target = view.child(r, field);
      const b = target === undefined ? undefined : backing(target);
      if (!b) continue;
      group.coveredBytes += b.covered;
      if (seen.has(b.array)) continue;
      seen.add(b.array);
      const bytes = h.nodeLength[b.array]!;
      group.buffers++;
      group.bytes += bytes;
      group.sizes.push(bytes);
    }
  }
  const recordGroups = [...groups.values()]
    .map(({ sizes, ...rest }) => ({ ...rest, typicalBufferBytes: sizes.length ? [...sizes].sort((a, b) => a - b)[Math.floor(sizes.length / 2)]! : 0 }))
    .sort((a, b) => b.bytes - a.bytes);

  // the ten largest retainers below the root
  const top: number[] = [];
  for (let i = 1; i < h.nodeCount; i++) {
    if (top.length === 10 && retained[i]! <= retained[top[9]!]!) continue;
    let at = top.length;
    while (at > 0 && retained[top[at - 1]!]! < retained[i]!) at--;
    top.splice(at, 0, i);
    if (top.length > 10) top.pop();
  }
  const kindOf = (i: number): 'class' | 'instance' | 'array' =>
    h.nodeKind[i] === Kind.Class ? 'class' : h.nodeKind[i] === Kind.Instance ? 'instance' : 'array';

  const histogram: JvmHeapAnalysis['histogram'] = {};
  const sorted = [...counts].sort((a, b) => b[1].bytes - a[1].bytes);
  sorted.forEach(([name, c], k) => {
    if (k < 200 || name in kafkaClasses || name.startsWith('org.apache.kafka.')) histogram[name] = c;
  });

  return {
    dump: { bytes: fileBytes, objects: h.nodeCount - 1, references, classes: h.classes.length, idSize: h.idSize, timestamp: h.timestamp },
    totalBytes,
    kafka,
    records: {
      totalBytes: recordGroups.reduce((n, g) => n + g.bytes, 0),
      buffers: seen.size,
      messages: recordGroups.reduce((n, g) => n + g.messages, 0),
      groups: recordGroups,
    },
    topRetainers: top.map((i) => ({ name: view.className(i), kind: kindOf(i), retainedBytes: retained[i]!, selfBytes: h.nodeSize[i]! })),
    histogram,
    roots: h.roots,
  };
}
