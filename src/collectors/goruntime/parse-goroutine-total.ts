// The first line of a goroutine profile in text form (debug=1 or debug=2 style header) and the
// Kafka libraries its frames name. Full parsing and classification by role: issue #4.
//   goroutine profile: total 57
import type { Library } from '../../types.js';

export function parseGoroutineTotal(text: string): number | undefined {
  const match = /^goroutine profile: total (\d+)/m.exec(text);
  if (match) return Number(match[1]);
  // debug=2 dumps have no header: count the "goroutine N [state]:" lines
  const count = text.match(/^goroutine \d+ \[/gm)?.length;
  return count === undefined ? undefined : count;
}

/** Kafka libraries whose frames appear in a goroutine dump (vendored prefixes included). */
export function goroutineLibraries(text: string): Library[] {
  const found: Library[] = [];
  if (/\bsarama\.\(?\*?\w/.test(text) && /(IBM|Shopify)\/sarama/.test(text)) found.push('sarama');
  if (/twmb\/franz-go\/pkg\/kgo/.test(text)) found.push('franz-go');
  return found;
}
