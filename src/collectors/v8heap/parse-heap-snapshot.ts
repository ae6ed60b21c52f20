// Streaming parser for V8 heap snapshots (.heapsnapshot): never reads the file into one string and
// never calls JSON.parse on it, so snapshots over 512 MB (V8's string limit) can be read. Nodes and
// edges go into typed arrays sized from the header; strings are kept as their raw bytes and decoded
// when asked for (snapshot-strings.ts). For a big file the edges are read by a worker thread meanwhile
// (edges-reader.ts, read-heap-snapshot.ts): this parser then only finds where they start and end.
// Format (v8/src/profiler/heap-snapshot-generator.cc HeapSnapshotJSONSerializer):
//   {"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count",…],
//     "node_types":[["hidden","array","string","object",…],…],"edge_fields":["type","name_or_index","to_node"],
//     "edge_types":[["context","element","property","internal","hidden","shortcut","weak"],…]},
//     "node_count":123,"edge_count":456,"trace_function_count":0},
//   "nodes":[9,1,1,0,5,0,0, …],"edges":[…],"trace_function_infos":[],"trace_tree":[],"samples":[],
//   "locations":[],"strings":["<dummy>","", …]}
import { InputError } from '../../errors.js';
import { SnapshotStrings } from './snapshot-strings.js';

export interface SnapshotMeta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
  edge_fields: string[];
  edge_types: [string[], ...unknown[]];
  location_fields?: string[];
}

/**
 * One typed array per field kleak uses, as narrow as the field allows (17 bytes a node, 9 an edge):
 * the node fields kleak does not use (trace_node_id, detachedness) are skipped, and edge_count becomes
 * the running offset firstEdge while it is read.
 */
export interface HeapSnapshot {
  meta: SnapshotMeta;
  nodeCount: number;
  edgeCount: number;
  /** index into meta.node_types[0] */
  nodeType: Uint8Array;
  /** index into strings */
  nodeName: Uint32Array;
  /** the snapshot's own node id */
  nodeId: Uint32Array;
  /** a self_size over 4 GiB is clamped to 2^32-1 */
  nodeSelfSize: Uint32Array;
  /** node i's edges are firstEdge[i] .. firstEdge[i + 1] - 1 */
  firstEdge: Uint32Array;
  /** index into meta.edge_types[0] */
  edgeType: Uint8Array;
  /** a string index, or the element/hidden index */
  edgeName: Uint32Array;
  /** the node index (the file's to_node ÷ its node field count) */
  edgeTo: Uint32Array;
  /** decoded when asked for */
  strings: SnapshotStrings;
  fileBytes: number;
  /** source positions of closures, meta.location_fields at a time (object_index, script_id, line, column; 0-based) */
  locations: Uint32Array;
}

/** the fields kleak needs: every field it keeps */
const required = { node: ['type', 'name', 'id', 'self_size', 'edge_count'], edge: ['type', 'name_or_index', 'to_node'] };

type Phase = 'header' | 'seek-key' | 'numbers' | 'skip-edges' | 'locations' | 'skip-array' | 'strings' | 'done';

/** a snapshot's edges, read by another thread into shared memory (see edges-reader.ts) */
export type EdgeArrays = Pick<HeapSnapshot, 'edgeType' | 'edgeName' | 'edgeTo'>;

export interface ParserOptions {
  /** the whole input's size when known: counts in the header are bounded by it before anything is allocated */
  totalBytes?: number;
  /** a header found by a first pass (keys in another order): the sections are read with it from the start */
  header?: string;
  /**
   * The edges are read elsewhere (another thread, from the file): they go in SharedArrayBuffers, and
   * this parser only finds where they start (edgesOffset) and where they end.
   */
  edgesElsewhere?: boolean;
  /** With header: read only an edges array, into these arrays, starting at its first number. */
  edgesOnly?: EdgeArrays;
  /** where the first byte pushed is in the file (with edgesOnly, for stopAt) */
  origin?: number;
}

/** An incremental parser: push() chunks as they arrive, then end(). */
export class HeapSnapshotParser {
  private phase: Phase = 'header';
  private header = '';
  private key = '';
  private inKey = false;
  private meta?: SnapshotMeta;
  private nodeCount = 0;
  private edgeCount = 0;
  private arrays?: Pick<HeapSnapshot, 'nodeType' | 'nodeName' | 'nodeId' | 'nodeSelfSize' | 'firstEdge' | 'edgeType' | 'edgeName' | 'edgeTo'>;
  private targetName = '';
  /** the node or edge being read, and the field of it */
  private item = 0;
  private field = 0;
  private number = -1;
  /** the sum of the edge counts so far */
  private edgesSoFar = 0;
  private sourceFields = 1;
  private depth = 0;
  private strings = new SnapshotStrings();
  private locationNumbers: number[] = [];
  private inString = false;
  private escaped = false;
  private hasEscape = false;
  private bytes = 0;

