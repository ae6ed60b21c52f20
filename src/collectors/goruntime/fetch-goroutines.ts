// Fetches a Go service's goroutine profile (text, debug=1) for kleak watch: total and count per role.
import { InputError } from '../../errors.js';
import { fetchBytes, parseHttpUrl, redactUrl } from '../http/fetch-bytes.js';
import type { Library } from '../../types.js';
import { classifyGoroutines } from './classify.js';
import { isGoroutineDump, parseGoroutineDump } from './parse-goroutine-dump.js';

export interface GoroutineCount {
  total: number;
  libraries: Library[];
  /** "library/role" → count, Kafka roles only */
  roles: Record<string, number>;
}

/** base is the service's URL (http://host:port) or the full /debug/pprof/goroutine URL. */
export function goroutineUrl(base: string): string {
  const url = parseHttpUrl(base, 'The pprof URL');
  if (!url.pathname.includes('/debug/pprof/goroutine')) url.pathname = `${url.pathname.replace(/\/$/, '')}/debug/pprof/goroutine`;
  url.searchParams.set('debug', '1');
  return url.toString();
}

export async function fetchGoroutineCount(base: string, timeoutMs = 5000): Promise<GoroutineCount> {
  const url = goroutineUrl(base);
  const hint = 'Check --pprof: the service must import net/http/pprof and serve it on that address.';
  const { status, body } = await fetchBytes(url, { timeoutMs, maxBytes: 64 << 20, hint });
  if (status < 200 || status > 299) throw new InputError(`Could not fetch the goroutine profile from ${redactUrl(url)}: HTTP ${status}.`, { hint });
  const text = Buffer.from(body).toString('utf8');
  if (!isGoroutineDump(text)) {
    throw new InputError(`${url} did not return a goroutine profile (it starts: ${JSON.stringify(text.slice(0, 60))}).`, {
      hint: 'Point --pprof at the base URL of a Go service that serves net/http/pprof.',
    });
  }
  const classification = classifyGoroutines(parseGoroutineDump(text));
  const roles: Record<string, number> = {};
  for (const r of classification.byRole) if (r.library !== 'none') roles[`${r.library}/${r.role}`] = (roles[`${r.library}/${r.role}`] ?? 0) + r.count;
  const libraries = Object.keys(classification.libraries) as Library[];
  return { total: classification.total, libraries, roles };
}
