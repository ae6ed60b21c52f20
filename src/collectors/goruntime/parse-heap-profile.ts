// Decodes a Go heap profile (gzipped pprof protobuf, as /debug/pprof/heap serves it) into
// in-use bytes and objects per allocation stack. Format: github.com/google/pprof proto/profile.proto;
// a Go heap profile's sample types are alloc_objects, alloc_space, inuse_objects, inuse_space.
import type * as PprofFormat from 'pprof-format';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import type { Profile } from 'pprof-format';
import { InputError } from '../../errors.js';

export interface HeapFrame {
  fn: string;
  /** the source file as the binary recorded it (absolute, the build machine's path) */
  file: string;
  line: number;
}

export interface HeapStack {
  /** function names, allocation site first */
  frames: string[];
  /** the same frames with their source file and line, inlined calls expanded */
  lines: HeapFrame[];
  inuseBytes: number;
  inuseObjects: number;
  /** allocated since the process started (alloc_space), freed or not */
  allocBytes: number;
  /** how many samples of the profile this stack is (about one per 512 KiB allocated) */
  samples: number;
}

export interface HeapProfile {
  sampleTypes: string[];
  inuseBytes: number;
  inuseObjects: number;
  stacks: HeapStack[];
}

const num = (v: number | bigint | undefined) => Number(v ?? 0);

export function isGzip(buffer: Uint8Array): boolean {
  return buffer[0] === 0x1f && buffer[1] === 0x8b;
}

export function parseHeapProfile(data: Uint8Array, source = 'the heap profile'): HeapProfile {
  let raw: Uint8Array;
  try {
    raw = isGzip(data) ? gunzipSync(data) : data;
  } catch (cause) {
    throw new InputError(`${source} is not a valid gzipped pprof profile (the gzip stream is truncated or corrupt).`, {
      cause,
      hint: 'Fetch it again: curl -o heap.pb.gz http://HOST:PORT/debug/pprof/heap',
    });
  }
  let profile: Profile;
  try {
    // loaded on first use (its CommonJS build): commands without a heap profile do not pay for it
    const { Profile: ProfileClass } = createRequire(import.meta.url)('pprof-format') as typeof PprofFormat;
    profile = ProfileClass.decode(raw);
  } catch (cause) {
    throw new InputError(`${source} could not be decoded as a pprof protobuf.`, {
      cause,
      hint: 'Give the binary profile from /debug/pprof/heap (not ?debug=1 text, not an HTML page).',
    });
  }
  const strings = profile.stringTable.strings;
  const sampleTypes = profile.sampleType.map((t) => `${strings[num(t.type)]}/${strings[num(t.unit)]}`);
  const inuseSpace = profile.sampleType.findIndex((t) => strings[num(t.type)] === 'inuse_space');
  const inuseObjects = profile.sampleType.findIndex((t) => strings[num(t.type)] === 'inuse_objects');
  if (inuseSpace < 0) {
    throw new InputError(`${source} is a pprof profile but not a heap profile (its sample types are ${sampleTypes.join(', ') || 'none'}).`, {
      hint: 'Give /debug/pprof/heap, which has inuse_space.',
    });
  }
  const allocSpace = profile.sampleType.findIndex((t) => strings[num(t.type)] === 'alloc_space');
  const functions = new Map<number, { name: string; file: string }>();
  for (const f of profile.function) functions.set(num(f.id), { name: strings[num(f.name)] ?? '?', file: strings[num(f.filename)] ?? '' });
  const locationLines = new Map<number, HeapFrame[]>();
  for (const l of profile.location)
    locationLines.set(
      num(l.id),
      l.line.map((line) => {
        const f = functions.get(num(line.functionId));
        return { fn: f?.name ?? '?', file: f?.file ?? '', line: num(line.line) };
      }),
    );

  const byStack = new Map<string, HeapStack>();
  let totalBytes = 0;
  let totalObjects = 0;
  for (const s of profile.sample) {
    const bytes = num(s.value[inuseSpace]);
    const objects = inuseObjects >= 0 ? num(s.value[inuseObjects]) : 0;
    const allocated = allocSpace >= 0 ? num(s.value[allocSpace]) : 0;
    if (bytes === 0 && objects === 0 && allocated === 0) continue;
    totalBytes += bytes;
    totalObjects += objects;
    const key = s.locationId.join(',');
    const stack = byStack.get(key);
    if (stack) {
      stack.inuseBytes += bytes;
      stack.inuseObjects += objects;
      stack.allocBytes += allocated;
      stack.samples++;
    } else {
      const lines = s.locationId.flatMap((id) => locationLines.get(num(id)) ?? [{ fn: '?', file: '', line: 0 }]);
      byStack.set(key, { frames: lines.map((l) => l.fn), lines, inuseBytes: bytes, inuseObjects: objects, allocBytes: allocated, samples: 1 });
    }
  }
  return { sampleTypes, inuseBytes: totalBytes, inuseObjects: totalObjects, stacks: [...byStack.values()].sort((a, b) => b.inuseBytes - a.inuseBytes) };
}
