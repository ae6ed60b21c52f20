// Dominators and retained sizes over a heap graph in CSR form (node i's references are edgeTo[firstEdge[i] ..
// firstEdge[i + 1] - 1], node 0 the root): shared by the V8 snapshot and the HPROF readers.

export interface DominatorInput {
  nodeCount: number;
  firstEdge: Uint32Array;
  edgeTo: Uint32Array;
  /** references not followed (V8's weak edges, a java.lang.ref.Reference's referent) */
  isWeak?: (e: number) => boolean;
  selfSize: (i: number) => number;
}

/**
 * Dominators by the iterative algorithm of Cooper, Harvey and Kennedy ("A Simple, Fast Dominance
 * Algorithm") over a reverse postorder from the root (node 0); weak edges are not followed.
 * Then retained size = self size + retained sizes of the nodes it immediately dominates.
 */
export function retainedSizes(g: DominatorInput): Float64Array {
  const edgeTo = (e: number) => g.edgeTo[e]!;
  const isWeak = g.isWeak ?? (() => false);
  const n = g.nodeCount;
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
      const first = g.firstEdge[v]!;
      const end = g.firstEdge[v + 1]!;
      let e = first + (-2 - post[v]!);
      let pushed = false;
      while (e < end) {
        const cur = e++;
        if (isWeak(cur)) continue;
        const w = edgeTo(cur);
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
    for (let e = g.firstEdge[v]!; e < g.firstEdge[v + 1]!; e++) if (!isWeak(e)) start[post[edgeTo(e)]!]!++;
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
    for (let e = g.firstEdge[v]!; e < g.firstEdge[v + 1]!; e++) if (!isWeak(e)) preds[start[post[edgeTo(e)]!]!++] = k;
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
    retained[v] = g.selfSize(v);
  }
  // postorder visits children before parents: add each node's retained size to its dominator
  for (let k = 0; k < count; k++) if (k !== root) retained[order[idom[k]!]!]! += retained[order[k]!]!;
  return retained;
}
