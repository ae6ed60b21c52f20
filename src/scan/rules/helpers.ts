// What the scan's rules share: a site as a finding's location, a scope in words, and the fingerprint
// that keeps a finding the same alert across unrelated edits (rule, file, function and the line's
// text with its whitespace squeezed — never the line number).
import { createHash } from 'node:crypto';
import type { Construction, Scope, Site } from '../../collectors/source/types.js';
import type { SourceLocation } from '../../types.js';

export function at(site: Site, extra: Partial<SourceLocation> = {}): SourceLocation {
  return { file: site.file, line: site.line, column: site.column, function: site.function, from: 'scan', ...extra };
}

export function fingerprintOf(ruleId: string, site: Site): string {
  const snippet = site.snippet.replace(/\s+/g, ' ').trim();
  return createHash('sha256')
    .update(`${ruleId}\n${site.file}\n${site.function.replace(/\.func\d+(\.\d+)*$/, '.func')}\n${snippet}`)
    .digest('hex')
    .slice(0, 32);
}

export function scopeText(scope: Scope): string {
  const chain = scope.chain.length > 1 ? `, through ${scope.chain.join(' → ')}` : '';
  return `${scope.kind === 'request' ? 'request handler' : 'per-message code'} ${scope.entry} (${scope.how}${chain})`;
}

/** the kind with its article: "a producer", "an admin" */
export const kindText = (c: Pick<Construction, 'kind'>) =>
  ({ client: 'a client', producer: 'a producer', consumer: 'a consumer', admin: 'an admin client', connection: 'a broker connection' })[c.kind];

/** The kafkajs-style JS libraries, whose clients are disconnected with disconnect(). */
const jsLibraries = new Set(['kafkajs', 'confluent-kafka-javascript', 'node-rdkafka']);
export const isJsClient = (c: Pick<Construction, 'language' | 'library'>) => c.language === 'js' && jsLibraries.has(c.library);

/** The variable that holds a JS client, as the code names it (`producer`, `this.admin`), else its kind: what a fix disconnects. */
export function jsClientName(c: Pick<Construction, 'binding' | 'kind' | 'fate' | 'singleton'>): string {
  // a lazy singleton: the variable or field it is kept in, not the local it was built in
  const kept = /(?:then kept in|kept in the module-level|built only when) ((?:this|[\w$]+)(?:\.[\w$]+)*)(?: is unset|$)/.exec(c.singleton ?? '')?.[1];
  if (kept && kept !== 'it') return kept;
  if (c.binding && /^[\w$]+$/.test(c.binding)) return c.binding;
  const stored = /^stored in ((?:this\.)?[\w$]+(?:\.[\w$]+)?)$/.exec(c.fate.how ?? '')?.[1];
  if (stored) return stored;
  return c.kind === 'client' || c.kind === 'connection' ? 'client' : c.kind;
}

/**
 * The construction as the line's own language writes it: Go `p := sarama.NewSyncProducer(…)`, JS
 * `const admin = kafka.admin(…)` (with the declaration keyword the line uses, none for an assignment),
 * Java and Python `producer = KafkaProducer(…)`.
 */
export function boundText(c: Pick<Construction, 'binding' | 'callee' | 'language' | 'snippet'>): string {
  const binding = c.binding ?? '_';
  if (c.language === 'go') return `${binding} := ${c.callee}(…)`;
  if (c.language === 'js') {
    const escaped = binding.replace(/[$]/g, '\\$&');
    const keyword = new RegExp(`\\b(const|let|var)\\s+${escaped}\\b`).exec(c.snippet)?.[1];
    return `${keyword ? `${keyword} ` : ''}${binding} = ${c.callee}(…)`;
  }
  return `${binding} = ${c.callee}(…)`;
}

/**
 * The New…FromClient wrappers of a client, by the function and file it is built in: (c) → the constructions built
 * from c's binding there. One map for the tree, so a rule asks in constant time (a tree of thousands of
 * constructions was quadratic).
 */
export function fromClientWrappers(constructions: readonly Construction[]): (c: Pick<Construction, 'binding' | 'file' | 'function'>) => Construction[] {
  const key = (file: string, fn: string, client: string) => `${file}\0${fn}\0${client}`;
  const byClient = new Map<string, Construction[]>();
  for (const o of constructions) {
    if (!o.fromClient) continue;
    const k = key(o.file, o.function, o.fromClient.client);
    byClient.set(k, [...(byClient.get(k) ?? []), o]);
  }
  return (c) => (c.binding ? (byClient.get(key(c.file, c.function, c.binding)) ?? []) : []);
}
