// A minimal ELF reader over a file descriptor: the header, the section table and symbol lookup. Only what
// kleak needs to read a Go binary's build info and the version a librdkafka was built as; reads are
// positioned and bounded (a 200 MB binary costs a few kilobytes of reads), and nothing is ever written.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface ElfSection {
  name: string;
  type: number;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

export interface ElfFile {
  path: string;
  is64: boolean;
  little: boolean;
  machine: number;
  sections: ElfSection[];
  /** bytes at a file offset (fewer at the end of the file) */
  read(offset: number, length: number): Buffer;
  /** bytes at a virtual address, through the section that holds it */
  readAt(addr: bigint, length: number): Buffer | undefined;
  close(): void;
}

export const EM_X86_64 = 62;
const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const SHT_NOBITS = 8;
/** section tables and symbol tables larger than this are not read (a corrupt header must not allocate gigabytes) */
const maxTableBytes = 64 << 20;

/** Opens an ELF file; undefined when it is not one (a script, a JAR) or cannot be read. */
export function openElf(path: string): ElfFile | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  const fileSize = fstatSync(fd).size;
  const read = (offset: number, length: number): Buffer => {
    const n = Math.max(0, Math.min(length, fileSize - offset));
    const buffer = Buffer.alloc(n);
    let done = 0;
    while (done < n) {
      const got = readSync(fd, buffer, done, n - done, offset + done);
      if (got === 0) break;
      done += got;
    }
    return buffer.subarray(0, done);
  };
  try {
    const header = read(0, 64);
    if (header.length < 52 || header.readUInt32BE(0) !== 0x7f454c46) throw new Error('not ELF');
    const is64 = header[4] === 2;
    const little = header[5] === 1;
    const u16 = (b: Buffer, o: number) => (little ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (little ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u64 = (b: Buffer, o: number) => (little ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    const word = (b: Buffer, o: number) => (is64 ? u64(b, o) : BigInt(u32(b, o)));
    const machine = u16(header, 18);
    const shoff = Number(is64 ? u64(header, 0x28) : BigInt(u32(header, 0x20)));
    const shentsize = u16(header, is64 ? 0x3a : 0x2e);
    const shnum = u16(header, is64 ? 0x3c : 0x30);
    const shstrndx = u16(header, is64 ? 0x3e : 0x32);
    const sections: ElfSection[] = [];
    if (shoff > 0 && shnum > 0 && shentsize * shnum <= maxTableBytes) {
      const table = read(shoff, shentsize * shnum);
      const raw = [];
      for (let i = 0; i < shnum && (i + 1) * shentsize <= table.length; i++) {
        const o = i * shentsize;
        raw.push({
          nameAt: u32(table, o),
          type: u32(table, o + 4),
          addr: word(table, o + (is64 ? 0x10 : 0x0c)),
          offset: Number(word(table, o + (is64 ? 0x18 : 0x10))),
          size: Number(word(table, o + (is64 ? 0x20 : 0x14))),
          link: u32(table, o + (is64 ? 0x28 : 0x18)),
          entsize: Number(word(table, o + (is64 ? 0x38 : 0x24))),
        });
      }
      const strtab = raw[shstrndx];
      const names = strtab && strtab.size <= maxTableBytes ? read(strtab.offset, strtab.size) : Buffer.alloc(0);
      for (const s of raw) {
        const end = names.indexOf(0, s.nameAt);
        sections.push({
          name: names.toString('latin1', s.nameAt, end < 0 ? s.nameAt : end),
          type: s.type,
          addr: s.addr,
          offset: s.offset,
          size: s.size,
          link: s.link,
          entsize: s.entsize,
        });
      }
    }
    return {
      path,
      is64,
      little,
      machine,
      sections,
      read,
      readAt(addr, length) {
        const s = sections.find((x) => x.type !== SHT_NOBITS && x.addr > 0n && addr >= x.addr && addr < x.addr + BigInt(x.size));
        if (!s) return undefined;
        const at = Number(addr - s.addr);
        return read(s.offset + at, Math.min(length, s.size - at));
      },
      close: () => closeSync(fd),
    };
  } catch {
    closeSync(fd);
    return undefined;
  }
}

export function sectionOf(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.name === name);
}

/**
 * A symbol's address and size, looked up in .dynsym (exported symbols of a shared object) and then .symtab
 * (a static binary that was not stripped). undefined when neither table has it.
 */
export function findSymbol(elf: ElfFile, name: string): { addr: bigint; size: number } | undefined {
  const wanted = Buffer.from(`${name}\0`, 'latin1');
  for (const type of [SHT_DYNSYM, SHT_SYMTAB]) {
    for (const table of elf.sections.filter((s) => s.type === type)) {
      const strings = elf.sections[table.link];
      if (!strings || table.size > maxTableBytes || strings.size > maxTableBytes) continue;
      const names = elf.read(strings.offset, strings.size);
      // the name's offsets in the string table (usually one), then the symbol whose st_name is one of them
      const at = new Set<number>();
      for (let i = names.indexOf(wanted); i >= 0; i = names.indexOf(wanted, i + 1)) if (i === 0 || names[i - 1] === 0) at.add(i);
      if (at.size === 0) continue;
      const entsize = table.entsize || (elf.is64 ? 24 : 16);
      const symbols = elf.read(table.offset, table.size);
      for (let o = 0; o + entsize <= symbols.length; o += entsize) {
        const nameAt = elf.little ? symbols.readUInt32LE(o) : symbols.readUInt32BE(o);
        if (!at.has(nameAt)) continue;
        if (elf.is64) {
          const addr = elf.little ? symbols.readBigUInt64LE(o + 8) : symbols.readBigUInt64BE(o + 8);
          const size = Number(elf.little ? symbols.readBigUInt64LE(o + 16) : symbols.readBigUInt64BE(o + 16));
          if (addr !== 0n) return { addr, size };
        } else {
          const addr = BigInt(elf.little ? symbols.readUInt32LE(o + 4) : symbols.readUInt32BE(o + 4));
          const size = elf.little ? symbols.readUInt32LE(o + 8) : symbols.readUInt32BE(o + 8);
          if (addr !== 0n) return { addr, size };
        }
      }
    }
  }
  return undefined;
}
