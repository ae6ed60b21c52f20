// kleak's programmatic API.
export { diagnose, type DiagnoseOptions, type DiagnoseResult } from './diagnose.js';
export { runRules } from './rules/run-rules.js';
export { rules } from './rules/index.js';
export { reporters, formats } from './report/index.js';
export { exitCodeFor } from './cli/exit-code.js';
export * from './types.js';
export * from './errors.js';
export type { CollectorResult, EvidenceKind, EvidenceMap } from './collectors/types.js';