  private readonly source: string;
  /** the whole input's size when known: counts in the header are bounded by it before anything is allocated */
  private readonly totalBytes?: number;
  /** which of the sections were read to their end */
  private readonly seen = new Set<string>();
  private nodeTypeCount = 0;
  private edgeTypeCount = 0;

  private readonly edgesElsewhere: boolean;
  private readonly edgesOnly?: EdgeArrays;
  /** with edgesElsewhere: the position in the input of the edges array's first byte after its '[' */
  edgesOffset = -1;
  /** with edgesElsewhere: the position of the edges array's ']' */
  edgesEnd = -1;
  private readonly origin: number;
  /** with edgesOnly: stop after the first edge whose last number ends at or after this position */
  private stopPosition = Infinity;
  /** where it stopped: the edges read (0 .. stoppedItems - 1) and the position of the character after the last */
  stoppedItems = -1;
  stoppedAt = -1;

  constructor(source = 'the snapshot', options: ParserOptions = {}) {
    this.source = source;
    this.totalBytes = options.totalBytes;
    this.edgesElsewhere = options.edgesElsewhere === true;
    this.edgesOnly = options.edgesOnly;
    this.origin = options.origin ?? 0;
    // a header found by a first pass (keys in another order): the sections are read with it from the start
    if (options.header !== undefined) {
      this.setHeader(options.header);
      this.phase = 'seek-key';
      this.key = '';
      if (this.edgesOnly) this.enterNumbers('edges');
    }
  }

  /** with edgesOnly: stop after the first edge whose last number ends at or after `position` (in the file) */
  stopAt(position: number): void {
    this.stopPosition = position;
  }

  /** the arrays the edges go into, once the header is read */
  edgeArrays(): EdgeArrays | undefined {
    return this.arrays && { edgeType: this.arrays.edgeType, edgeName: this.arrays.edgeName, edgeTo: this.arrays.edgeTo };
  }

  /** the header has been read (its counts and the arrays are known) */
  get headerRead(): boolean {
    return this.meta !== undefined;
  }

  /** the header's fields and counts (for reading the edges elsewhere) */
  layout(): { meta: SnapshotMeta; nodeCount: number; edgeCount: number } {
    return { meta: this.meta!, nodeCount: this.nodeCount, edgeCount: this.edgeCount };
  }

  /** the header as JSON (for a parser reading the edges elsewhere) */
  headerJson(): string {
    return JSON.stringify({ meta: this.meta, node_count: this.nodeCount, edge_count: this.edgeCount });
  }

