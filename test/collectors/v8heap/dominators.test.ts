// The dominator tree (Lengauer-Tarjan, semi-NCA) against an independent oracle: the iterative
// algorithm of Cooper, Harvey and Kennedy that kleak used before, kept here as it was. The tree is
// unique, so the retained sizes must be equal to the byte, on random graphs with weak edges, self
// references, unreachable nodes and long chains (deep paths for the path compression).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retainedSizes, type DominatorInput } from '../../../src/collectors/dominators.js';

function oracle(g: DominatorInput): Float64Array {
  const isWeak = g.isWeak ?? (() => false);
  const n = g.nodeCount;
  const order: number[] = [];
  const post = new Int32Array(n).fill(-1);
  const seen = new Uint8Array(n);
  // iterative depth-first search, postorder
  const stack: Array<[number, number]> = [[0, g.firstEdge[0]!]];
  seen[0] = 1;
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const [v] = top;
    let pushed = false;
    while (top[1] < g.firstEdge[v + 1]!) {
      const e = top[1]++;
      if (isWeak(e)) continue;
      const w = g.edgeTo[e]!;
      if (!seen[w]) {
        seen[w] = 1;
        stack.push([w, g.firstEdge[w]!]);
        pushed = true;
        break;
      }
    }
    if (!pushed) {
      stack.pop();
      post[v] = order.length;
      order.push(v);
    }
  }
  const count = order.length;
  const preds: number[][] = Array.from({ length: count }, () => []);
  for (const v of order) for (let e = g.firstEdge[v]!; e < g.firstEdge[v + 1]!; e++) if (!isWeak(e)) preds[post[g.edgeTo[e]!]!]!.push(post[v]!);
  const NONE = -1;
  const root = post[0]!;
  const idom = new Int32Array(count).fill(NONE);
  idom[root] = root;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (a < b) a = idom[a]!;
      while (b < a) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = count - 2; k >= 0; k--) {
      let d = NONE;
      for (const u of preds[k]!) if (idom[u] !== NONE) d = d === NONE ? u : intersect(u, d);
      if (d !== NONE && idom[k] !== d) {
        idom[k] = d;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(n);
  for (const v of order) retained[v] = g.selfSize(v);
  for (let k = 0; k < count; k++) if (k !== root) retained[order[idom[k]!]!]! += retained[order[k]!]!;
  return retained;
}

/** deterministic pseudo-random graphs in CSR form */
function graph(seed: number, n: number, degree: number, options: { chain?: boolean; weakShare?: number } = {}) {
  let state = seed;
  const rand = (m: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % m;
  };
  const lists: number[][] = Array.from({ length: n }, () => []);
  if (options.chain) for (let i = 0; i + 1 < n; i++) lists[i]!.push(i + 1);
  for (let i = 0; i < n; i++) {
    const d = rand(degree * 2 + 1);
    for (let k = 0; k < d; k++) lists[i]!.push(rand(10) === 0 ? i : rand(n));
  }
  const firstEdge = new Uint32Array(n + 1);
  const edgeTo: number[] = [];
  for (let i = 0; i < n; i++) {
    firstEdge[i] = edgeTo.length;
    edgeTo.push(...lists[i]!);
  }
  firstEdge[n] = edgeTo.length;
  const types = Uint8Array.from(edgeTo, () => (rand(100) < (options.weakShare ?? 10) ? 6 : 2));
  const sizes = Uint32Array.from({ length: n }, () => rand(1000));
  return { nodeCount: n, firstEdge, edgeTo: Uint32Array.from(edgeTo), types, sizes };
}

test('random graphs: the same retained sizes as the iterative algorithm, by function and by array inputs', () => {
  let compared = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const n = 1 + ((seed * 37) % 400);
    const g = graph(seed, n, 1 + (seed % 4), { chain: seed % 3 === 0, weakShare: seed % 5 === 0 ? 40 : 10 });
    const byFunction: DominatorInput = {
      nodeCount: g.nodeCount,
      firstEdge: g.firstEdge,
      edgeTo: g.edgeTo,
      isWeak: (e) => g.types[e] === 6,
      selfSize: (i) => g.sizes[i]!,
    };
    const want = oracle(byFunction);
    assert.deepEqual(retainedSizes(byFunction), want, `seed ${seed}`);
    const phases: string[] = [];
    const byArray = retainedSizes({
      ...byFunction,
      isWeak: () => true,
      weakEdges: { types: g.types, weak: 6 },
      selfSizes: g.sizes,
      onPhase: (p) => phases.push(p),
    });
    assert.deepEqual(byArray, want, `seed ${seed}, arrays`);
    assert.deepEqual(phases, ['graph', 'dominators', 'retained']);
    compared += n;
  }
  assert.ok(compared > 5000);
});

test('a chain of 200 000 (a linked list): deep paths need no recursion', () => {
  const n = 200_000;
  const g = graph(99, n, 0, { chain: true, weakShare: 0 });
  const r = retainedSizes({ nodeCount: n, firstEdge: g.firstEdge, edgeTo: g.edgeTo, selfSize: (i) => g.sizes[i]! });
  let sum = 0;
  for (let i = n - 1; i >= 0; i--) {
    sum += g.sizes[i]!;
    if (i % 9973 === 0) assert.equal(r[i], sum);
  }
  // back edges to the head and from every node to a far one: still a chain of dominators, now by semidominators
  const back = graph(5, 3000, 2, { chain: true, weakShare: 0 });
  const input = { nodeCount: back.nodeCount, firstEdge: back.firstEdge, edgeTo: back.edgeTo, selfSize: (i: number) => back.sizes[i]! };
  assert.deepEqual(retainedSizes(input), oracle(input));
});

test('one node, and a root with nothing reachable', () => {
  const one = { nodeCount: 1, firstEdge: Uint32Array.of(0, 0), edgeTo: new Uint32Array(0), selfSize: () => 7 };
  assert.deepEqual(retainedSizes(one), Float64Array.of(7));
  const apart = { nodeCount: 3, firstEdge: Uint32Array.of(0, 1, 2, 2), edgeTo: Uint32Array.of(1, 2), isWeak: (e: number) => e === 0, selfSize: () => 5 };
  assert.deepEqual(retainedSizes(apart), Float64Array.of(5, 0, 0));
});
