// Views over a parsed snapshot's typed arrays (memlab's approach, without an object per node): node i's
// fields are nodeType[i], nodeName[i], …; its edges firstEdge[i] .. firstEdge[i+1]-1. Also the dominator
// tree and retained sizes.
import { retainedSizes } from '../dominators.js';
import type { HeapSnapshot } from './parse-heap-snapshot.js';

/** the indices of the strings equal to a name, and the number it spells (-1 when none) */
export interface EdgeMatcher {
  indices: number[];
  one: number;
  asIndex: number;
}

export class HeapGraph {
  readonly nodeCount: number;
  readonly firstEdge: Uint32Array;
  readonly nodeTypes: string[];
  readonly edgeTypes: string[];
  private readonly weakType: number;
  private readonly elementType: number;
  private readonly hiddenType: number;
  /** told when each step of computeRetainedSizes ends */
  onPhase?: (phase: 'graph' | 'dominators' | 'retained') => void;
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
    return this.snapshot.strings.get(this.snapshot.nodeName[i]!) ?? '?';
  }
  /** the index into meta.node_types[0] of a node type (-1 when the snapshot has none of that name) */
  typeCode(type: string): number {
    return this.nodeTypes.indexOf(type);
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
    return t === this.elementType || t === this.hiddenType ? String(v) : (this.snapshot.strings.get(v) ?? '?');
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
    let m = this.matchers.get(name);
    if (!m) this.matchers.set(name, (m = this.matcher(name)));
    return this.childBy(i, m);
  }
  private readonly matchers = new Map<string, EdgeMatcher>();
  /** what child() compares edges with, for a name looked up many times */
  matcher(name: string): EdgeMatcher {
    const indices = this.snapshot.strings.indicesOf(name);
    return { indices, one: indices.length === 1 ? indices[0]! : -1, asIndex: /^(0|[1-9]\d*)$/.test(name) ? Number(name) : -1 };
  }
  /** child(i, name) with the name's matcher: the same as edgeName(e) === name, without decoding */
  childBy(i: number, { indices, one, asIndex }: EdgeMatcher): number | undefined {
    const { edgeType, edgeName, edgeTo } = this.snapshot;
    const element = this.elementType;
    const hidden = this.hiddenType;
    for (let e = this.firstEdge[i]!, end = this.firstEdge[i + 1]!; e < end; e++) {
      const t = edgeType[e];
      const v = edgeName[e]!;
      if (t === element || t === hidden) {
        if (v === asIndex) return edgeTo[e];
      } else if (one >= 0 ? v === one : indices.includes(v)) return edgeTo[e];
    }
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

  /** retained sizes from the dominator tree (computed once) */
  computeRetainedSizes(): Float64Array {
    this.retained ??= retainedSizes({
      nodeCount: this.nodeCount,
      firstEdge: this.firstEdge,
      edgeTo: this.snapshot.edgeTo,
      weakEdges: { types: this.snapshot.edgeType, weak: this.weakType },
      selfSize: (i) => this.selfSize(i),
      selfSizes: this.snapshot.nodeSelfSize,
      ...(this.onPhase ? { onPhase: this.onPhase } : {}),
    });
    return this.retained;
  }
}
