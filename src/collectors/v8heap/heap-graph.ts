// Views over a parsed snapshot's typed arrays (memlab's approach, without an object per node): node i's
// fields are nodeType[i], nodeName[i], …; its edges firstEdge[i] .. firstEdge[i+1]-1. Also the dominator
// tree and retained sizes.
import { retainedSizes } from '../dominators.js';
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

  /** retained sizes from the dominator tree (computed once) */
  computeRetainedSizes(): Float64Array {
    this.retained ??= retainedSizes({
      nodeCount: this.nodeCount,
      firstEdge: this.firstEdge,
      edgeTo: this.snapshot.edgeTo,
      isWeak: (e) => this.isWeak(e),
      selfSize: (i) => this.selfSize(i),
    });
    return this.retained;
  }
}
