// diagnose(): runs every collector that applies to a process, then every rule, into one Diagnosis.
// The single commands (sockets, watch, pprof, cluster) use the same collectors and rules: one code path.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attributeBrokers } from './collectors/cluster/fetch-broker-endpoints.js';
import { hostPortText, type HostPort, type KafkaConnectionOptions } from './collectors/cluster/connection-options.js';
import { collectCluster, type ClusterEvidence } from './collectors/cluster/index.js';
import { collectGoEvidence, type GoEvidence } from './collectors/goruntime/index.js';
import { fetchGoroutineCount } from './collectors/goruntime/fetch-goroutines.js';
import { readSocketInventory } from './collectors/process/index.js';
import { collectV8Heap } from './collectors/v8heap/index.js';
import { snapshotViaInspector } from './collectors/v8heap/take-snapshot.js';
import type { SocketInventory } from './collectors/process/types.js';
import type { EvidenceKind } from './collectors/types.js';
import { runWatch, type DrivePlan, type WatchResult } from './collectors/watch/index.js';
import { describeCause, InputError, isKleakError } from './errors.js';
import type { Evidence } from './rules/define-rule.js';
import { rules as allRules } from './rules/index.js';
import { runRules } from './rules/run-rules.js';
import type { CollectorReport, Diagnosis } from './types.js';

export interface DiagnoseOptions {
  pids: number[];
  children?: boolean;
  bootstrap?: HostPort[];
  brokers?: HostPort[];
  connection?: Omit<KafkaConnectionOptions, 'bootstrap'>;
  /** a Go service's pprof base URL */
  pprof?: string;
  /** look for a pprof endpoint on the ports the process listens on */
  probe?: boolean;
  /** send requests and measure per request */
  drive?: DrivePlan;
  /** without a driver: watch for this long (0: a single inventory) */
  durationMs?: number;
  intervalMs?: number;
  groupIds?: string[];
  /** take a V8 heap snapshot of a Node process through its inspector (the caller has the user's consent) */
  heap?: boolean;
  onProgress?: (message: string) => void;
}

export interface DiagnoseResult {
  diagnosis: Diagnosis;
  evidence: Evidence;
}

const version: string = createRequire(import.meta.url)('../../package.json').version;

function report(kind: EvidenceKind, error: unknown): CollectorReport {
  return { kind, status: 'failed', error: { message: isKleakError(error) ? error.message : (describeCause(error) ?? 'unknown error'), ...(isKleakError(error) && error.hint ? { hint: error.hint } : {}) } };
}

/** Finds a net/http/pprof endpoint among the ports a process listens on (short, bounded probes). */
export async function probePprof(ports: number[], timeoutMs = 1000): Promise<string | undefined> {
  for (const port of ports) {
    const base = `http://127.0.0.1:${port}`;
    try {
      const r = await fetch(`${base}/debug/pprof/goroutine?debug=1`, { signal: AbortSignal.timeout(timeoutMs) });
      if (r.ok && (await r.text()).startsWith('goroutine profile:')) return base;
    } catch {
      // not HTTP, or not pprof
    }
  }
  return undefined;
}

