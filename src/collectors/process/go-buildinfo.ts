// A Go binary's build info, read from its file as `go version -m` does (debug/buildinfo): the .go.buildinfo
// blob, either layout — Go 1.18+ puts the version and module strings inline (varint-prefixed), older Go
// points at two string headers in the data segment — then the module lines: `mod`, `dep` and `=>` for a
// replaced module. The binary is only read (never run), so it works on another user's or a container's
// process through /proc/PID/exe.
import { openElf, sectionOf, type ElfFile } from './elf.js';

export interface GoModule {
  path: string;
  /** without the leading "v" of the module version ("1.36.0"); "(devel)" for the main module built in place */
  version: string;
  replacedBy?: { path: string; version?: string };
}

export interface GoBuildInfo {
  /** "go1.26.0" */
  goVersion: string;
  /** the main module's path */
  main?: string;
  deps: GoModule[];
  /** the `build` lines: "-tags" → "dynamic", "CGO_ENABLED" → "1", … */
  settings: Record<string, string>;
}

const magic = Buffer.from('\xff Go buildinf:', 'latin1');
const align = 16;
const headerSize = 32;
const scanLimit = 256 << 20;

function uvarint(data: Buffer, at: number): [value: number, next: number] | undefined {
  let value = 0;
  let shift = 0;
  for (let i = at; i < data.length && i < at + 10; i++) {
    const b = data[i]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, i + 1];
    shift += 7;
  }
  return undefined;
}

function decodeString(data: Buffer, at: number): [bytes: Buffer, next: number] | undefined {
  const length = uvarint(data, at);
  if (!length || length[1] + length[0] > data.length) return undefined;
  return [data.subarray(length[1], length[1] + length[0]), length[1] + length[0]];
}

const stripV = (version: string) => (version.startsWith('v') ? version.slice(1) : version);

/** Parses the module text (`path`, `mod`, `dep`, `=>` lines) into the main module and the dependencies. */
export function parseModuleInfo(goVersion: string, text: string): GoBuildInfo {
  const info: GoBuildInfo = { goVersion, deps: [], settings: {} };
  let last: GoModule | undefined;
  for (const line of text.split('\n')) {
    const [kind, path, version] = line.split('\t');
    if (kind === 'mod' && path) info.main = path;
    else if (kind === 'dep' && path) {
      last = { path, version: stripV(version ?? '') };
      info.deps.push(last);
    } else if (kind === 'build' && path?.includes('=')) {
      const eq = path.indexOf('=');
      info.settings[path.slice(0, eq)] = path.slice(eq + 1);
    } else if (kind === '=>' && path && last) {
      last.replacedBy = { path, ...(version ? { version: stripV(version) } : {}) };
    }
  }
  return info;
}

/** The blob's two strings from the bytes starting at the magic; undefined when they cannot be read. */
function blobStrings(elf: ElfFile, blob: Buffer): { version: string; mod: Buffer } | undefined {
  const ptrSize = blob[14]!;
  const flags = blob[15]!;
  if (flags & 2) {
    const version = decodeString(blob, headerSize);
    if (!version) return undefined;
    const mod = decodeString(blob, version[1]);
    return { version: version[0].toString('utf8'), mod: mod?.[0] ?? Buffer.alloc(0) };
  }
  if (ptrSize !== 4 && ptrSize !== 8) return undefined;
  const big = flags !== 0;
  const ptr = (b: Buffer, o: number): bigint | undefined => {
    if (o + ptrSize > b.length) return undefined;
    if (ptrSize === 8) return big ? b.readBigUInt64BE(o) : b.readBigUInt64LE(o);
    return BigInt(big ? b.readUInt32BE(o) : b.readUInt32LE(o));
  };
  // each pointer leads to a Go string header {data pointer, length}
  const stringAt = (addr: bigint | undefined): Buffer | undefined => {
    if (addr === undefined) return undefined;
    const header = elf.readAt(addr, ptrSize * 2);
    if (!header || header.length < ptrSize * 2) return undefined;
    const data = ptr(header, 0);
    const length = Number(ptr(header, ptrSize));
    if (data === undefined || length > 16 << 20) return undefined;
    return elf.readAt(data, length);
  };
  const version = stringAt(ptr(blob, 16));
  if (!version?.length) return undefined;
  return { version: version.toString('utf8'), mod: stringAt(ptr(blob, 16 + ptrSize)) ?? Buffer.alloc(0) };
}

/** Finds the blob: the .go.buildinfo section, or (a binary without section headers) the aligned magic in the file. */
function findBlob(elf: ElfFile): Buffer | undefined {
  const section = sectionOf(elf, '.go.buildinfo');
  if (section) {
    const data = elf.read(section.offset, Math.min(section.size, 1 << 20));
    return data.subarray(0, magic.length).equals(magic) ? data : undefined;
  }
  const chunk = 1 << 20;
  for (let at = 0; at < scanLimit; at += chunk) {
    const data = elf.read(at, chunk + magic.length);
    if (data.length <= magic.length) return undefined;
    for (let i = data.indexOf(magic); i >= 0 && i < chunk; i = data.indexOf(magic, i + 1)) {
      if ((at + i) % align === 0) return elf.read(at + i, 1 << 20);
    }
  }
  return undefined;
}

/** The build info of the Go binary at `path`; undefined when it is not a Go binary or has none. */
export function readGoBuildInfo(path: string): GoBuildInfo | undefined {
  const elf = openElf(path);
  if (!elf) return undefined;
  try {
    const blob = findBlob(elf);
    if (!blob || blob.length < headerSize) return undefined;
    const strings = blobStrings(elf, blob);
    if (!strings) return undefined;
    // the module text is framed by 16-byte sentinels, with a newline before the closing one
    const m = strings.mod;
    const mod = m.length >= 33 && m[m.length - 17] === 0x0a ? m.toString('utf8', 16, m.length - 16) : '';
    return parseModuleInfo(strings.version, mod);
  } finally {
    elf.close();
  }
}
