// Builds findings and diagnoses for reporter and rule tests.
import type { Diagnosis, Finding } from '../../src/types.js';

export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'client-per-request',
    severity: 'error',
    confidence: 'confirmed',
    title: 'A Kafka client is created per request and never closed',
    summary: '2.0 new broker connections per request (20 requests)',
    library: 'sarama',
    evidence: [{ source: 'sockets', description: 'ESTABLISHED to 127.0.0.1:9092: 2 → 42' }],
    fix: 'Create one client at start-up and share it.',
    docsUrl: 'docs/rules/client-per-request.md',
    locations: [],
    ...overrides,
  };
}

export function diagnosis(findings: Finding[], overrides: Partial<Diagnosis> = {}): Diagnosis {
  return {
    schemaVersion: 1,
    tool: { name: 'kleak', version: '0.0.0-test' },
    target: { pids: [4242] },
    startedAt: '2026-11-22T00:00:00.000Z',
    durationMs: 1234,
    collectors: [{ kind: 'sockets', status: 'ok' }],
    findings,
    notEvaluated: [],
    ...overrides,
  };
}
