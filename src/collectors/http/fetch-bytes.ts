// One HTTP GET for the collectors (pprof endpoints): the URL checked first, the whole exchange (connect,
// headers, body) bounded in time and size, and every failure an InputError naming its real cause —
// refused, reset, a redirect loop, a port fetch will not use, a body that stalled or was cut off.
import { InputError } from '../../errors.js';

export interface FetchedBytes {
  status: number;
  body: Uint8Array;
}

/** Secrets in a URL (user:password@) never appear in output. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = u.username ? '***' : '';
      u.password = u.password ? '***' : '';
    }
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//***@');
  }
}

/**
 * fetch refuses a URL with credentials in it: they become a Basic Authorization header (what curl and
 * browsers send for http://user:password@host/).
 */
export function withCredentials(url: string, headers: Record<string, string> = {}): { url: string; headers: Record<string, string> } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url, headers };
  }
  if (!u.username && !u.password) return { url, headers };
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { url: u.toString(), headers: { authorization: `Basic ${basic}`, ...headers } };
}

/** An http(s) URL with a host, or a clear UsageError naming the flag. */
export function parseHttpUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    const port = /^[a-z]+:\/\/[^/]*:(\d+)(?:[/?#]|$)/i.exec(value)?.[1];
    throw new InputError(`${what} "${redactUrl(value)}" is not a URL${port !== undefined && Number(port) > 65535 ? ` (port ${port} is above 65535)` : ''}.`, {
      cause,
      hint: 'Write it like http://127.0.0.1:6060 (scheme, host, and the port the service listens on).',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(`${what} "${redactUrl(value)}" is not an http(s) URL.`, { hint: 'Write it like http://127.0.0.1:6060.' });
  if (!url.hostname) throw new InputError(`${what} "${redactUrl(value)}" has no host.`, { hint: 'Write it like http://127.0.0.1:6060.' });
  return url;
}

/** What went wrong with a fetch, from the error and its cause chain. */
export function describeFetchFailure(error: unknown, timeoutMs: number): string {
  const chain: Array<{ name?: string; code?: string; message?: string }> = [];
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) chain.push(e as (typeof chain)[number]);
  const text = chain.map((e) => `${e.name ?? ''} ${e.code ?? ''} ${e.message ?? ''}`).join(' | ');
  if (chain.some((e) => e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT'))
    return `did not answer within ${timeoutMs} ms`;
  if (/redirect count exceeded/i.test(text)) return 'redirected too many times (a redirect loop)';
  if (/bad port/i.test(text)) return 'is on a port that fetch refuses to use (a "bad port", e.g. 6000 or 10080)';
  const code = chain.map((e) => e.code).find((c) => c && /^E[A-Z]+$/.test(c));
  if (code === 'ECONNREFUSED') return 'refused the connection (ECONNREFUSED: nothing listens there)';
  if (code === 'ECONNRESET' || /other side closed|socket hang up/i.test(text))
    return `closed the connection before answering whole (${code ?? 'the peer closed it'})`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `has a host name that does not resolve (${code})`;
  if (code) return `could not be reached (${code})`;
  if (/terminated/i.test(text)) return 'sent a body that was cut off';
  if (/chunk|invalid|parse/i.test(text)) return `answered with malformed HTTP (${chain[chain.length - 1]?.message ?? 'unparseable'})`;
  return `could not be reached (${chain[chain.length - 1]?.message ?? String(error)})`;
}

/**
 * GETs url; bounded by timeoutMs for everything (a ref'd timer keeps the process alive and ends a
 * stalled body), and by maxBytes for the body.
 */
export async function fetchBytes(url: string, options: { timeoutMs: number; maxBytes?: number; hint: string }): Promise<FetchedBytes> {
  const maxBytes = options.maxBytes ?? 256 << 20;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = Object.assign(new Error(`timed out after ${options.timeoutMs} ms`), { name: 'TimeoutError' });
      controller.abort(error);
      reject(error);
    }, options.timeoutMs);
  });
  const exchange = async (): Promise<FetchedBytes> => {
    const request = withCredentials(url);
    const response = await fetch(request.url, { signal: controller.signal, redirect: 'follow', headers: request.headers });
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body) {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > maxBytes) {
          controller.abort();
          throw new InputError(`${redactUrl(url)} sent more than ${maxBytes >> 20} MiB; kleak stopped reading.`, { hint: options.hint });
        }
        chunks.push(chunk);
      }
    }
    return { status: response.status, body: Buffer.concat(chunks) };
  };
  try {
    return await Promise.race([exchange(), deadline]);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${redactUrl(url)} ${describeFetchFailure(error, options.timeoutMs)}.`, { cause: error, hint: options.hint });
  } finally {
    clearTimeout(timer);
  }
}