  /** the edges array has been read to its end (or, with edgesElsewhere, skipped to it) */
  get edgesRead(): boolean {
    return this.seen.has('edges');
  }

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    let i = 0;
    while (i < chunk.length) {
      switch (this.phase) {
        case 'header':
          i = this.readHeader(chunk, i);
          break;
        case 'seek-key':
          i = this.seekKey(chunk, i);
          break;
        case 'numbers':
          i = this.readNumbers(chunk, i);
          break;
        case 'locations':
          i = this.readLocations(chunk, i);
          break;
        case 'skip-array':
          i = this.skipArray(chunk, i);
          break;
        case 'skip-edges': {
          // read by another thread: only its end is looked for here (numbers have no ']')
          const end = chunk.indexOf(0x5d, i);
          if (end < 0) i = chunk.length;
          else {
            this.edgesEnd = this.bytes - chunk.length + end;
            this.seen.add('edges');
            this.phase = 'seek-key';
            this.key = '';
            i = end + 1;
          }
          break;
        }
        case 'strings':
          i = this.readStrings(chunk, i);
          break;
        case 'done':
          return;
      }
    }
  }

  end(): HeapSnapshot {
    if (this.phase === 'numbers') this.checkPartial();
    const absent = ['nodes', 'edges', 'strings'].filter((k) => !this.seen.has(k));
    const midSection =
      this.phase === 'numbers' || this.phase === 'skip-edges' || this.phase === 'strings' || this.phase === 'skip-array' || this.phase === 'header';
    if (!this.meta || !this.arrays || (absent.length && midSection)) {
      throw new InputError(
        `${this.source} is truncated: it ends ${this.phase === 'header' ? 'inside the header' : `while reading ${this.targetName || 'its sections'}`} after ${this.bytes} bytes.`,
        {
          hint: 'The snapshot was cut off (disk full, copy interrupted, or the process died while writing it); take a new one.',
        },
      );
    }
    if (absent.length) {
      throw new InputError(`${this.source} is corrupt: it has no ${absent.join(', ')} ${absent.length === 1 ? 'array' : 'arrays'}.`, {
        hint: 'Take a new snapshot; a file edited or written by another tool may have lost them.',
      });
    }
    return {
      meta: this.meta,
      nodeCount: this.nodeCount,
      edgeCount: this.edgeCount,
      ...this.arrays,
      strings: (this.strings.seal(), this.strings),
      fileBytes: this.bytes,
      locations: Uint32Array.from(this.locationNumbers),
    };
  }

  private readHeader(chunk: Uint8Array, i: number): number {
    // the header is small: collect text until the "nodes" key, then parse just that part
    const text = Buffer.from(chunk.subarray(i, Math.min(chunk.length, i + 65536))).toString('latin1');
    const combined = this.header + text;
    const at = combined.indexOf('"nodes"');
    const start = /^\s*\{\s*"(\w*)/.exec(combined);
    if (start && start[1] !== 'snapshot' && combined.length > start[0].length) throw new HeaderNotFirst(this.source);
    if (at < 0) {
      if (combined.length > 1 << 20 || (combined.length >= 16 && !start)) this.notASnapshot(combined);
      this.header = combined;
      return i + text.length;
    }
    const head = combined.slice(0, at).replace(/,\s*$/, '');
    let parsed: unknown;
    try {
      parsed = JSON.parse(`${head}}`);
    } catch {
      this.notASnapshot(combined);
    }
    this.setHeader((parsed as { snapshot?: unknown }).snapshot, combined);
    // continue right after "nodes" with the key machinery
    this.phase = 'seek-key';
    this.key = 'nodes';
    this.inKey = false;
    const consumed = at + '"nodes"'.length - this.header.length;
    this.header = '';
    return i + consumed;
  }

  /** Checks the header's shape and counts (bounded by the input's size) before allocating the arrays. */
  private setHeader(snapshot: unknown, text = ''): void {
    const snap = (typeof snapshot === 'string' ? parseJsonOrUndefined(snapshot) : snapshot) as
      { meta?: unknown; node_count?: unknown; edge_count?: unknown } | undefined;
    const meta = snap?.meta as Partial<SnapshotMeta> | undefined;
    const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
    if (!snap || typeof snap !== 'object' || !meta || typeof meta !== 'object') this.notASnapshot(text || JSON.stringify(snapshot ?? null));
    if (!isStrings(meta.node_fields) || !isStrings(meta.edge_fields) || !isStrings(meta.node_types?.[0]) || !isStrings(meta.edge_types?.[0])) {
      throw new InputError(`${this.source} has a corrupt header: node_fields, edge_fields, node_types and edge_types must be lists of names.`, {
        hint: 'Take a new snapshot; this one was damaged or written by a tool that is not V8.',
      });
    }
    const bound = this.totalBytes;
    const count = (name: 'node_count' | 'edge_count', fields: number): number => {
      const v = snap[name];
      const most = bound === undefined ? 0xfffffffe : Math.floor(bound / (2 * fields));
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > Math.min(most, 0xfffffffe)) {
        throw new InputError(
          `${this.source} has a corrupt header: ${name} is ${
            typeof v !== 'number'
              ? `${JSON.stringify(v)?.slice(0, 40)}, not a count`
              : !Number.isFinite(v) || Math.abs(v) > Number.MAX_SAFE_INTEGER
                ? 'a number with more digits than any count'
                : v < 0 || !Number.isInteger(v)
                  ? `${v}, not a count`
                  : `${v}, more than a file of ${bound} bytes can hold (${most} at most)`
          }.`,
          { hint: 'Take a new snapshot; this one was damaged.' },
        );
      }
      return v;
    };
    const missing = [...required.node.filter((f) => !meta.node_fields!.includes(f)), ...required.edge.filter((f) => !meta.edge_fields!.includes(f))];
    if (missing.length) {
      throw new InputError(
        `${this.source} is a heap snapshot in a V8 format kleak does not know (node fields: ${meta.node_fields.join(', ')}; edge fields: ${meta.edge_fields.join(', ')}; missing ${missing.join(', ')}).`,
        {
          hint: 'Take the snapshot with a Node.js version kleak supports (Node 18-22 write the format kleak reads), or report the version.',
        },
      );
    }
    if (meta.node_types[0].length > 256 || meta.edge_types[0].length > 256) {
      throw new InputError(
        `${this.source} is a heap snapshot in a V8 format kleak does not know (${meta.node_types[0].length} node types, ${meta.edge_types[0].length} edge types).`,
        { hint: 'Report the Node.js version that wrote it.' },
      );
    }
    const nodeCount = count('node_count', meta.node_fields.length);
    const edgeCount = count('edge_count', meta.edge_fields.length);
    const nf = meta.node_fields;
    const ef = meta.edge_fields;
    this.nodeAt = { type: nf.indexOf('type'), name: nf.indexOf('name'), id: nf.indexOf('id'), size: nf.indexOf('self_size'), count: nf.indexOf('edge_count') };
    this.edgeAt = { type: ef.indexOf('type'), name: ef.indexOf('name_or_index'), to: ef.indexOf('to_node') };
    this.sourceFields = meta.node_fields.length;
    this.nodeTypeCount = meta.node_types[0].length;
    this.edgeTypeCount = meta.edge_types[0].length;
    this.meta = meta as SnapshotMeta;
    this.nodeCount = nodeCount;
    this.edgeCount = edgeCount;
    if (this.edgesOnly) {
      const { edgeType, edgeName, edgeTo } = this.edgesOnly;
      if (edgeType.length !== edgeCount || edgeName.length !== edgeCount || edgeTo.length !== edgeCount) throw new Error('edge arrays of the wrong length');
      const none = new Uint32Array(0);
      this.arrays = { nodeType: new Uint8Array(0), nodeName: none, nodeId: none, nodeSelfSize: none, firstEdge: none, edgeType, edgeName, edgeTo };
      return;
    }
    const edgeBuffer = (bytes: number) => (this.edgesElsewhere ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    this.arrays = {
      nodeType: new Uint8Array(nodeCount),
      nodeName: new Uint32Array(nodeCount),
      nodeId: new Uint32Array(nodeCount),
      nodeSelfSize: new Uint32Array(nodeCount),
      firstEdge: new Uint32Array(nodeCount + 1),
      edgeType: new Uint8Array(edgeBuffer(edgeCount)),
      edgeName: new Uint32Array(edgeBuffer(edgeCount * 4)),
      edgeTo: new Uint32Array(edgeBuffer(edgeCount * 4)),
    };
  }

  private notASnapshot(text: string): never {
    throw new InputError(`${this.source} is not a V8 heap snapshot (it starts ${JSON.stringify(text.trimStart().slice(0, 40))}).`, {
      hint: 'Give a .heapsnapshot file (Chrome DevTools, v8.writeHeapSnapshot, heapdump, --heapsnapshot-signal).',
    });
  }

  private seekKey(chunk: Uint8Array, i: number): number {
    for (; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.inKey) {
        if (c === 0x22) this.inKey = false;
        else this.key += String.fromCharCode(c);
        continue;
      }
      if (c === 0x22) {
        this.key = '';
        this.inKey = true;
      } else if (c === 0x5b) {
        // '[' opens the value of this.key
        i++;
        if (this.key === 'edges' && this.edgesElsewhere) {
          this.targetName = 'edges';
          this.edgesOffset = this.bytes - chunk.length + i;
          this.phase = 'skip-edges';
        } else if (this.key === 'nodes' || this.key === 'edges') {
          this.enterNumbers(this.key);
        } else if (this.key === 'strings') {
          this.targetName = 'strings';
          this.phase = 'strings';
          // V8 writes the strings last: what is left of the file bounds their bytes (pages not written to cost nothing)
          const left = this.totalBytes === undefined ? 0 : this.totalBytes - (this.bytes - (chunk.length - i));
          this.strings = new SnapshotStrings(left > 0 ? left : 1 << 20);
        } else if (this.key === 'locations') {
          this.targetName = 'locations';
          this.number = -1;
          this.phase = 'locations';
        } else {
          this.targetName = this.key;
          this.depth = 1;
          this.phase = 'skip-array';
        }
        return i;
      } else if (c === 0x7d && this.key === 'strings') {
        this.phase = 'done';
        return chunk.length;
      }
    }
    return i;
  }

  /** what each field position of a node / an edge is kept as, and where the kept fields are */
  private nodeAt = { type: -1, name: -1, id: -1, size: -1, count: -1 };
  private edgeAt = { type: -1, name: -1, to: -1 };
  /** the fields of the node or edge being read (a whole one is stored at once) */
  private values = new Float64Array(0);

  private enterNumbers(target: 'nodes' | 'edges'): void {
    this.targetName = target;
    this.item = 0;
    this.field = 0;
    this.number = -1;
    this.values = new Float64Array(target === 'nodes' ? this.meta!.node_fields.length : this.meta!.edge_fields.length);
    this.phase = 'numbers';
  }

  private readNumbers(chunk: Uint8Array, i: number): number {
    return this.targetName === 'nodes' ? this.readNodes(chunk, i) : this.readEdges(chunk, i);
  }

  /** the type field of a node or an edge not read to its end, checked as it would have been when read */
  private checkPartial(): void {
    const isNodes = this.targetName === 'nodes';
    const typeAt = isNodes ? this.nodeAt.type : this.edgeAt.type;
    if (this.field > typeAt && this.values[typeAt]! >= (isNodes ? this.nodeTypeCount : this.edgeTypeCount)) this.badType(this.values[typeAt]!);
  }

  private unexpected(c: number): never {
    this.checkPartial();
    throw new InputError(`${this.source} is corrupt: unexpected ${JSON.stringify(String.fromCharCode(c))} in its ${this.targetName} array.`, {
      hint: 'Take a new snapshot.',
    });
  }

  private endOfArray(item: number, field: number): void {
    const count = this.targetName === 'nodes' ? this.nodeCount : this.edgeCount;
    this.field = field;
    this.checkPartial();
    if (item !== count || field !== 0) this.countMismatch(item);
    if (this.targetName === 'nodes') {
      if (this.edgesSoFar !== this.edgeCount) {
        throw new InputError(`${this.source} is corrupt: its nodes count ${this.edgesSoFar} edges and its header ${this.edgeCount}.`, {
          hint: 'Take a new snapshot.',
        });
      }
      this.arrays!.firstEdge[this.nodeCount] = this.edgesSoFar;
    }
    this.seen.add(this.targetName);
    this.phase = this.edgesOnly ? 'done' : 'seek-key';
    this.key = '';
    this.item = item;
    this.number = -1;
  }

  // The two loops below are most of the reading: the digits of a number in a tight loop, a whole node
  // or edge stored at once when its last field is read. A number may go on in the next chunk.
  private readNodes(chunk: Uint8Array, i: number): number {
    const a = this.arrays!;
    const { nodeType, nodeName, nodeId, nodeSelfSize, firstEdge } = a;
    const values = this.values;
    const fields = values.length;
    const { type: typeAt, name: nameAt, id: idAt, size: sizeAt, count: countAt } = this.nodeAt;
    const count = this.nodeCount;
    const typeCount = this.nodeTypeCount;
    let edgesSoFar = this.edgesSoFar;
    let n = this.number;
    let item = this.item;
    let field = this.field;
    const length = chunk.length;
    const fast = fields === 7;
    const safeEnd = length - 512;
    for (; i < length; i++) {
      // Fast path, a whole node at a time while the chunk has room: one digit loop per field, so the
      // branch predictor learns each field's length on its own (about twice as fast as one loop for
      // all). Anything unusual (another separator, a number over 2^32, a type out of range, more nodes
      // than the header says) goes back to the item's start and to the general loop below.
      if (fast && field === 0 && n < 0) {
        while (i < safeEnd) {
          const itemStart = i;
          let c = chunk[i]!;
          while (c === 0x2c || c === 0x0a) c = chunk[++i]!;
          if (c < 0x30 || c > 0x39) {
            i = itemStart;
            break;
          }
          let v0 = c - 0x30;
          c = chunk[++i]!;
          while (c >= 0x30 && c <= 0x39) {
            v0 = v0 * 10 + (c - 0x30);
            c = chunk[++i]!;
          }
          if (c !== 0x2c) {
            i = itemStart;
            break;
          }
          c = chunk[++i]!;
          if (c < 0x30 || c > 0x39) {
            i = itemStart;
            break;
          }
          let v1 = c - 0x30;
          c = chunk[++i]!;
          while (c >= 0x30 && c <= 0x39) {
            v1 = v1 * 10 + (c - 0x30);
            c = chunk[++i]!;
          }
          if (c !== 0x2c) {
            i = itemStart;
            break;
          }
          c = chunk[++i]!;
          if (c < 0x30 || c > 0x39) {
            i = itemStart;
            break;
          }
          let v2 = c - 0x30;
          c = chunk[++i]!;
          while (c >= 0x30 && c <= 0x39) {
            v2 = v2 * 10 + (c - 0x30);
            c = chunk[++i]!;
          }
          if (c !== 0x2c) {
            i = itemStart;
            break;
          }
          c = chunk[++i]!;
          if (c < 0x30 || c > 0x39) {
            i = itemStart;
            break;
          }
          let v3 = c - 0x30;
          c = chunk[++i]!;
          while (c >= 0x30 && c <= 0x39) {
            v3 = v3 * 10 + (c - 0x30);
            c = chunk[++i]!;
          }
          if (c !== 0x2c) {
            i = itemStart;
            break;
          }
          c = chunk[++i]!;
          if (c < 0x30 || c > 0x39) {
            i = itemStart;
            break;
          }
          let v4 = c - 0x30;
          c = chunk[++i]!;
          while (c >= 0x30 && c <= 0x39) {
            v4 = v4 * 10 + (c - 0x30);
            c = chunk[++i]!;
          }
          if (c !== 0x2c) {
            i = itemStart;
            break;
          }
          c = chunk[++i]!;
          if (c < 0x30 || c > 0x39) {
            i = itemStart;
            break;
          }
          let v5 = c - 0x30;
          c = chunk[++i]!;
          while (c >= 0x30 && c <= 0x39) {
            v5 = v5 * 10 + (c - 0x30);
            c = chunk[++i]!;
          }
          if (c !== 0x2c) {
            i = itemStart;
            break;
          }
          c = chunk[++i]!;
          if (c < 0x30 || c > 0x39) {
            i = itemStart;
            break;
          }
          let v6 = c - 0x30;
          c = chunk[++i]!;
          while (c >= 0x30 && c <= 0x39) {
            v6 = v6 * 10 + (c - 0x30);
            c = chunk[++i]!;
          }
          if (c !== 0x2c && c !== 0x0a && c !== 0x5d) {
            i = itemStart;
            break;
          }
          if (
            item >= count ||
            v0 > 0xffffffff ||
            v1 > 0xffffffff ||
            v2 > 0xffffffff ||
            v3 > 0xffffffff ||
            v4 > 0xffffffff ||
            v5 > 0xffffffff ||
            v6 > 0xffffffff
          ) {
            i = itemStart;
            break;
          }
          values[0] = v0;
          values[1] = v1;
          values[2] = v2;
          values[3] = v3;
          values[4] = v4;
          values[5] = v5;
          values[6] = v6;
          const t = values[typeAt]!;
          if (t >= typeCount) {
            i = itemStart;
            break;
          }
          nodeType[item] = t;
          nodeName[item] = values[nameAt]!;
          nodeId[item] = values[idAt]!;
          nodeSelfSize[item] = values[sizeAt]!;
          firstEdge[item] = edgesSoFar;
          edgesSoFar += values[countAt]!;
          item++;
        }
      }
      let c = chunk[i]!;
      if (c >= 0x30 && c <= 0x39) {
        let v = n < 0 ? 0 : n;
        do {
          v = v * 10 + (c - 0x30);
          if (++i === length) break;
          c = chunk[i]!;
        } while (c >= 0x30 && c <= 0x39);
        n = v;
        if (i === length) break;
      }
      if (c === 0x2c || c === 0x0a || c === 0x5d || c === 0x20 || c === 0x0d || c === 0x09) {
        if (n >= 0) {
          if (field === 0 && item >= count) this.countMismatch(item + 1);
          values[field] = n > 0xffffffff ? 0xffffffff : n;
          n = -1;
          if (++field === fields) {
            field = 0;
            const t = values[typeAt]!;
            if (t >= typeCount) this.badType(t);
            nodeType[item] = t;
            nodeName[item] = values[nameAt]!;
            nodeId[item] = values[idAt]!;
            nodeSelfSize[item] = values[sizeAt]!;
            firstEdge[item] = edgesSoFar;
            edgesSoFar += values[countAt]!;
            item++;
          }
        }
        if (c === 0x5d) {
          this.edgesSoFar = edgesSoFar;
          this.endOfArray(item, field);
          return i + 1;
        }
      } else {
        this.field = field;
        this.unexpected(c);
      }
    }
    this.edgesSoFar = edgesSoFar;
    this.number = n;
    this.item = item;
    this.field = field;
    return i;
  }

  private readEdges(chunk: Uint8Array, i: number): number {
    const { edgeType, edgeName, edgeTo } = this.arrays!;
    const values = this.values;
    const fields = values.length;
    const { type: typeAt, name: nameAt, to: toAt } = this.edgeAt;
    const typeFirst = typeAt < toAt;
    const count = this.edgeCount;
    const typeCount = this.edgeTypeCount;
    const sourceFields = this.sourceFields;
    const nodeCount = this.nodeCount;
    // the index in this chunk at or after which the reading stops at the end of an edge
    const stopIndex = this.stopPosition - (this.origin + this.bytes - chunk.length);
    let n = this.number;
    let item = this.item;
    let field = this.field;
    const length = chunk.length;
    const fast = fields === 3;
    const safeEnd = length - 512;
    for (; i < length; i++) {
      // the same fast path as the nodes', for edges of three fields
      if (fast && field === 0 && n < 0) {
        while (i < safeEnd) {
          const itemStart = i;
          let c = chunk[i]!;
          while (c === 0x2c || c === 0x0a) c = chunk[++i]!;
          if (c < 0x30 || c > 0x39) {
            i = itemStart;
            break;
          }
          let v0 = c - 0x30;
          c = chunk[++i]!;
          while (c >= 0x30 && c <= 0x39) {
            v0 = v0 * 10 + (c - 0x30);
            c = chunk[++i]!;
          }
          if (c !== 0x2c) {
            i = itemStart;
            break;
          }
          c = chunk[++i]!;
          if (c < 0x30 || c > 0x39) {
            i = itemStart;
            break;
          }
          let v1 = c - 0x30;
          c = chunk[++i]!;
          while (c >= 0x30 && c <= 0x39) {
            v1 = v1 * 10 + (c - 0x30);
            c = chunk[++i]!;
          }
          if (c !== 0x2c) {
            i = itemStart;
            break;
          }
          c = chunk[++i]!;
          if (c < 0x30 || c > 0x39) {
            i = itemStart;
            break;
          }
          let v2 = c - 0x30;
          c = chunk[++i]!;
          while (c >= 0x30 && c <= 0x39) {
            v2 = v2 * 10 + (c - 0x30);
            c = chunk[++i]!;
          }
          if (c !== 0x2c && c !== 0x0a && c !== 0x5d) {
            i = itemStart;
            break;
          }
          if (item >= count || v0 > 0xffffffff || v1 > 0xffffffff || v2 > 0xffffffff) {
            i = itemStart;
            break;
          }
          values[0] = v0;
          values[1] = v1;
          values[2] = v2;
          const t = values[typeAt]!;
          const to = values[toAt]! / sourceFields;
          if (t >= typeCount || to !== Math.floor(to) || to >= nodeCount) {
            i = itemStart;
            break;
          }
          edgeType[item] = t;
          edgeName[item] = values[nameAt]!;
          edgeTo[item] = to;
          item++;
          if (i >= stopIndex) {
            this.stoppedItems = item;
            this.stoppedAt = this.origin + this.bytes - chunk.length + i;
            this.phase = 'done';
            this.item = item;
            this.field = 0;
            this.number = -1;
            return length;
          }
        }
      }
      let c = chunk[i]!;
      if (c >= 0x30 && c <= 0x39) {
        let v = n < 0 ? 0 : n;
        do {
          v = v * 10 + (c - 0x30);
          if (++i === length) break;
          c = chunk[i]!;
        } while (c >= 0x30 && c <= 0x39);
        n = v;
        if (i === length) break;
      }
      if (c === 0x2c || c === 0x0a || c === 0x5d || c === 0x20 || c === 0x0d || c === 0x09) {
        if (n >= 0) {
          if (field === 0 && item >= count) this.countMismatch(item + 1);
          values[field] = n > 0xffffffff ? 0xffffffff : n;
          n = -1;
          if (++field === fields) {
            field = 0;
            const t = values[typeAt]!;
            const raw = values[toAt]!;
            // stored as a node index: the graph then follows an edge without a division
            const to = raw / sourceFields;
            const badTo = to !== Math.floor(to) || to >= nodeCount;
            if (typeFirst) {
              if (t >= typeCount) this.badType(t);
              if (badTo) this.badEdgeTarget(raw);
            } else {
              if (badTo) this.badEdgeTarget(raw);
              if (t >= typeCount) this.badType(t);
            }
            edgeType[item] = t;
            edgeName[item] = values[nameAt]!;
            edgeTo[item] = to;
            item++;
            if (i >= stopIndex) {
              this.stoppedItems = item;
              this.stoppedAt = this.origin + this.bytes - chunk.length + i;
              this.phase = 'done';
              this.item = item;
              this.field = 0;
              this.number = -1;
              return length;
            }
          }
        }
        if (c === 0x5d) {
          this.endOfArray(item, field);
          return i + 1;
        }
      } else {
        this.field = field;
        this.unexpected(c);
      }
    }
    this.number = n;
    this.item = item;
    this.field = field;
    return i;
  }

  /** The locations array: numbers kept as they come (a few per closure), validated by the graph when used. */
  private readLocations(chunk: Uint8Array, i: number): number {
    let n = this.number;
    for (; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c >= 0x30 && c <= 0x39) n = (n < 0 ? 0 : n) * 10 + (c - 0x30);
      else if (c === 0x2c || c === 0x5d || c === 0x0a || c === 0x20 || c === 0x0d || c === 0x09) {
        if (n >= 0) this.locationNumbers.push(n > 0xffffffff ? 0xffffffff : n);
        n = -1;
        if (c === 0x5d) {
          this.seen.add('locations');
          this.phase = 'seek-key';
          this.key = '';
          this.number = -1;
          return i + 1;
        }
      } else {
        throw new InputError(`${this.source} is corrupt: unexpected ${JSON.stringify(String.fromCharCode(c))} in its locations array.`, {
          hint: 'Take a new snapshot.',
        });
      }
    }
    this.number = n;
    return i;
  }

  private badType(value: number): never {
    const what = this.targetName === 'nodes' ? 'node' : 'edge';
    throw new InputError(
      `${this.source} is corrupt: ${what === 'edge' ? 'an' : 'a'} ${what} has type ${value}, and the header names ${this.targetName === 'nodes' ? this.nodeTypeCount : this.edgeTypeCount} ${what} types.`,
      {
        hint: 'Take a new snapshot.',
      },
    );
  }

  private badEdgeTarget(value: number): never {
    throw new InputError(`${this.source} is corrupt: an edge points at ${value}, which is not the start of one of its ${this.nodeCount} nodes.`, {
      hint: 'Take a new snapshot.',
    });
  }

  private countMismatch(items: number): never {
    const count = this.targetName === 'nodes' ? this.nodeCount : this.edgeCount;
    throw new InputError(
      `${this.source} is corrupt: its ${this.targetName} array does not match the header's count (${items} ${this.targetName} for ${count}).`,
      { hint: 'Take a new snapshot.' },
    );
  }

  private skipArray(chunk: Uint8Array, i: number): number {
    for (; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === 0x5b) this.depth++;
      else if (c === 0x5d && --this.depth === 0) {
        this.phase = 'seek-key';
        this.key = '';
        return i + 1;
      }
    }
    return i;
  }

  /** JSON string escapes (\n, \", \uXXXX…); a bad one is a corrupt snapshot, not a crash. */
  private readonly unescape = (raw: string, index: number): string => {
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      throw new InputError(`${this.source} is corrupt: string ${index} has a bad escape or a raw control character (${JSON.stringify(raw.slice(0, 40))}).`, {
        hint: 'Take a new snapshot.',
      });
    }
  };

  /** Strings: their raw bytes are kept as they are (decoded when asked for); only escapes are looked at. */
  private readStrings(chunk: Uint8Array, i: number): number {
    const table = this.strings;
    const length = chunk.length;
    table.reserve(length - i);
    table.reserveStrings(((length - i) >> 1) + 1);
    const { bytes, offsets } = table;
    let used = table.used;
    let count = table.count;
    let inString = this.inString;
    let hasEscape = this.hasEscape;
    let escaped = this.escaped;
    for (; i < length; i++) {
      const c = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) {
          escaped = true;
          hasEscape = true;
        } else if (c === 0x22) {
          offsets[++count] = used;
          inString = false;
          if (hasEscape) {
            table.used = used;
            table.count = count;
            table.unescapeLast(this.unescape);
          }
          continue;
        }
        bytes[used++] = c;
      } else if (c === 0x22) {
        inString = true;
        hasEscape = false;
      } else if (c === 0x5d) {
        this.seen.add('strings');
        this.phase = 'seek-key';
        this.key = 'strings';
        i++;
        break;
      }
    }
    table.used = used;
    table.count = count;
    this.inString = inString;
    this.hasEscape = hasEscape;
    this.escaped = escaped;
    return i;
  }
}

/** The first key of the file is not "snapshot": the reader finds the header with a first pass, then parses again. */
export class HeaderNotFirst extends InputError {
  constructor(source: string) {
    super(`${source} does not start with its "snapshot" header.`, { hint: 'kleak reads it in two passes.' });
  }
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
