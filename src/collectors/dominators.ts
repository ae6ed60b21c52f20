// Dominators and retained sizes over a heap graph in CSR form (node i's references are edgeTo[firstEdge[i] ..
// firstEdge[i + 1] - 1], node 0 the root): shared by the V8 snapshot and the HPROF readers.

export interface DominatorInput {
  nodeCount: number;
  firstEdge: Uint32Array;
  edgeTo: Uint32Array;
  /** references not followed (V8's weak edges, a java.lang.ref.Reference's referent) */
  isWeak?: (e: number) => boolean;
  /** the same as isWeak, as an array: edge e is not followed when types[e] === weak (faster than a function) */
  weakEdges?: { types: Uint8Array; weak: number };
  selfSize: (i: number) => number;
  /** the same as selfSize, as an array (faster than a function) */
  selfSizes?: ArrayLike<number>;
  /** told when each step ends: 'graph' (search and predecessors), 'dominators', 'retained' */
  onPhase?: (phase: 'graph' | 'dominators' | 'retained') => void;
}

const NONE = 0xffffffff;

/**
 * Dominators by Lengauer and Tarjan's algorithm in its semi-NCA form (Georgiadis and Tarjan): one
 * depth-first search from the root (node 0) over the references that are followed, semidominators in
 * reverse preorder with path compression (iterative, by pointer reversal: no recursion and no stack of
 * its own), then each immediate dominator as the nearest common ancestor of its parent and its
 * semidominator. Everything is in flat typed arrays indexed by preorder number; 20 bytes a node and 4 a
 * followed reference (less one a node: a parent's own reference is left out) at the peak. Then retained size = self size + the retained sizes of the
 * nodes a node immediately dominates (the dominator tree is unique: any correct algorithm gives the
 * same sizes).
 */
export function retainedSizes(g: DominatorInput): Float64Array {
  const n = g.nodeCount;
  if (n === 0) return new Float64Array(0);
  const { firstEdge, edgeTo } = g;
  const weakTypes = g.weakEdges?.types;
  const weakCode = g.weakEdges?.weak ?? -1;
  const isWeakFn = g.isWeak;
  const followed = (e: number) => (weakTypes !== undefined ? weakTypes[e] !== weakCode : isWeakFn === undefined || !isWeakFn(e));

  // node → preorder number, and the search's cursor per preorder number, share one buffer that later
  // holds the (node-indexed) retained sizes as float64
  const scratch = new ArrayBuffer(n * 8);
  const pre = new Uint32Array(scratch, 0, n).fill(NONE);
  const cursor = new Uint32Array(scratch, n * 4, n);
  const vertex = new Uint32Array(n); // preorder → node
  const parent = new Uint32Array(n); // preorder → its parent's preorder number; later the immediate dominator
  const start = new Uint32Array(n + 1); // predecessor counts, then offsets, then the semidominators

  // depth-first search; the path back to the root is the parent chain, so no stack is needed. Every
  // followed reference of a reached node is looked at once: its target's predecessors are counted here,
  // all but those from its parent in the search tree (the semidominator starts at the parent anyway).
  pre[0] = 0;
  vertex[0] = 0;
  cursor[0] = firstEdge[0]!;
  let count = 1;
  let k = 0;
  for (;;) {
    const v = vertex[k]!;
    const end = firstEdge[v + 1]!;
    let e = cursor[k]!;
    let next = -1;
    while (e < end) {
      const cur = e++;
      if (!followed(cur)) continue;
      const w = edgeTo[cur]!;
      let p = pre[w]!;
      if (p === NONE) {
        p = count++;
        pre[w] = p;
        vertex[p] = w;
        parent[p] = k;
        cursor[p] = firstEdge[w]!;
        next = p;
        break;
      }
      if (parent[p] !== k || p === 0) start[p]!++;
    }
    if (next >= 0) {
      cursor[k] = e;
      k = next;
    } else if (k === 0) break;
    else k = parent[k]!;
  }

  // predecessor lists (as preorder numbers) in CSR form; the cursor array becomes the fill positions
  let sum = 0;
  for (let p = 0; p < count; p++) {
    const c = start[p]!;
    start[p] = sum;
    cursor[p] = sum;
    sum += c;
  }
  start[count] = sum;
  const preds = new Uint32Array(sum);
  for (let v = 0; v < n; v++) {
    const p = pre[v]!;
    if (p === NONE) continue;
    for (let e = firstEdge[v]!, end = firstEdge[v + 1]!; e < end; e++) {
      if (!followed(e)) continue;
      const q = pre[edgeTo[e]!]!;
      if (parent[q] !== p || q === 0) preds[cursor[q]!++] = p;
    }
  }
  g.onPhase?.('graph');

  // semidominators, in reverse preorder. A vertex is linked into the forest once processed: the ones
  // numbered above the current w. label[x] is the least semidominator on x's compressed path; the
  // ancestors start as the parents. semi(w) goes into start[w + 1], which is not read again once w is done.
  const label = pre; // pre is not needed any more
  const ancestor = cursor;
  ancestor.set(parent.subarray(0, count));
  for (let w = count - 1; w >= 1; w--) {
    let s = parent[w]!;
    for (let q = start[w]!, end = start[w + 1]!; q < end; q++) {
      const v = preds[q]!;
      if (v <= w) {
        if (v < s) s = v;
        continue;
      }
      let a = ancestor[v]!;
      if (a > w) {
        // up to the last linked vertex on v's path, reversing the pointers; then down, each vertex
        // taking the least label above it and pointing straight at the path's root
        let x = v;
        let below = NONE;
        while (a > w) {
          ancestor[x] = below;
          below = x;
          x = a;
          a = ancestor[x]!;
        }
        let best = label[x]!;
        let y = below;
        while (y !== NONE) {
          const down = ancestor[y]!;
          const l = label[y]!;
          if (best < l) label[y] = best;
          else best = l;
          ancestor[y] = a;
          y = down;
        }
      }
      const l = label[v]!;
      if (l < s) s = l;
    }
    label[w] = s;
    start[w + 1] = s;
  }
  // immediate dominators, in preorder: the nearest ancestor of the parent at or above the semidominator
  const idom = parent;
  for (let w = 1; w < count; w++) {
    const s = start[w + 1]!;
    let x = idom[w]!;
    while (x > s) x = idom[x]!;
    idom[w] = x;
  }
  g.onPhase?.('dominators');

  // retained sizes, by node, in the buffer the search and the semidominators used: children (higher
  // preorder numbers) added to their dominators first
  const retained = new Float64Array(scratch, 0, n).fill(0);
  const selfSizes = g.selfSizes;
  if (selfSizes) for (let p = 0; p < count; p++) retained[vertex[p]!] = selfSizes[vertex[p]!]!;
  else for (let p = 0; p < count; p++) retained[vertex[p]!] = g.selfSize(vertex[p]!);
  for (let p = count - 1; p >= 1; p--) retained[vertex[idom[p]!]!]! += retained[vertex[p]!]!;
  g.onPhase?.('retained');
  return retained;
}
