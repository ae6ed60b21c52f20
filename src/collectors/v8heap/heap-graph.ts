// Views over a parsed snapshot's flat arrays (memlab's approach, without an object per node):
// node i's fields live at nodes[i * nodeFieldCount + field]. Also the dominator tree and retained sizes.
import type { HeapSnapshot } from './parse-heap-snapshot.js';

export class HeapGraph {
  readonly nodeCount: number;
  readonly firstEdge: Uint32Array;
  private readonly nf: number;
  private readonly ef: number;
  private readonly typeField: number;
  private readonly nameField: number;
  private readonly sizeField: number;
  private readonly idField: number;
  private readonly edgeCountField: number;
  private readonly edgeTypeField: number;
  private readonly edgeNameField: number;
  private readonly edgeToField: number;
  readonly nodeTypes: string[];
  readonly edgeTypes: string[];
  private readonly weakType: number;
  private readonly elementType: number;
  private readonly hiddenType: number;
  retained?: Float64Array;

  constructor(readonly snapshot: HeapSnapshot) {
    const m = snapshot.meta;
    this.nf = snapshot.nodeFieldCount;
    this.ef = snapshot.edgeFieldCount;
    this.typeField = m.node_fields.indexOf('type');
    this.nameField = m.node_fields.indexOf('name');
    this.sizeField = m.node_fields.indexOf('self_size');
    this.idField = m.node_fields.indexOf('id');
    this.edgeCountField = m.node_fields.indexOf('edge_count');
    this.edgeTypeField = m.edge_fields.indexOf('type');
    this.edgeNameField = m.edge_fields.indexOf('name_or_index');
    this.edgeToField = m.edge_fields.indexOf('to_node');
    this.nodeTypes = m.node_types[0];
    this.edgeTypes = m.edge_types[0];
    this.weakType = this.edgeTypes.indexOf('weak');
    this.elementType = this.edgeTypes.indexOf('element');
    this.hiddenType = this.edgeTypes.indexOf('hidden');
    this.nodeCount = snapshot.nodeCount;
    this.firstEdge = new Uint32Array(this.nodeCount + 1);
    let e = 0;
    for (let i = 0; i < this.nodeCount; i++) {
      this.firstEdge[i] = e;
      e += snapshot.nodes[i * this.nf + this.edgeCountField]!;
    }
    this.firstEdge[this.nodeCount] = e;
  }

  type(i: number): string {
    return this.nodeTypes[this.snapshot.nodes[i * this.nf + this.typeField]!] ?? '?';
  }
  name(i: number): string {
    return this.snapshot.strings[this.snapshot.nodes[i * this.nf + this.nameField]!] ?? '?';
  }
  /** the snapshot's own node id (stable across tools: memlab, DevTools) */
  id(i: number): number {
    return this.snapshot.nodes[i * this.nf + this.idField]!;
  }
  selfSize(i: number): number {
    return this.snapshot.nodes[i * this.nf + this.sizeField]!;
  }
  edgeType(e: number): string {
    return this.edgeTypes[this.snapshot.edges[e * this.ef + this.edgeTypeField]!] ?? '?';
  }
  isWeak(e: number): boolean {
    return this.snapshot.edges[e * this.ef + this.edgeTypeField] === this.weakType;
  }
  /** property name, or the index for element/hidden edges */
  edgeName(e: number): string {
    const t = this.snapshot.edges[e * this.ef + this.edgeTypeField];
    const v = this.snapshot.edges[e * this.ef + this.edgeNameField]!;
    return t === this.elementType || t === this.hiddenType ? String(v) : (this.snapshot.strings[v] ?? '?');
  }
  /** the node index an edge leads to (the parser stores to_node divided by the node field count) */
  edgeTo(e: number): number {
    return this.snapshot.edges[e * this.ef + this.edgeToField]!;
  }
  /** the node an edge named `name` leads to, if any */
  child(i: number, name: string): number | undefined {
    for (let e = this.firstEdge[i]!; e < this.firstEdge[i + 1]!; e++) if (this.edgeName(e) === name) return this.edgeTo(e);
    return undefined;
  }
  hasEdge(i: number, name: string): boolean {
    return this.child(i, name) !== undefined;
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
    const post = new Int32Array(n).fill(-1); // node → postorder position; -1: not reached (yet)
    let count = 0;
    // two scratch arrays, reused after the search (as the predecessor offsets and the idoms) to keep the peak down
    const scratchA = new Uint32Array(n + 1);
    const scratchB = new Uint32Array(n + 1);
    {
      const stack = scratchA;
      const edgeCursor = scratchB;
      const onStack = -2;
      let sp = 0;
      stack[sp++] = 0;
      post[0] = onStack;
      edgeCursor[0] = this.firstEdge[0]!;
      while (sp > 0) {
        const v = stack[sp - 1]!;
        let pushed = false;
        while (edgeCursor[v]! < this.firstEdge[v + 1]!) {
          const e = edgeCursor[v]!++;
          if (this.isWeak(e)) continue;
          const w = this.edgeTo(e);
          if (post[w] === -1) {
            post[w] = onStack;
            edgeCursor[w] = this.firstEdge[w]!;
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
    const idom = scratchB.fill(NONE); // by postorder position
    const root = post[0]!;
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
    const retained = new Float64Array(n);
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
