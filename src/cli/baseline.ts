// --baseline: compares findings with an earlier JSON report; only new or worse findings count for the gate.
// A finding is the same one when its rule, library and first location match (a location from the runtime
// or the scan; none on either side also matches): PIDs, ports and times never enter the key, so moving the
// service to another port or PID does not make every finding new.
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { atLeast, type Finding } from '../types.js';

export interface BaselineEntry {
  ruleId: string;
  library: string;
  severity: Finding['severity'];
  locations?: Array<{ file?: string; line?: number }>;
  fingerprint?: string;
}

const placeOf = (f: { locations?: Array<{ file?: string; line?: number }> }) => (f.locations?.[0] ? `${f.locations[0].file}:${f.locations[0].line ?? ''}` : '');

export function readBaseline(file: string): BaselineEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new InputError(`The baseline ${file} is not a readable kleak JSON report.`, {
      cause,
      hint: 'Write one with kleak diagnose … --format json --output baseline.json',
    });
  }
  const findings = (data as { schemaVersion?: number; findings?: unknown }).findings;
  if ((data as { schemaVersion?: number }).schemaVersion !== 1 || !Array.isArray(findings)) {
    throw new InputError(`The baseline ${file} is not a kleak JSON report (schemaVersion 1 with findings).`, {
      hint: 'Write one with kleak diagnose … --format json --output baseline.json',
    });
  }
  return findings as BaselineEntry[];
}

/** Findings that are not in the baseline, or are more severe than there. */
export function newOrWorse(findings: readonly Finding[], baseline: readonly BaselineEntry[]): Finding[] {
  return findings.filter((f) => {
    // the scan's fingerprint survives edits that move the line; runtime findings match by place
    const before = baseline.filter(
      (b) => b.ruleId === f.ruleId && (f.fingerprint ? b.fingerprint === f.fingerprint : b.library === f.library && placeOf(b) === placeOf(f)),
    );
    return before.length === 0 || before.every((b) => f.severity !== b.severity && atLeast(f.severity, b.severity));
  });
}
