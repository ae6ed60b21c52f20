// SARIF 2.1.0 for code scanning (GitHub's upload-sarif and others). Every result has a location, since
// code scanning rejects a whole file when one result has none: the service's line where the evidence
// names it, else its manifest (go.mod / package.json), with the message saying which. URIs are relative
// to %SRCROOT%; rule help links are absolute; fingerprints stay the same across runs (rule, library,
// place — never PIDs, ports or times). Rule metadata comes from the rules themselves.
import { createHash } from 'node:crypto';
import { rules as runtimeRules } from '../rules/index.js';
import type { Diagnosis, Finding, Severity, SourceLocation } from '../types.js';
import type { Reporter } from './types.js';

const level: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** Where rule docs are read: the docs/rules pages kleak's npm package ships, unless --docs-url says otherwise. */
export const defaultDocsBaseUrl = (version: string) => `https://unpkg.com/kleak@${version}/docs/rules/`;
export const informationUri = 'https://www.npmjs.com/package/kleak';

const isRelative = (file: string) => !/^([a-z][a-z0-9+.-]*:|\/|\\|[A-Za-z]:)/i.test(file);

/** The manifest a finding without a line is anchored at: the one of its library's ecosystem, found under the source root. */
function manifestFor(finding: Finding, diagnosis: Diagnosis): { uri: string; found: boolean } {
  const m = diagnosis.source?.manifests ?? {};
  const node = finding.library === 'kafkajs';
  const found = node ? m.node : finding.library === 'unknown' ? (m.go ?? m.node) : m.go;
  return { uri: found ?? (node ? 'package.json' : 'go.mod'), found: found !== undefined };
}

export function fingerprint(finding: Finding, place: string): string {
  return createHash('sha256').update(`${finding.ruleId}\n${finding.library}\n${place}`).digest('hex').slice(0, 32);
}

function physical(uri: string, l?: SourceLocation) {
  return {
    physicalLocation: {
      artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
      region: { startLine: l?.line && l.line > 0 ? l.line : 1, ...(l?.column ? { startColumn: l.column } : {}) },
    },
    ...(l?.function ? { logicalLocations: [{ fullyQualifiedName: l.function, kind: 'function' }] } : {}),
  };
}

export const renderSarif: Reporter = (diagnosis: Diagnosis, options) => {
  const rules = options.rules ?? runtimeRules;
  const base = (options.docsBaseUrl ?? defaultDocsBaseUrl(diagnosis.tool.version)).replace(/\/?$/, '/');
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kleak',
            version: diagnosis.tool.version,
            semanticVersion: diagnosis.tool.version,
            informationUri,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
              shortDescription: { text: r.meta.title },
              fullDescription: { text: r.meta.description },
              helpUri: `${base}${r.id}.md`,
              help: {
                text: `${r.meta.description}\n\nFix: ${r.meta.fix.unknown}`,
                markdown: [
                  `${r.meta.description}`,
                  '',
                  ...Object.entries(r.meta.fix).flatMap(([l, fix]) => [`**Fix (${l})**`, '', '```', fix, '```', '']),
                ].join('\n'),
              },
              defaultConfiguration: { level: level[r.meta.severity] },
              properties: {
                tags: [
                  'kafka',
                  'resource-leak',
                  ...((r.needs as readonly string[]).includes('cluster')
                    ? ['cluster']
                    : (r.needs as readonly string[]).includes('source')
                      ? ['static']
                      : ['runtime']),
                ],
                precision: 'high',
              },
            })),
          },
        },
        ...(diagnosis.source ? { originalUriBaseIds: { '%SRCROOT%': { description: { text: "The service's source root (--source-root)." } } } } : {}),
        invocations: [{ executionSuccessful: true, startTimeUtc: diagnosis.startedAt }],
        ...(diagnosis.context?.length ? { properties: { measured: diagnosis.context } } : {}),
        results: diagnosis.findings.map((f) => {
          const located = f.locations.filter((l) => isRelative(l.file));
          const anchor = located.length ? undefined : manifestFor(f, diagnosis);
          const why = anchor
            ? ` (no line of the service's code was found in the evidence${f.locations.length ? ' under the source root' : ''}${f.unlocated && !f.locations.length ? ` — ${f.unlocated}` : ''}: shown at ${anchor.uri}${anchor.found ? '' : ', which kleak did not find under the source root'}; ${diagnosis.target.description ?? `PID ${diagnosis.target.pids.join(', ')}`})`
            : '';
          const place = located.length ? `${located[0]!.file}:${located[0]!.line ?? 0}` : `manifest:${anchor!.uri}`;
          return {
            ruleId: f.ruleId,
            // a report from an older kleak may name a rule this one no longer has: no index then
            ...(rules.some((r) => r.id === f.ruleId) ? { ruleIndex: rules.findIndex((r) => r.id === f.ruleId) } : {}),
            level: level[f.severity],
            message: {
              text: `${f.title}: ${f.summary}${located.length ? ` (${located.map((l) => `${l.file}:${l.line ?? '?'}${l.count ? `, ${l.count} samples` : ''}`).join('; ')})` : ''}${why}`,
            },
            locations: located.length ? located.slice(0, 10).map((l) => physical(l.file, l)) : [physical(anchor!.uri)],
            partialFingerprints: { 'kleakFinding/v1': f.fingerprint ?? fingerprint(f, place) },
            properties: {
              confidence: f.confidence,
              library: f.library,
              locatedFrom: located.length ? [...new Set(located.map((l) => l.from))] : ['manifest'],
              ...(f.data ? { data: f.data } : {}),
              evidence: f.evidence.map((e) => `${e.source}: ${e.description}`),
              fix: f.fix,
            },
          };
        }),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
};
