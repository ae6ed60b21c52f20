// Kafka-aware reading of a heap graph: live kafkajs clients and their connections, and record
// buffers pinned by kept messages (../shared/reference/client-signatures.md §1).
import { fileURLToPath } from 'node:url';
import type { HeapGraph } from './heap-graph.js';
import type { CreationSite, HeapAnalysis, KafkaObjects, PinnedGroup, PinnedOwner } from './types.js';

function hasEdgeMatching(g: HeapGraph, i: number, test: (name: string) => boolean): number | undefined {
  for (let e = g.firstEdge[i]!; e < g.firstEdge[i + 1]!; e++) if (test(g.edgeName(e))) return g.edgeTo(e);
  return undefined;
}

function socketIsLive(g: HeapGraph, socket: number): boolean {
  const handle = hasEdgeMatching(g, socket, (n) => n === '_handle' || n.includes('kHandle'));
  if (handle === undefined) return false;
  const name = g.name(handle);
  return name === 'TCP' || name === 'TLSWrap' || name === 'Pipe' || name.includes('TCP');
}

/**
 * The edge each node was first reached by in a breadth-first search from the root over non-weak edges
 * (shortest retainer paths); -1 not reached, -2 the root. The parent is the edge's owner (found by
 * a binary search when a path is printed), so no parent array is kept.
 */
function bfsParentEdges(g: HeapGraph): Int32Array {
  const parentEdge = new Int32Array(g.nodeCount).fill(-1);
  const queue = new Uint32Array(g.nodeCount);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  parentEdge[0] = -2;
  while (head < tail) {
    const v = queue[head++]!;
    for (let e = g.firstEdge[v]!; e < g.firstEdge[v + 1]!; e++) {
      if (g.isWeak(e)) continue;
      const w = g.edgeTo(e);
      if (parentEdge[w] !== -1) continue;
      parentEdge[w] = e;
      queue[tail++] = w;
    }
  }
  return parentEdge;
}

function abstractPath(g: HeapGraph, node: number, parentEdge: Int32Array, hops = 4): string {
  const parts: string[] = [];
  let v = node;
  for (let k = 0; k < hops && v > 0 && parentEdge[v]! >= 0; k++) {
    const e = parentEdge[v]!;
    const p = g.edgeOwner(e);
    // positions in an array or a Map's backing store are one place: all the records a container keeps form one group
    const edge = g.edgeType(e) === 'element' || g.edgeType(e) === 'hidden' || /^\d+$/.test(g.edgeName(e)) ? '[i]' : g.edgeName(e);
    parts.unshift(`${g.name(p) || g.type(p)} (${g.type(p)}) → ${edge}`);
    v = p;
  }
  return parts.join(' → ');
}

/** The closures whose scope is `context`, with their lines (one pass over the nodes; done once per group). */
function closuresOf(g: HeapGraph, context: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < g.nodeCount; i++) if (g.type(i) === 'closure' && g.child(i, 'context') === context && g.location(i)) out.push(i);
  return out;
}

/**
 * The function that declares a scope's variables: its SharedFunctionInfo points at the scope's ScopeInfo
 * (name_or_scope_info), and a live closure of it gives its line. A module's top level has no name.
 */
function declaringFunction(g: HeapGraph, context: number): { name: string; closure?: number } | undefined {
  const scopeInfo = g.child(context, 'scope_info');
  if (scopeInfo === undefined) return undefined;
  let shared: number | undefined;
  for (let i = 0; i < g.nodeCount && shared === undefined; i++) if (g.type(i) === 'code' && g.child(i, 'name_or_scope_info') === scopeInfo) shared = i;
  if (shared === undefined) return undefined;
  for (let i = 0; i < g.nodeCount; i++)
    if (g.type(i) === 'closure' && g.child(i, 'shared') === shared && g.location(i)) return { name: g.name(shared), closure: i };
  return { name: g.name(shared) };
}

/**
 * Who keeps a message: going up its retainer path, the first variable of a function's scope (a `context`
 * edge: Context → kept), the function that declares it, and its script and line from the snapshot.
 */
