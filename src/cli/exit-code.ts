// Maps an outcome to kleak's exit code: 0 clean, 1 findings at or above --fail-on, 2 could not do it, 3 bug.
import { isKleakError } from '../errors.js';
import { atLeast, type CollectorReport, type Finding, type Severity } from '../types.js';

export type FailOn = Severity | 'never';
export const failOnLevels: readonly FailOn[] = ['error', 'warning', 'info', 'never'];

export const ExitCode = { clean: 0, findings: 1, cannotDo: 2, bug: 3 } as const;

/** What a command that reported leaves for main to decide the exit code from. */
export interface Outcome {
  /** the findings that count for the gate (after --baseline) */
  findings: readonly Pick<Finding, 'severity'>[];
  failOn: FailOn;
  /** collectors the command depends on that failed: the report was printed, but not all that was asked */
  incomplete: readonly CollectorReport[];
}

export function exitCodeFor(findings: readonly Pick<Finding, 'severity'>[], failOn: FailOn): number {
  if (failOn === 'never') return ExitCode.clean;
  return findings.some((f) => atLeast(f.severity, failOn)) ? ExitCode.findings : ExitCode.clean;
}

export function exitCodeForOutcome(outcome: Outcome | undefined): number {
  if (!outcome) return ExitCode.clean;
  if (outcome.incomplete.length > 0) return ExitCode.cannotDo;
  return exitCodeFor(outcome.findings, outcome.failOn);
}

export function exitCodeForError(error: unknown): number {
  return isKleakError(error) ? ExitCode.cannotDo : ExitCode.bug;
}
