// SARIF 2.1.0 report for code-scanning dashboards; rule metadata comes from the rules themselves.
import { rules } from '../rules/index.js';
import type { Diagnosis, Severity } from '../types.js';
import type { Reporter } from './types.js';

const level: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

export const renderSarif: Reporter = (diagnosis: Diagnosis) => {
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kleak',
            version: diagnosis.tool.version,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
              shortDescription: { text: r.meta.title },
              fullDescription: { text: r.meta.description },
              helpUri: `docs/rules/${r.id}.md`,
              help: { text: r.meta.fix.unknown },
              defaultConfiguration: { level: level[r.meta.severity] },
            })),
          },
        },
        invocations: [{ executionSuccessful: true, startTimeUtc: diagnosis.startedAt }],
        results: diagnosis.findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: rules.findIndex((r) => r.id === f.ruleId),
          level: level[f.severity],
          message: { text: `${f.title}: ${f.summary}` },
          ...(f.location
            ? {
                locations: [
                  { physicalLocation: { artifactLocation: { uri: f.location.file }, ...(f.location.line ? { region: { startLine: f.location.line } } : {}) } },
                ],
              }
            : {}),
          properties: {
            confidence: f.confidence,
            library: f.library,
            pids: diagnosis.target.pids,
            evidence: f.evidence.map((e) => `${e.source}: ${e.description}`),
            fix: f.fix,
          },
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
};
