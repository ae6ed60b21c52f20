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
