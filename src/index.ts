// kleak's programmatic API: one function per command, each collect → evaluate, returning { diagnosis, evidence }.
export { diagnose, type DiagnoseOptions, type DiagnoseResult } from './core/diagnose.js';
export { inspectSockets, type SocketsOptions } from './core/sockets.js';
export { watchProcess, type WatchOptions } from './core/watch.js';
export { inspectPprof, type PprofOptions } from './core/pprof.js';
export { inspectHeap, type HeapOptions } from './core/heap.js';
export { inspectCluster, type ClusterOptions } from './core/cluster.js';
export { scan, type ScanRun } from './core/scan.js';
export { scanRules } from './scan/rules/index.js';
export type { ScanOptions } from './collectors/source/index.js';
export { evaluate, gather, type Run } from './core/evaluate.js';
export { rules } from './rules/index.js';
export { reporters, formats } from './report/index.js';
export { exitCodeFor } from './cli/exit-code.js';
export * from './types.js';
export * from './errors.js';
export type { CollectorResult, Evidence, EvidenceMap } from './collectors/types.js';
