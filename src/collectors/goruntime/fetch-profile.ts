// Gathers Go profiles from a pprof endpoint or from files: the only file here that does I/O.
import { readFile } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { fetchBytes, parseHttpUrl, redactUrl } from '../http/fetch-bytes.js';
import { isGoroutineDump, parseGoroutineDump, type GoroutineDump } from './parse-goroutine-dump.js';
import { isGzip, parseHeapProfile, type HeapProfile } from './parse-heap-profile.js';

export interface GoProfiles {
  sources: string[];
  goroutines?: { source: string; dump: GoroutineDump };
  heap?: { source: string; profile: HeapProfile };
}

function looksLikeHtml(data: Uint8Array): boolean {
  const head = Buffer.from(data.subarray(0, 256)).toString('latin1').trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<');
}

function classifyContent(data: Uint8Array, source: string, into: GoProfiles): void {
  if (data.length === 0) throw new InputError(`${source} is empty.`, { hint: 'Capture the profile again.' });
  if (looksLikeHtml(data)) {
    throw new InputError(`${source} is an HTML page, not a Go profile.`, {
      hint: "Point kleak at the service's pprof base URL (http://HOST:PORT) or at /debug/pprof/goroutine?debug=2 and /debug/pprof/heap; a page of links is the /debug/pprof/ index.",
    });
  }
  if (isGzip(data)) {
    into.heap = { source, profile: parseHeapProfile(data, source) };
    return;
  }
  // text first: a dump may start with a blank line, whose byte (0x0a) is also a protobuf's first field tag
  const text = Buffer.from(data).toString('utf8');
  if (!isGoroutineDump(text) && data[0] === 0x0a) {
    into.heap = { source, profile: parseHeapProfile(data, source) };
    return;
  }
  if (isGoroutineDump(text)) {
    const dump = parseGoroutineDump(text);
    if (dump.total === 0 || (dump.format === 'debug=2' && dump.groups.length === 0))
      throw new InputError(`${source} looks like a goroutine dump but holds no goroutines.`, { hint: 'It may be truncated; capture it again.' });
    into.goroutines = { source, dump };
    return;
  }
  throw new InputError(
    `${source} is neither a goroutine dump (text, debug=1 or debug=2) nor a heap profile (gzipped protobuf); it starts ${JSON.stringify(text.slice(0, 40))}.`,
    {
      hint: 'Give what /debug/pprof/goroutine?debug=2 or /debug/pprof/heap returns. A goroutine dump from a Go version kleak does not know is reported here too: please attach it to an issue.',
    },
  );
}

const pprofHint = 'Check the address, and that the service serves net/http/pprof there (import _ "net/http/pprof"); raise --timeout for a slow endpoint.';

async function fetchProfile(url: string, timeoutMs: number): Promise<Uint8Array> {
  const { status, body } = await fetchBytes(url, { timeoutMs, hint: pprofHint });
  if (status < 200 || status > 299) {
    throw new InputError(`${redactUrl(url)} answered HTTP ${status}${status === 404 ? ' (not found)' : ''}.`, {
      hint: 'Is net/http/pprof imported (import _ "net/http/pprof") and served on this port and path?',
    });
  }
  return body;
}

export async function readGoProfiles(sources: readonly string[], timeoutMs = 10_000): Promise<GoProfiles> {
  const into: GoProfiles = { sources: [...sources] };
  for (const source of sources) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
      const url = parseHttpUrl(source, 'The profile URL');
      if (url.pathname.includes('/debug/pprof/') && url.pathname !== '/debug/pprof/') {
        classifyContent(await fetchProfile(source, timeoutMs), source, into);
        continue;
      }
      const base = source.replace(/\/(debug\/pprof\/?)?$/, '');
      let goroutineUrl = `${base}/debug/pprof/goroutine?debug=2`;
      let text: Uint8Array;
      try {
        text = await fetchProfile(goroutineUrl, timeoutMs);
        classifyContent(text, goroutineUrl, into);
      } catch (error) {
        // an endpoint that refuses debug=2 (a proxy, an old runtime) may still give debug=1
        goroutineUrl = `${base}/debug/pprof/goroutine?debug=1`;
        const fallback = await fetchProfile(goroutineUrl, timeoutMs).catch(() => {
          throw error;
        });
        classifyContent(fallback, goroutineUrl, into);
      }
      const heapUrl = `${base}/debug/pprof/heap`;
      classifyContent(await fetchProfile(heapUrl, timeoutMs), heapUrl, into);
      continue;
    }
    let data: Uint8Array;
    try {
      data = await readFile(source);
    } catch (cause) {
      throw new InputError(`Cannot read ${source}.`, { cause, hint: "Give a goroutine dump or heap profile file, or the service's pprof URL." });
    }
    classifyContent(data, source, into);
  }
  return into;
}