function ownerOf(g: HeapGraph, node: number, parentEdge: Int32Array): PinnedOwner | undefined {
  let v = node;
  for (let hops = 0; hops < 16 && v > 0 && parentEdge[v]! >= 0; hops++) {
    const e = parentEdge[v]!;
    const context = g.edgeOwner(e);
    if (g.edgeType(e) === 'context') {
      const declaring = declaringFunction(g, context);
      // the declaring function's own closure, else the first closure written in that scope (the same script)
      const closure = declaring?.closure ?? closuresOf(g, context).sort((a, b) => g.location(a)!.line - g.location(b)!.line)[0];
      if (closure === undefined) return undefined;
      const at = g.location(closure)!;
      const file = g.scriptOf(closure);
      if (!file) return undefined;
      const path = file.startsWith('file://') ? fileURLToPath(file) : file;
      // V8 names an anonymous function's SharedFunctionInfo "(shared function info)": a module's top level
      const named = (n: string) => (n && n !== '(shared function info)' ? n : undefined);
      const name = declaring ? (named(declaring.name) ?? '(top level)') : (named(g.name(closure)) ?? '(anonymous)');
      return { variable: g.edgeName(e), container: g.name(v) || g.type(v), function: name, file: path, line: at.line + 1, column: at.column + 1 };
    }
    v = context;
  }
  return undefined;
}

// what an object's name is, as far as the classification goes (by string index, worked out once per name)
const UNSEEN = 0;
const OTHER = 1;
const CLIENT = 2;
const CLUSTER = 3;
const BROKER = 4;
const CONNECTION = 5;
const OBJECT = 6;
const categories: Record<string, number> = { Client: CLIENT, Cluster: CLUSTER, Broker: BROKER, Connection: CONNECTION, Object: OBJECT };

