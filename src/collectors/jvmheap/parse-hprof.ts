// A streaming reader of HotSpot HPROF heap dumps ("JAVA PROFILE 1.0.2", what `jcmd PID GC.heap_dump` and
// -XX:+HeapDumpOnOutOfMemoryError write): the file is pushed through in chunks (gunzipped first when it is
// `-gz=1`), and what is kept is a compact graph in typed arrays — per object its id, class, shallow size and
// array length; per reference its target — plus the class table (names, static and instance fields). Primitive
// array contents are skipped, never copied. A few primitive fields are kept where the analysis needs them
// (a java.nio buffer's position and limit).
//
// Format (the JDK's heapDumper.cpp, and the HPROF format description that ships with the JDK's demo sources):
// header "JAVA PROFILE 1.0.2\0", u4 identifier size, u8 timestamp; then records: u1 tag, u4 time, u4 length,
// body. UTF8 (0x01) and LOAD CLASS (0x02) name the classes; HEAP DUMP (0x0C) and HEAP DUMP SEGMENT (0x1C) hold
// sub-records: GC roots, CLASS DUMP (0x20), INSTANCE DUMP (0x21), OBJECT ARRAY DUMP (0x22), PRIMITIVE ARRAY DUMP (0x23).
import { InputError } from '../../errors.js';

/** HPROF basic types → size in the dump (2, object, is the identifier size) */
const typeSize = (type: number, idSize: number): number => {
  switch (type) {
    case 2:
      return idSize;
    case 4:
    case 8:
      return 1;
    case 5:
    case 9:
      return 2;
    case 6:
    case 10:
      return 4;
    case 7:
    case 11:
      return 8;
    default:
      return -1;
  }
};
/** the size a value of the type takes in a HotSpot heap with compressed references (what GC.class_histogram counts) */
const heapSize = (type: number, idSize: number) => (type === 2 ? 4 : typeSize(type, idSize));
export const primitiveArrayNames: Record<number, string> = {
  4: 'boolean[]',
  5: 'char[]',
  6: 'float[]',
  7: 'double[]',
  8: 'byte[]',
  9: 'short[]',
  10: 'int[]',
  11: 'long[]',
};
const align8 = (n: number) => Math.ceil(n / 8) * 8;

export interface HprofClass {
  /** the class object's node */
  node: number;
  /** its id in the dump */
  id: number;
  /** java.util.ArrayList, byte[], java.lang.Object[] */
  name: string;
  superNode: number;
  /** this class's own instance fields, in dump order (the dump lists a class's fields, then its superclass's) */
  fields: Array<{ name: string; type: number }>;
  staticRefNames: string[];
  /** the shallow size of an instance, as HotSpot lays it out with compressed references (12-byte header) */
  instanceSize: number;
  instanceDumpBytes: number;
  /** flattened over the hierarchy: the offset in the instance dump and the name of every reference field */
  refOffsets?: Int32Array;
  refNames?: string[];
  /** offsets of int fields the analysis reads (position, limit of a java.nio.Buffer) */
  intOffsets?: Map<string, number>;
}

