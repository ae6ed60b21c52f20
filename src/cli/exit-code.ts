// Maps an outcome to kleak's exit code: 0 clean, 1 findings at or above --fail-on, 2 could not do it, 3 bug.
import { isKleakError } from '../errors.js';
import { atLeast, type Finding, type Severity } from '../types.js';

export type FailOn = Severity | 'never';
export const failOnLevels: readonly FailOn[] = ['error', 'warning', 'info', 'never'];

export const ExitCode = { clean: 0, findings: 1, cannotDo: 2, bug: 3 } as const;

export function exitCodeFor(findings: readonly Pick<Finding, 'severity'>[], failOn: FailOn): number {
  if (failOn === 'never') return ExitCode.clean;
  return findings.some((f) => atLeast(f.severity, failOn)) ? ExitCode.findings : ExitCode.clean;
}

export function exitCodeForError(error: unknown): number {
  return isKleakError(error) ? ExitCode.cannotDo : ExitCode.bug;
}
