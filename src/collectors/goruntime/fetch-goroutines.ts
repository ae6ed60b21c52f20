// Fetches a Go service's goroutine profile (text, debug=1) from its net/http/pprof endpoint.
import { InputError } from '../../errors.js';
import { goroutineLibraries, parseGoroutineTotal } from './parse-goroutine-total.js';
import type { Library } from '../../types.js';

export interface GoroutineCount {
  total: number;
  libraries: Library[];
}

/** base is the service's URL (http://host:port) or the full /debug/pprof/goroutine URL. */
export function goroutineUrl(base: string): string {
  const url = new URL(base);
  if (!url.pathname.includes('/debug/pprof/goroutine')) url.pathname = `${url.pathname.replace(/\/$/, '')}/debug/pprof/goroutine`;
  url.searchParams.set('debug', '1');
  return url.toString();
}

export async function fetchGoroutineCount(base: string, timeoutMs = 5000): Promise<GoroutineCount> {
  const url = goroutineUrl(base);
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (cause) {
    throw new InputError(`Could not fetch the goroutine profile from ${url}.`, { cause, hint: 'Check --pprof: the service must import net/http/pprof and serve it on that address.' });
  }
  const total = parseGoroutineTotal(text);
  if (total === undefined) {
    throw new InputError(`${url} did not return a goroutine profile (it starts: ${JSON.stringify(text.slice(0, 60))}).`, { hint: 'Point --pprof at the base URL of a Go service that serves net/http/pprof.' });
  }
  return { total, libraries: goroutineLibraries(text) };
}