/** node kinds: an instance, a class object, an object array, a primitive array (the type in `nodeClass` is then -type) */
export const Kind = { Instance: 0, Class: 1, ObjectArray: 2, PrimitiveArray: 3 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

const rootNames: Record<number, string> = {
  0xff: 'unknown',
  0x01: 'JNI global',
  0x02: 'JNI local',
  0x03: 'Java frame',
  0x04: 'native stack',
  0x05: 'system class',
  0x06: 'thread block',
  0x07: 'busy monitor',
  0x08: 'thread',
};

type TypedArray = Float64Array | Int32Array | Uint8Array;
/** a typed array that doubles when full; sized up front from the file's size where it is known */
class Growable<T extends TypedArray> {
  data: T;
  length = 0;
  constructor(
    private readonly make: (n: number) => T,
    capacity = 1 << 16,
  ) {
    this.data = make(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}
const f64 = (n: number) => new Float64Array(n);
const i32 = (n: number) => new Int32Array(n);
const u8 = (n: number) => new Uint8Array(n);

/** Object ids (addresses) → node index: open addressing over a Float64Array of keys. */
class IdIndex {
  private keys: Float64Array;
  private values: Int32Array;
  private size = 0;
  private mask: number;
  constructor(expected: number) {
    // a load of at most one half: the next power of two above twice the objects expected
    const capacity = 2 ** Math.max(17, Math.ceil(Math.log2(expected * 2)));
    this.keys = new Float64Array(capacity);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
  }
  private slot(id: number): number {
    const lo = id >>> 0;
    const hi = (id / 4294967296) >>> 0;
    return (Math.imul((lo >>> 3) ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> 0) & this.mask;
  }
  set(id: number, value: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    let s = this.slot(id);
    while (this.keys[s] !== 0 && this.keys[s] !== id) s = (s + 1) & this.mask;
    if (this.keys[s] === 0) this.size++;
    this.keys[s] = id;
    this.values[s] = value;
  }
  get(id: number): number {
    let s = this.slot(id);
    for (;;) {
      const k = this.keys[s]!;
      if (k === id) return this.values[s]!;
      if (k === 0) return -1;
      s = (s + 1) & this.mask;
    }
  }
  private grow(): void {
    const { keys, values } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.values = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    this.size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.set(keys[i]!, values[i]!);
  }
}

export interface HprofHeap {
  idSize: number;
  /** milliseconds since the epoch, from the header */
  timestamp: number;
  nodeCount: number;
  /** node 0 is a synthetic root whose references are the GC roots, then every class (a class's statics live while it is loaded) */
  nodeKind: Uint8Array;
  /** for an instance or object array: its class's index in `classes`; for a primitive array: the basic type */
  nodeClass: Int32Array;
  nodeSize: Float64Array;
  /** arrays: the element count */
  nodeLength: Int32Array;
  /** CSR: node i's references are edgeTo[firstEdge[i] .. firstEdge[i + 1] - 1] */
  firstEdge: Uint32Array;
  edgeTo: Uint32Array;
  /** per reference: the field's ordinal among the instance's reference fields, the element index, or the static field's ordinal */
  edgeSlot: Int32Array;
  classes: HprofClass[];
  /** class index by the class object's node */
  classOfNode: Map<number, number>;
  /** the int fields read for the analysis, by node: position and limit of java.nio buffers */
  ints: Map<number, Record<string, number>>;
  /** GC roots by kind (counted) */
  roots: Record<string, number>;
  /** references to objects the dump does not hold (dropped) */
  danglingRefs: number;
}

class NeedMore extends Error {}
const needMore = new NeedMore();

const intFieldsWanted = new Set(['position', 'limit']);

/**
 * The push parser: `push` each chunk in order, then `end()`. Every problem is an InputError that says what is wrong
 * and where.
 */
export class HprofParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private consumed = 0;
  private idSize = 0;
  private timestamp = 0;
  private headerDone = false;
  /** bytes of the current heap dump segment not read yet; -1 outside one */
  private segmentLeft = -1;
  /** bytes to skip (a record kleak does not read, a primitive array's elements) */
  private skip = 0;
  /** an object array being read: elements left */
  private arrayLeft = 0;
  private arrayIndex = 0;
  private ended = false;

  private readonly strings = new Map<number, string>();
  private readonly classNameIds = new Map<number, number>();
  /** built at the end from `ids`, in one pass: inserting while parsing costs twice as much (cache misses between records) */
  private index!: IdIndex;
  private readonly expectedObjects: number;
  private readonly ids: Growable<Float64Array>;
  private readonly kind: Growable<Uint8Array>;
  private readonly cls: Growable<Int32Array>;
  private readonly lengths: Growable<Int32Array>;
  private readonly edgeStart: Growable<Int32Array>;
  /** nodes whose references were not added while it was read (instances that came before their class; the root) */
  private readonly laterEdges = new Map<number, [start: number, end: number]>();
  private readonly targets: Growable<Float64Array>;
  private readonly slots: Growable<Int32Array>;
  private readonly rootIds = new Growable(f64);
  private readonly pendingArrayClass = new Growable(f64);
  private readonly roots: Record<string, number> = {};
  private readonly classes: HprofClass[] = [];
  private readonly classById = new Map<number, number>();
  /** instance dumps whose class had not been dumped yet when they came: decoded at the end */
  private readonly pending: Array<{ node: number; classId: number; bytes: Buffer }> = [];
  private readonly ints = new Map<number, Record<string, number>>();

  /**
   * `expectedBytes`: the dump's size, when known, sizes the arrays up front (about one object and one reference per
   * 50 bytes of a typical dump), so they rarely grow while it is read.
   */
  constructor(
    private readonly source: string,
    expectedBytes = 0,
  ) {
    const objects = Math.ceil(expectedBytes / 50);
    this.expectedObjects = objects;
    this.ids = new Growable(f64, objects);
    this.kind = new Growable(u8, objects);
    this.cls = new Growable(i32, objects);
    this.lengths = new Growable(i32, objects);
    this.edgeStart = new Growable(i32, objects);
    this.targets = new Growable(f64, objects);
    this.slots = new Growable(i32, objects);
    // node 0: the synthetic root
    this.addNode(0, Kind.Class, -1, 0);
  }

  private fail(what: string): never {
    throw new InputError(`${this.source} is not a readable HPROF heap dump: ${what} (at byte ${this.consumed + this.pos}).`, {
      hint: 'Give a heap dump written by a HotSpot JVM (jcmd PID GC.heap_dump FILE, or -XX:+HeapDumpOnOutOfMemoryError), copied whole.',
    });
  }

  private addNode(id: number, kind: Kind, cls: number, length: number): number {
    const n = this.kind.length;
    this.kind.push(kind);
    this.cls.push(cls);
    this.lengths.push(length);
    this.edgeStart.push(this.targets.length);
    this.ids.push(id);
    return n;
  }
  /** a reference of the node added last (or, at the end, of the node laterEdges names) */
  private addEdge(target: number, slot: number): void {
    if (target === 0) return;
    this.targets.push(target);
    this.slots.push(slot);
  }

  private avail(n: number): boolean {
    return this.buf.length - this.pos >= n;
  }
  private u1(): number {
    return this.buf[this.pos++]!;
  }
  private u2(): number {
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  private u4(): number {
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  private id(): number {
    if (this.idSize === 4) return this.u4();
    const hi = this.buf.readUInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * 4294967296 + lo;
  }
  /** bounds-checked reads for records whose length is known only once read (class dumps) */
  private need(n: number): void {
    if (this.buf.length - this.pos < n) throw needMore;
  }

  push(chunk: Buffer): void {
    if (this.ended) return;
    const rest = this.buf.length - this.pos;
    this.consumed += this.pos;
    this.buf = rest > 0 ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
    this.drain();
  }

  private drain(): void {
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buf.length - this.pos);
        this.pos += n;
        this.skip -= n;
        if (this.segmentLeft > 0) this.segmentLeft -= n;
        if (this.skip > 0) return;
        continue;
      }
      if (!this.headerDone) {
        const nul = this.buf.indexOf(0, this.pos);
        const start = this.buf.toString('latin1', this.pos, Math.min(this.buf.length, this.pos + 12));
        if (!'JAVA PROFILE'.startsWith(start.slice(0, 12))) this.fail(`it starts with ${JSON.stringify(start.slice(0, 12))}, not "JAVA PROFILE 1.0.x"`);
        if (nul < 0) {
          if (this.buf.length > 64) this.fail('it does not start with "JAVA PROFILE"');
          return;
        }
        const magic = this.buf.toString('latin1', this.pos, nul);
        if (!magic.startsWith('JAVA PROFILE 1.0')) this.fail(`it starts with ${JSON.stringify(magic.slice(0, 40))}, not "JAVA PROFILE 1.0.x"`);
        if (this.buf.length - nul - 1 < 12) return;
        this.pos = nul + 1;
        this.idSize = this.u4();
        if (this.idSize !== 4 && this.idSize !== 8) this.fail(`its identifier size is ${this.idSize}, not 4 or 8`);
        this.timestamp = this.u4() * 4294967296 + this.u4();
        this.headerDone = true;
        continue;
      }
      if (this.arrayLeft > 0) {
        if (!this.readArrayElements()) return;
        continue;
      }
      if (this.segmentLeft > 0) {
        const start = this.pos;
        if (!this.subRecord()) {
          this.pos = start;
          return;
        }
        this.segmentLeft -= this.pos - start;
        if (this.segmentLeft < 0) this.fail('a sub-record runs past the end of its heap dump segment');
        continue;
      }
      this.segmentLeft = -1;
      if (!this.avail(9)) return;
      const tag = this.u1();
      this.pos += 4; // time
      const length = this.u4();
      if (tag === 0x0c || tag === 0x1c) {
        this.segmentLeft = length;
      } else if (tag === 0x01 || tag === 0x02) {
        if (!this.avail(length)) {
          this.pos -= 9;
          return;
        }
        const at = this.pos;
        if (tag === 0x01) {
          const id = this.id();
          this.strings.set(id, this.buf.toString('utf8', this.pos, at + length));
        } else {
          this.pos += 4;
          const classId = this.id();
          this.pos += 4;
          this.classNameIds.set(classId, this.id());
        }
        this.pos = at + length;
      } else if (tag === 0x2c) {
        // HEAP DUMP END
      } else if (tag > 0x2c || tag === 0) {
        this.fail(`record tag 0x${tag.toString(16)} is not an HPROF record`);
      } else {
        this.skip = length;
      }
    }
  }

  /** one heap dump sub-record; false when the chunk ends inside it (nothing is kept then) */
  private subRecord(): boolean {
    if (!this.avail(1)) return false;
    const tag = this.u1();
    const I = this.idSize;
    const root = (extra: number) => {
      if (!this.avail(I + extra)) return false;
      this.rootIds.push(this.id());
      this.pos += extra;
      this.roots[rootNames[tag]!] = (this.roots[rootNames[tag]!] ?? 0) + 1;
      return true;
    };
    switch (tag) {
      case 0xff:
      case 0x05:
      case 0x07:
        return root(0);
      case 0x01:
        return root(I);
      case 0x02:
      case 0x03:
      case 0x08:
        return root(8);
      case 0x04:
      case 0x06:
        return root(4);
      case 0x20:
        try {
          this.classDump();
          return true;
        } catch (e) {
          if (e === needMore) return false;
          throw e;
        }
      case 0x21: {
        if (!this.avail(2 * I + 8)) return false;
        const at = this.pos;
        const id = this.id();
        this.pos += 4;
        const classId = this.id();
        const bytes = this.u4();
        if (!this.avail(bytes)) {
          this.pos = at;
          return false;
        }
        const c = this.classById.get(classId);
        const klass = c === undefined ? undefined : this.classes[c];
        const laid = klass !== undefined && this.layout(klass);
        const node = this.addNode(id, Kind.Instance, c ?? -1, 0);
        if (laid) this.instanceEdges(node, klass, this.buf, this.pos);
        else this.pending.push({ node, classId, bytes: Buffer.from(this.buf.subarray(this.pos, this.pos + bytes)) });
        this.pos += bytes;
        return true;
      }
      case 0x22: {
        if (!this.avail(2 * I + 8)) return false;
        const id = this.id();
        this.pos += 4;
        const n = this.u4();
        const classId = this.id();
        const node = this.addNode(id, Kind.ObjectArray, -1, n);
        // the array class's own dump may come later: its index is looked up at the end
        this.pendingArrayClass.push(node);
        this.pendingArrayClass.push(classId);
        // the header is counted against the segment by drain(); the elements as they are read
        this.arrayLeft = n;
        this.arrayIndex = 0;
        return true;
      }
      case 0x23: {
        if (!this.avail(I + 9)) return false;
        const id = this.id();
        this.pos += 4;
        const n = this.u4();
        const type = this.u1();
        const size = typeSize(type, I);
        if (size < 0 || type === 2) this.fail(`a primitive array has element type ${type}`);
        this.addNode(id, Kind.PrimitiveArray, type, n);
        this.skip = size * n; // counted against the segment as it is skipped
        return true;
      }
      default:
        this.fail(`heap dump sub-record tag 0x${tag.toString(16)} is not one HotSpot writes`);
    }
  }

  private readArrayElements(): boolean {
    const I = this.idSize;
    while (this.arrayLeft > 0 && this.avail(I)) {
      this.addEdge(this.id(), this.arrayIndex++);
      this.arrayLeft--;
      this.segmentLeft -= I;
    }
    return this.arrayLeft === 0;
  }

  private classDump(): void {
    const I = this.idSize;
    this.need(7 * I + 8);
    const id = this.id();
    this.pos += 4;
    const superId = this.id();
    const loader = this.id();
    this.pos += 4 * I; // signers, protection domain, two reserved
    const instanceDumpBytes = this.u4();
    this.need(2);
    const constants = this.u2();
    for (let k = 0; k < constants; k++) {
      this.need(3);
      this.pos += 2;
      const type = this.u1();
      const size = typeSize(type, I);
      if (size < 0) this.fail(`a constant pool entry has type ${type}`);
      this.need(size);
      this.pos += size;
    }
    this.need(2);
    const statics = this.u2();
    const staticRefs: Array<[string, number]> = [];
    for (let k = 0; k < statics; k++) {
      this.need(I + 1);
      const name = this.id();
      const type = this.u1();
      const size = typeSize(type, I);
      if (size < 0) this.fail(`a static field has type ${type}`);
      this.need(size);
      if (type === 2) staticRefs.push([this.strings.get(name) ?? '?', this.id()]);
      else this.pos += size;
    }
    this.need(2);
    const count = this.u2();
    this.need(count * (I + 1));
    const fields: HprofClass['fields'] = [];
    let heapBytes = 0;
    for (let k = 0; k < count; k++) {
      const name = this.strings.get(this.id()) ?? '?';
      const type = this.u1();
      if (typeSize(type, I) < 0) this.fail(`an instance field has type ${type}`);
      fields.push({ name, type });
      heapBytes += heapSize(type, I);
    }
    // complete: keep it
    const node = this.addNode(id, Kind.Class, -1, 0);
    const superNode = superId; // resolved to a node at the end
    const nameId = this.classNameIds.get(id);
    const raw = nameId === undefined ? `class@${id.toString(16)}` : (this.strings.get(nameId) ?? `class@${id.toString(16)}`);
    const klass: HprofClass = {
      node,
      id,
      name: javaName(raw),
      superNode,
      fields,
      staticRefNames: staticRefs.map(([n]) => n),
      instanceSize: heapBytes, // own fields only until the hierarchy is known (layout)
      instanceDumpBytes,
    };
    this.classById.set(id, this.classes.length);
    this.classes.push(klass);
    staticRefs.forEach(([, target], k) => this.addEdge(target, k));
    this.addEdge(loader, -1);
  }

  /** flattens a class's reference fields over its superclasses; false while a superclass is not dumped yet */
  private layout(klass: HprofClass): boolean {
    if (klass.refOffsets) return true;
    const chain: HprofClass[] = [];
    for (let c: HprofClass | undefined = klass; c;) {
      chain.push(c);
      if (c.superNode === 0) break;
      const s = this.classById.get(c.superNode);
      if (s === undefined) return false;
      c = this.classes[s];
    }
    const offsets: number[] = [];
    const names: string[] = [];
    const ints = new Map<string, number>();
    let offset = 0;
    let heapBytes = 0;
    for (const c of chain) {
      for (const f of c.fields) {
        if (f.type === 2) {
          offsets.push(offset);
          names.push(f.name);
        } else if (f.type === 10 && intFieldsWanted.has(f.name) && !ints.has(f.name)) ints.set(f.name, offset);
        offset += typeSize(f.type, this.idSize);
        heapBytes += heapSize(f.type, this.idSize);
      }
    }
    klass.refOffsets = Int32Array.from(offsets);
    klass.refNames = names;
    klass.instanceSize = align8(12 + heapBytes);
    if (ints.size && klass.name.startsWith('java.nio.')) klass.intOffsets = ints;
    return true;
  }

  private instanceEdges(node: number, klass: HprofClass, buf: Buffer, at: number): void {
    const offsets = klass.refOffsets!;
    for (let k = 0; k < offsets.length; k++) {
      const o = at + offsets[k]!;
      const target = this.idSize === 4 ? buf.readUInt32BE(o) : buf.readUInt32BE(o) * 4294967296 + buf.readUInt32BE(o + 4);
      this.addEdge(target, k);
    }
    if (klass.intOffsets) {
      const values: Record<string, number> = {};
      for (const [name, offset] of klass.intOffsets) values[name] = buf.readInt32BE(at + offset);
      this.ints.set(node, values);
    }
  }

  end(): HprofHeap {
    if (!this.headerDone) this.fail('it ends before its header');
    if (this.skip > 0 || this.arrayLeft > 0 || this.segmentLeft > 0 || this.buf.length - this.pos > 0)
      this.fail('it ends in the middle of a record (a truncated copy, or a dump still being written)');
    this.ended = true;
    if (this.classes.length === 0) this.fail('it holds no heap dump (no class was dumped)');
    const n = this.kind.length;
    const parsedEdges = this.targets.length;
    this.index = new IdIndex(Math.max(n, this.expectedObjects));
    const ids = this.ids.view();
    for (let i = 1; i < n; i++) this.index.set(ids[i]!, i);
    this.ids.data = new Float64Array(0); // not needed any more: the index holds them
    // instances that came before their class's dump (HotSpot writes the classes first; other writers may not)
    for (const p of this.pending) {
      const c = this.classById.get(p.classId);
      const klass = c === undefined ? undefined : this.classes[c];
      if (!klass || !this.layout(klass)) continue;
      this.cls.data[p.node] = c!;
      const start = this.targets.length;
      this.instanceEdges(p.node, klass, p.bytes, 0);
      this.laterEdges.set(p.node, [start, this.targets.length]);
    }
    for (const k of this.classes) k.superNode = k.superNode === 0 ? 0 : this.index.get(k.superNode);
    const classOfNode = new Map<number, number>();
    this.classes.forEach((k, i) => classOfNode.set(k.node, i));
    const arrays = this.pendingArrayClass.view();
    for (let k = 0; k < arrays.length; k += 2) {
      const classNode = this.index.get(arrays[k + 1]!);
      this.cls.data[arrays[k]!] = classNode < 0 ? -1 : (classOfNode.get(classNode) ?? -1);
    }
    // the synthetic root: GC roots first (their order is the dump's), then every class
    const rootStart = this.targets.length;
    const rootIds = this.rootIds.view();
    for (let k = 0; k < rootIds.length; k++) this.addEdge(rootIds[k]!, -2);
    for (const k of this.classes) this.addEdge(k.id, -3);
    this.laterEdges.set(0, [rootStart, this.targets.length]);

    // CSR, with the targets resolved to nodes (references to objects not in the dump are dropped)
    const starts = this.edgeStart.view();
    const range = (i: number): [number, number] => this.laterEdges.get(i) ?? [starts[i]!, i + 1 < n ? starts[i + 1]! : parsedEdges];
    const targets = this.targets.view();
    const resolved = new Int32Array(targets.length);
    let dangling = 0;
    for (let e = 0; e < targets.length; e++) {
      const to = this.index.get(targets[e]!);
      resolved[e] = to;
      if (to < 0) dangling++;
    }
    const firstEdge = new Uint32Array(n + 1);
    const edgeTo = new Uint32Array(targets.length - dangling);
    const edgeSlot = new Int32Array(targets.length - dangling);
    const slots = this.slots.view();
    let w = 0;
    for (let i = 0; i < n; i++) {
      firstEdge[i] = w;
      const [from, to] = range(i);
      for (let e = from; e < to; e++) {
        if (resolved[e]! < 0) continue;
        edgeTo[w] = resolved[e]!;
        edgeSlot[w++] = slots[e]!;
      }
    }
    firstEdge[n] = w;
    const nodeKind = this.kind.view();
    const nodeClass = this.cls.view();
    const nodeLength = this.lengths.view();
    // shallow sizes as HotSpot lays objects out with compressed references: an instance its class's size, an
    // array a 16-byte header and its elements (references 4 bytes), 8-aligned; a class object 0 (its statics are its own)
    const nodeSize = new Float64Array(n);
    for (let i = 1; i < n; i++) {
      const k = nodeKind[i];
      if (k === Kind.Instance) nodeSize[i] = nodeClass[i]! >= 0 ? this.classes[nodeClass[i]!]!.instanceSize : 16;
      else if (k === Kind.ObjectArray) nodeSize[i] = align8(16 + 4 * nodeLength[i]!);
      else if (k === Kind.PrimitiveArray) nodeSize[i] = align8(16 + typeSize(nodeClass[i]!, this.idSize) * nodeLength[i]!);
    }
    return {
      idSize: this.idSize,
      timestamp: this.timestamp,
      nodeCount: n,
      nodeKind,
      nodeClass,
      nodeSize,
      nodeLength,
      firstEdge,
      edgeTo,
      edgeSlot,
      classes: this.classes,
      classOfNode,
      ints: this.ints,
      roots: this.roots,
      danglingRefs: dangling,
    };
  }
}

/** JVM descriptor names as Java writes them: java/util/ArrayList → java.util.ArrayList, [B → byte[], [Ljava/lang/Object; → java.lang.Object[] */
export function javaName(raw: string): string {
  let dims = 0;
  while (raw[dims] === '[') dims++;
  if (dims === 0) return raw.replaceAll('/', '.');
  const rest = raw.slice(dims);
  const base =
    rest[0] === 'L'
      ? rest.slice(1, rest.endsWith(';') ? -1 : undefined).replaceAll('/', '.')
      : (({ Z: 'boolean', C: 'char', F: 'float', D: 'double', B: 'byte', S: 'short', I: 'int', J: 'long' } as Record<string, string>)[rest] ?? rest);
  return base + '[]'.repeat(dims);
}
