// Views over a parsed snapshot's typed arrays (memlab's approach, without an object per node): node i's
// fields are nodeType[i], nodeName[i], …; its edges firstEdge[i] .. firstEdge[i+1]-1. Also the dominator
// tree and retained sizes.
import type { HeapSnapshot } from './parse-heap-snapshot.js';

export class HeapGraph {
  readonly nodeCount: number;
  readonly firstEdge: Uint32Array;
  readonly nodeTypes: string[];
  readonly edgeTypes: string[];
  private readonly weakType: number;
  private readonly elementType: number;
  private readonly hiddenType: number;
  retained?: Float64Array;

  constructor(readonly snapshot: HeapSnapshot) {
    const m = snapshot.meta;
    this.nodeTypes = m.node_types[0];
    this.edgeTypes = m.edge_types[0];
    this.weakType = this.edgeTypes.indexOf('weak');
    this.elementType = this.edgeTypes.indexOf('element');
    this.hiddenType = this.edgeTypes.indexOf('hidden');
    this.nodeCount = snapshot.nodeCount;
    this.firstEdge = snapshot.firstEdge;
  }

  type(i: number): string {
    return this.nodeTypes[this.snapshot.nodeType[i]!] ?? '?';
  }
  name(i: number): string {
    return this.snapshot.strings[this.snapshot.nodeName[i]!] ?? '?';
  }
  /** the snapshot's own node id (stable across tools: memlab, DevTools) */
  id(i: number): number {
    return this.snapshot.nodeId[i]!;
  }
  selfSize(i: number): number {
    return this.snapshot.nodeSelfSize[i]!;
  }
  edgeType(e: number): string {
    return this.edgeTypes[this.snapshot.edgeType[e]!] ?? '?';
  }
  isWeak(e: number): boolean {
    return this.snapshot.edgeType[e] === this.weakType;
  }
  /** property name, or the index for element/hidden edges */
  edgeName(e: number): string {
    const t = this.snapshot.edgeType[e];
    const v = this.snapshot.edgeName[e]!;
    return t === this.elementType || t === this.hiddenType ? String(v) : (this.snapshot.strings[v] ?? '?');
  }
  /** the node index an edge leads to */
  edgeTo(e: number): number {
    return this.snapshot.edgeTo[e]!;
  }
  /** the node whose edge e is: the last node whose first edge is at or before e (binary search) */
  edgeOwner(e: number): number {
    let lo = 0;
    let hi = this.nodeCount - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.firstEdge[mid]! <= e) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  /** the node an edge named `name` leads to, if any */
  child(i: number, name: string): number | undefined {
    for (let e = this.firstEdge[i]!; e < this.firstEdge[i + 1]!; e++) if (this.edgeName(e) === name) return this.edgeTo(e);
    return undefined;
  }
  hasEdge(i: number, name: string): boolean {
    return this.child(i, name) !== undefined;
  }

  private locationIndex?: Map<number, number>;
  /** where a closure's function is in its script (0-based line and column), from the snapshot's locations */
  location(i: number): { scriptId: number; line: number; column: number } | undefined {
    const fields = this.snapshot.meta.location_fields ?? ['object_index', 'script_id', 'line', 'column'];
    const [obj, script, line, column] = ['object_index', 'script_id', 'line', 'column'].map((f) => fields.indexOf(f));
    const locs = this.snapshot.locations;
    if (!locs?.length || obj! < 0 || line! < 0) return undefined;
    if (!this.locationIndex) {
      const nodeFields = this.snapshot.meta.node_fields.length;
      this.locationIndex = new Map();
      for (let k = 0; k + fields.length <= locs.length; k += fields.length) this.locationIndex.set(locs[k + obj!]! / nodeFields, k);
    }
    const k = this.locationIndex.get(i);
    return k === undefined
      ? undefined
      : { scriptId: script! < 0 ? 0 : locs[k + script!]!, line: locs[k + line!]!, column: column! < 0 ? 0 : locs[k + column!]! };
  }

  /** the script a closure's function comes from (its URL or path), through its SharedFunctionInfo */
  scriptOf(closure: number): string | undefined {
    const shared = this.child(closure, 'shared');
    const script = shared === undefined ? undefined : this.child(shared, 'script_or_debug_info');
    const name = script === undefined ? undefined : this.name(script);
    return name && !name.startsWith('system /') ? name : undefined;
  }