export function analyzeHeap(g: HeapGraph, fileBytes: number): HeapAnalysis {
  const retained = g.computeRetainedSizes();
  const kafka: KafkaObjects = { clients: 0, clusters: 0, brokers: 0, connections: 0, liveSockets: 0, requestTimers: 0 };
  const messages: number[] = [];
  const sites = new Map<string, number>();
  let totalBytes = 0;
  // objects are counted by name index, and the names decoded once each at the end
  const { nodeType, nodeName, nodeSelfSize, strings } = g.snapshot;
  const stringCount = strings.length;
  const perName = new Uint32Array(stringCount);
  const category = new Uint8Array(stringCount);
  let unnamed = 0; // a name index outside the strings: '?'
  const firstSeen: number[] = [];
  const isObjectType = Uint8Array.from(g.nodeTypes, (t) => (t === 'object' ? 1 : 0));
  // whether a property name is value, offset or batchContext (bits 1, 2, 4; 0x80 once known), by string
  // index: an Object's edges are looked at without decoding or comparing their names
  const { edgeType, edgeName } = g.snapshot;
  const firstEdge = g.firstEdge;
  const numberedEdge = Uint8Array.from(g.edgeTypes, (t) => (t === 'element' || t === 'hidden' ? 1 : 0));
  const recordField = new Uint8Array(stringCount);
  const recordFields = (i: number): number => {
    let found = 0;
    for (let e = firstEdge[i]!, end = firstEdge[i + 1]!; e < end; e++) {
      const name = edgeName[e]!;
      if (numberedEdge[edgeType[e]!] === 1 || name >= stringCount) continue;
      let bits = recordField[name]!;
      if (bits === 0) {
        const s = strings.get(name);
        bits = recordField[name] = 0x80 | (s === 'value' ? 1 : 0) | (s === 'offset' ? 2 : 0) | (s === 'batchContext' ? 4 : 0);
      }
      found |= bits;
    }
    return found & 7;
  };
  for (let i = 0; i < g.nodeCount; i++) {
    totalBytes += nodeSelfSize[i]!;
    if (isObjectType[nodeType[i]!] !== 1) continue;
    const nameIndex = nodeName[i]!;
    let kind = OTHER;
    if (nameIndex < stringCount) {
      if (perName[nameIndex]!++ === 0) firstSeen.push(nameIndex);
      kind = category[nameIndex]!;
      if (kind === UNSEEN) kind = category[nameIndex] = categories[strings.get(nameIndex)!] ?? OTHER;
    } else if (unnamed++ === 0) firstSeen.push(-1);
    if (kind === OTHER) continue;
    if (kind === CLIENT && hasEdgeMatching(g, i, (n) => n.includes('private:Kafka:createCluster')) !== undefined) kafka.clients++;
    else if (kind === CLUSTER && g.hasEdge(i, 'brokerPool')) kafka.clusters++;
    else if (kind === BROKER && g.hasEdge(i, 'connectionPool')) kafka.brokers++;
    else if (kind === CONNECTION && g.hasEdge(i, 'requestQueue')) {
      kafka.connections++;
      const socket = g.child(i, 'socket');
      if (socket !== undefined && socketIsLive(g, socket)) {
        kafka.liveSockets++;
        // kleak/agent leaves the creating line on each connection: "file:line:column function"
        const site = g.child(i, '__kleakCreatedAt');
        if (site !== undefined && /string/.test(g.type(site))) sites.set(g.name(site), (sites.get(g.name(site)) ?? 0) + 1);
      }
      const queue = g.child(i, 'requestQueue');
      const timer = queue === undefined ? undefined : g.child(queue, 'requestTimeoutIntervalId');
      if (timer !== undefined && g.name(timer) === 'Timeout') kafka.requestTimers++;
    } else if (kind === OBJECT && recordFields(i) === 7) {
      messages.push(i); // a kafkajs record: magicByte, attributes, timestamp, offset, key, value, headers, …, batchContext
    }
  }
  // in the order the names first appear, as a count per object would have built it
  const constructors: Record<string, number> = {};
  for (const nameIndex of firstSeen) {
    const name = nameIndex < 0 ? '?' : strings.get(nameIndex)!;
    const times = nameIndex < 0 ? unnamed : perName[nameIndex]!;
    if (name in Object.prototype || name === '__proto__') for (let k = 0; k < times; k++) constructors[name] = (constructors[name] ?? 0) + 1;
    else constructors[name] = (constructors[name] ?? 0) + times;
  }

  // Pinned buffers: the ArrayBuffers behind the key/value views of kept messages, each counted once.
  const parentEdge = messages.length ? bfsParentEdges(g) : undefined;
  const seenBuffers = new Set<number>();
  const groups = new Map<string, PinnedGroup & { sizes: number[] }>();
  let pinnedBytes = 0;
  for (const m of messages) {
    if (parentEdge && parentEdge[m] === -1) continue; // unreachable: garbage the snapshot still listed
    const path = `${abstractPath(g, m, parentEdge!)} → Object.value → Buffer → ArrayBuffer`;
    let group = groups.get(path);
    if (!group) {
      const owner = ownerOf(g, m, parentEdge!);
      group = { path, messages: 0, buffers: 0, bytes: 0, typicalBufferBytes: 0, sizes: [], ...(owner ? { owner } : {}) };
    }
    group.messages++;
    for (const field of ['value', 'key']) {
      const view = g.child(m, field);
      if (view === undefined) continue;
      const arrayBuffer = g.child(view, 'buffer');
      if (arrayBuffer === undefined || seenBuffers.has(arrayBuffer)) continue;
      seenBuffers.add(arrayBuffer);
      const store = g.child(arrayBuffer, 'backing_store');
      const bytes = store === undefined ? g.selfSize(arrayBuffer) : g.selfSize(store);
      group.buffers++;
      group.bytes += bytes;
      group.sizes.push(bytes);
      pinnedBytes += bytes;
    }
    groups.set(path, group);
  }
  const pinnedGroups = [...groups.values()]
    .filter((g) => g.buffers > 0) // look-alikes with no buffer of their own (V8's allocation-site boilerplates)
    .map(({ sizes, ...rest }) => ({ ...rest, typicalBufferBytes: sizes.length ? [...sizes].sort((a, b) => a - b)[Math.floor(sizes.length / 2)]! : 0 }))
    .sort((a, b) => b.bytes - a.bytes);

  // the ten largest retainers below the synthetic roots (a running top 10, not a sort of every node)
  const top: number[] = [];
  const skipType = Uint8Array.from(g.nodeTypes, (t) => (t === 'synthetic' || t === 'hidden' ? 1 : 0));
  let floor = -Infinity; // the tenth's retained size once there are ten
  for (let i = 1; i < g.nodeCount; i++) {
    const r = retained[i]!;
    if (r <= floor) continue;
    if (skipType[nodeType[i]!] === 1) continue;
    let at = top.length;
    while (at > 0 && retained[top[at - 1]!]! < r) at--;
    top.splice(at, 0, i);
    if (top.length > 10) top.pop();
    if (top.length === 10) floor = retained[top[9]!]!;
  }
  const topRetainers = top.map((i) => ({ id: g.id(i), name: g.name(i), type: g.type(i), retainedBytes: retained[i]!, selfBytes: g.selfSize(i) }));

  const creationSites: CreationSite[] = [];
  for (const [site, liveConnections] of sites) {
    const m = /^(.*):(\d+):(\d+) (.*)$/.exec(site);
    if (m) creationSites.push({ file: m[1]!, line: Number(m[2]), column: Number(m[3]), function: m[4]!, liveConnections });
  }
  creationSites.sort((a, b) => b.liveConnections - a.liveConnections);

  return {
    snapshot: { bytes: fileBytes, nodes: g.nodeCount, edges: g.snapshot.edgeCount },
    totalBytes,
    kafka,
    creationSites,
    pinned: { totalBytes: pinnedBytes, buffers: seenBuffers.size, messages: pinnedGroups.reduce((n, g) => n + g.messages, 0), groups: pinnedGroups },
    topRetainers,
    constructors,
  };
}