export async function diagnose(options: DiagnoseOptions): Promise<DiagnoseResult> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const collectors: CollectorReport[] = [];
  const evidence: Evidence = {};

  progress('attributing broker addresses');
  const attribution = await attributeBrokers({ bootstrap: options.bootstrap, brokers: options.brokers, connection: options.connection });

  // The cluster is asked after the requests (membership reflects them), beside the profiles.
  const askCluster = (): Promise<ClusterEvidence | undefined> => options.bootstrap
    ? collectCluster({ connection: { ...options.connection, bootstrap: options.bootstrap.map(hostPortText) }, bootstrap: options.bootstrap, groupIds: options.groupIds }, undefined, options.pids).catch((error) => {
        collectors.push(report('cluster', error));
        return undefined;
      })
    : Promise.resolve(undefined);

  progress('reading the process sockets');
  let inventory: SocketInventory | undefined;
  try {
    inventory = await readSocketInventory({ pids: options.pids, children: options.children, endpoints: attribution.endpoints, brokerSource: attribution.source, warnings: attribution.warnings });
    evidence.sockets = inventory;
    collectors.push({ kind: 'sockets', status: 'ok' });
  } catch (error) {
    collectors.push(report('sockets', error));
  }

  const runtime = inventory?.processes[0]?.runtime ?? 'unknown';
  let pprofUrl = options.pprof;
  if (!pprofUrl && options.probe && runtime === 'go' && inventory) {
    progress('probing the listening ports for net/http/pprof');
    pprofUrl = await probePprof(inventory.processes.flatMap((p) => p.listenPorts));
  }

  // An unreachable pprof endpoint fails its collectors once, and does not take the watch down with it.
  let pprofFailed = false;
  if (pprofUrl) {
    try {
      await fetchGoroutineCount(pprofUrl);
    } catch (error) {
      collectors.push(report('goroutines', error), report('goHeap', error));
      pprofUrl = undefined;
      pprofFailed = true;
    }
  }

  if (inventory && (options.drive || (options.durationMs ?? 0) > 0)) {
    progress(options.drive ? `driving ${options.drive.requests} requests to ${options.drive.url}` : `watching for ${options.durationMs} ms`);
    try {
      const watch: WatchResult = await runWatch({
        sockets: { pids: inventory.processes.map((p) => p.pid), endpoints: attribution.endpoints, brokerSource: attribution.source, warnings: attribution.warnings },
        intervalMs: options.intervalMs ?? 1000,
        durationMs: options.durationMs ?? 0,
        drive: options.drive,
        pprofUrl,
      });
      evidence.watch = watch;
      evidence.sockets = watch.last;
      collectors.push(watch.exited ? { kind: 'watch', status: 'failed', error: { message: watch.exited.message, hint: 'The process exited during the watch; the samples before that were used.' } } : { kind: 'watch', status: 'ok' });
    } catch (error) {
      collectors.push(report('watch', error));
    }
  } else {
    collectors.push({ kind: 'watch', status: 'skipped', reason: 'give --drive URL (per-request growth) or --duration (growth over time)' });
  }

  const clusterTask = askCluster();
  if (pprofUrl) {
    progress(`reading goroutine and heap profiles from ${pprofUrl}`);
    try {
      const go: GoEvidence = await collectGoEvidence([pprofUrl]);
      if (go.goroutines) evidence.goroutines = go.goroutines;
      if (go.goHeap) evidence.goHeap = go.goHeap;
      collectors.push({ kind: 'goroutines', status: 'ok' }, { kind: 'goHeap', status: 'ok' });
    } catch (error) {
      collectors.push(report('goroutines', error), report('goHeap', error));
    }
  } else if (!pprofFailed) {
    const reason = runtime === 'go' ? 'a Go process: give --pprof URL (or --probe) for goroutines and heap' : `not a Go process (${runtime})`;
    collectors.push({ kind: 'goroutines', status: 'skipped', reason }, { kind: 'goHeap', status: 'skipped', reason });
  }

  if (options.heap && runtime === 'node' && inventory) {
    const pid = inventory.processes[0]!.pid;
    const file = join(tmpdir(), `kleak-${pid}-${Date.now()}.heapsnapshot`);
    progress(`taking a heap snapshot of PID ${pid} through its inspector`);
    try {
      await snapshotViaInspector(pid, file);
      evidence.v8Heap = await collectV8Heap(file);
      collectors.push({ kind: 'v8Heap', status: 'ok' });
    } catch (error) {
      collectors.push(report('v8Heap', error));
    } finally {
      rmSync(file, { force: true });
    }
  } else {
    collectors.push({ kind: 'v8Heap', status: 'skipped', reason: runtime === 'node' ? 'a Node process: --heap --yes takes a heap snapshot (live connections, pinned buffers)' : `not a Node process (${runtime})` });
  }

  const cluster = await clusterTask;
  if (cluster) {
    evidence.cluster = cluster;
    collectors.push({ kind: 'cluster', status: 'ok' });
  } else if (!options.bootstrap) {
    collectors.push({ kind: 'cluster', status: 'skipped', reason: 'give --bootstrap to read brokers and consumer groups' });
  }

  const gathered = Object.keys(evidence);
  if (gathered.length === 0) {
    const failures = collectors.filter((c) => c.status === 'failed').map((c) => `${c.kind}: ${c.error?.message}`);
    throw new InputError(`kleak could not gather any evidence.${failures.length ? ` ${failures.join(' ')}` : ''}`, {
      hint: 'Give a running --pid (same user, or root), and --bootstrap, --pprof or --drive for more evidence.',
    });
  }
  const { findings, notEvaluated } = runRules(allRules, evidence);
  const order: EvidenceKind[] = ['sockets', 'watch', 'goroutines', 'goHeap', 'v8Heap', 'cluster', 'source'];
  collectors.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  return {
    evidence,
    diagnosis: {
      schemaVersion: 1,
      tool: { name: 'kleak', version },
      target: { pids: inventory?.processes.map((p) => p.pid) ?? options.pids, ...(inventory ? { description: inventory.processes.map((p) => `${p.pid} ${p.runtime} ${p.command}`).join('; ') } : {}) },
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      collectors,
      findings,
      notEvaluated,
    },
  };
}
