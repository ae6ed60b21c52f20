// A snapshot's strings array kept as its raw UTF-8 bytes and one offset per string: a string is decoded
// only when asked for (most of a snapshot's strings are never looked at), and looking up which strings
// equal a name compares bytes, without decoding. Strings with JSON escapes are decoded (and so
// validated) as they are read, as before; they are few.

const BOM0 = 0xef;
const BOM1 = 0xbb;
const BOM2 = 0xbf;

export class SnapshotStrings {
  /** the strings' raw bytes (the parser writes into it directly, after reserve()) */
  bytes: Uint8Array;
  used = 0;
  /** string i is bytes[offsets[i] .. offsets[i + 1]] (the parser writes them directly, after reserveStrings()) */
  offsets: Uint32Array;
  count = 0;
  /** decoded strings: the escaped ones (from the start) and the ones asked for */
  private readonly decoded = new Map<number, string>();
  /** strings whose raw text has JSON escapes, decoded: byte comparison does not apply to them */
  private readonly escaped = new Map<number, string>();
  private readonly decoder = new TextDecoder('utf-8');
  private readonly indexCache = new Map<string, number[]>();

  constructor(capacityBytes = 1 << 16) {
    this.bytes = new Uint8Array(Math.max(16, capacityBytes));
    this.offsets = new Uint32Array(1 << 12);
  }

  get length(): number {
    return this.count;
  }

  /** room for n more bytes */
  reserve(n: number): void {
    if (this.used + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.used + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.used));
    this.bytes = grown;
  }

  /** room for n more strings */
  reserveStrings(n: number): void {
    if (this.count + n + 2 <= this.offsets.length) return;
    let size = this.offsets.length * 2;
    while (size < this.count + n + 2) size *= 2;
    const grown = new Uint32Array(size);
    grown.set(this.offsets.subarray(0, this.count + 1));
    this.offsets = grown;
  }

  /** the last string read has JSON escapes: decoded now (`unescape` throws when they are bad) */
  unescapeLast(unescape: (raw: string, index: number) => string): void {
    const index = this.count - 1;
    const s = unescape(this.decoder.decode(this.bytes.subarray(this.offsets[index], this.offsets[index + 1])), index);
    this.escaped.set(index, s);
    this.decoded.set(index, s);
  }

  /** reading is over: the buffers are trimmed to what they hold */
  seal(): void {
    if (this.bytes.length > this.used + (1 << 20)) this.bytes = this.bytes.slice(0, this.used);
    if (this.offsets.length > this.count + 1 + 4096) this.offsets = this.offsets.slice(0, this.count + 1);
  }

  get(i: number): string | undefined {
    if (!(i >= 0 && i < this.count)) return undefined;
    let s = this.decoded.get(i);
    if (s === undefined) {
      s = this.decoder.decode(this.bytes.subarray(this.offsets[i], this.offsets[i + 1]));
      this.decoded.set(i, s);
    }
    return s;
  }

  /** every string, decoded (for tests and small snapshots) */
  toArray(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.get(i)!);
    return out;
  }

  /**
   * The indices of the strings equal to `name` (a snapshot lists each string once, but nothing here
   * counts on it), found by comparing bytes; computed once per name.
   */
  indicesOf(name: string): number[] {
    let found = this.indexCache.get(name);
    if (found) return found;
    found = [];
    // eslint-disable-next-line no-control-regex
    const ascii = /^[\x00-\x7f]*$/.test(name);
    if (!ascii) {
      for (let i = 0; i < this.count; i++) if (this.get(i) === name) found.push(i);
    } else {
      const len = name.length;
      const codes = new Uint8Array(len);
      for (let k = 0; k < len; k++) codes[k] = name.charCodeAt(k);
      const bytes = this.bytes;
      const off = this.offsets;
      for (let i = 0; i < this.count; i++) {
        const start = off[i]!;
        const end = off[i + 1]!;
        const n = end - start;
        // a leading byte-order mark is dropped by the decoder: such a string is compared decoded
        if (n >= 3 && bytes[start] === BOM0 && bytes[start + 1] === BOM1 && bytes[start + 2] === BOM2) {
          if (!this.escaped.has(i) && this.get(i) === name) found.push(i);
          continue;
        }
        if (n !== len || this.escaped.has(i)) continue;
        let k = 0;
        while (k < len && bytes[start + k] === codes[k]) k++;
        if (k === len) found.push(i);
      }
      for (const [i, s] of this.escaped) if (s === name) found.push(i);
      found.sort((a, b) => a - b);
    }
    this.indexCache.set(name, found);
    return found;
  }
}