  /**
   * Dominators by the iterative algorithm of Cooper, Harvey and Kennedy ("A Simple, Fast Dominance
   * Algorithm") over a reverse postorder from the root (node 0); weak edges are not followed.
   * Then retained size = self size + retained sizes of the nodes it immediately dominates.
   */
  computeRetainedSizes(): Float64Array {
    if (this.retained) return this.retained;
    const n = this.nodeCount;
    const order = new Uint32Array(n); // postorder position → node
    // node → postorder position once finished; -1 not reached yet; while on the search's stack, -2 - (how
    // many of its edges were looked at), so the search needs no array of edge cursors of its own
    const post = new Int32Array(n).fill(-1);
    let count = 0;
    // the search's stack is reused as the predecessor offsets, and the idoms later take the place of
    // `post`: fewer arrays alive at once keeps the peak down
    const scratchA = new Uint32Array(n + 1);
    {
      const stack = scratchA;
      let sp = 0;
      stack[sp++] = 0;
      post[0] = -2;
      while (sp > 0) {
        const v = stack[sp - 1]!;
        const first = this.firstEdge[v]!;
        const end = this.firstEdge[v + 1]!;
        let e = first + (-2 - post[v]!);
        let pushed = false;
        while (e < end) {
          const cur = e++;
          if (this.isWeak(cur)) continue;
          const w = this.edgeTo(cur);
          if (post[w] === -1) {
            post[v] = -2 - (e - first);
            post[w] = -2;
            stack[sp++] = w;
            pushed = true;
            break;
          }
        }
        if (!pushed) {
          sp--;
          post[v] = count;
          order[count++] = v;
        }
      }
    }
    // predecessors (reachable, non-weak) in CSR form, both sides as postorder positions so the fixpoint
    // loop below reads them in sequence, without a lookup per predecessor; the start offsets double as fill cursors
    const start = scratchA.fill(0);
    for (let k = 0; k < count; k++) {
      const v = order[k]!;
      for (let e = this.firstEdge[v]!; e < this.firstEdge[v + 1]!; e++) if (!this.isWeak(e)) start[post[this.edgeTo(e)]!]!++;
    }
    let sum = 0;
    for (let k = 0; k <= count; k++) {
      const c = start[k]!;
      start[k] = sum;
      sum += c;
    }
    const preds = new Uint32Array(sum);
    for (let k = 0; k < count; k++) {
      const v = order[k]!;
      for (let e = this.firstEdge[v]!; e < this.firstEdge[v + 1]!; e++) if (!this.isWeak(e)) preds[start[post[this.edgeTo(e)]!]!++] = k;
    }
    for (let k = count; k > 0; k--) start[k] = start[k - 1]!; // the cursors moved each start one slot on
    start[0] = 0;
    const NONE = 0xffffffff;
    const root = post[0];
    const idom = new Uint32Array(post.buffer).fill(NONE); // by postorder position; post is not read after this
    idom[root] = root;
    const intersect = (a: number, b: number) => {
      while (a !== b) {
        while (a < b) a = idom[a]!;
        while (b < a) b = idom[b]!;
      }
      return a;
    };
    let changed = true;
    while (changed) {
      changed = false;
      for (let k = count - 2; k >= 0; k--) {
        let newIdom = NONE;
        for (let p = start[k]!, end = start[k + 1]!; p < end; p++) {
          const u = preds[p]!;
          if (idom[u] === NONE) continue;
          newIdom = newIdom === NONE ? u : intersect(u, newIdom);
        }
        if (newIdom !== NONE && idom[k] !== newIdom) {
          idom[k] = newIdom;
          changed = true;
        }
      }
    }
    // the retained sizes go where the predecessor lists were (done with by now) when those are big
    // enough, as they are in any real heap (more edges than nodes): one array less at the peak
    const retained = preds.byteLength >= n * 8 ? new Float64Array(preds.buffer, 0, n).fill(0) : new Float64Array(n);
    for (let k = 0; k < count; k++) {
      const v = order[k]!;
      retained[v] = this.selfSize(v);
    }
    // postorder visits children before parents: add each node's retained size to its dominator
    for (let k = 0; k < count; k++) if (k !== root) retained[order[idom[k]!]!]! += retained[order[k]!]!;
    this.retained = retained;
    return retained;
  }
}
