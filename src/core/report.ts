// kleak report, as a core function: a diagnosis kleak wrote as JSON earlier (a CI run, a ticket),
// read back so it can be rendered in another format or gated again — without collecting anything.
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { Diagnosis } from '../types.js';
import type { Run } from './evaluate.js';

export function readDiagnosis(file: string): Run {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new InputError(`${file} is not a readable JSON report.`, { cause, hint: 'Give a report written by kleak diagnose --format json --output FILE.' });
  }
  const d = data as Partial<Diagnosis>;
  if (d?.schemaVersion !== 1 || !Array.isArray(d.findings) || !Array.isArray(d.collectors) || !d.tool || !d.target) {
    throw new InputError(`${file} is not a kleak diagnosis (schemaVersion 1 with tool, target, collectors and findings).`, {
      hint: 'Give the JSON of kleak diagnose (or kleak demo); the single commands write their own shapes.',
    });
  }
  const findings = d.findings.map((f) => ({ ...f, locations: Array.isArray(f.locations) ? f.locations : [] }));
  return { diagnosis: { ...(d as Diagnosis), findings, notEvaluated: d.notEvaluated ?? [] }, evidence: {} };
}
