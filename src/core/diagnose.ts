// diagnose(): every collector that applies to a process, then every rule, into one Diagnosis.
// The same collectors and the same evaluate() as the single commands: one path.
import { attributeBrokers } from '../collectors/cluster/fetch-broker-endpoints.js';
import { hostPortText } from '../collectors/cluster/connection-options.js';
import { collectCluster } from '../collectors/cluster/index.js';
import type { ClusterEvidence } from '../collectors/cluster/types.js';
import { checkPprofEndpoint, collectGoProfiles, findPprofEndpoint } from '../collectors/goruntime/index.js';
import type { GoHeapEvidence, GoroutineEvidence } from '../collectors/goruntime/types.js';
import { readGoProfiles, type GoProfiles } from '../collectors/goruntime/fetch-profile.js';
import { readPythonStacks, recordPythonStacks } from '../collectors/python/py-spy.js';
import type { PythonConstructorSite } from '../collectors/process/types.js';
import { collectSockets } from '../collectors/process/index.js';
import { collect, ok, skipped, type CollectorResult } from '../collectors/types.js';
import { collectV8HeapOfProcess } from '../collectors/v8heap/index.js';
import type { V8HeapEvidence } from '../collectors/v8heap/types.js';
import { collectWatch } from '../collectors/watch/index.js';
import { collectShutdown } from '../collectors/shutdown/index.js';
import type { ShutdownEvidence } from '../collectors/shutdown/types.js';
import type { DrivePlan, WatchResult } from '../collectors/watch/types.js';
import type { SocketInventory } from '../collectors/process/types.js';
import { InputError } from '../errors.js';
import { version } from '../version.js';
import { collectJvmHeapOfProcess } from '../collectors/jvmheap/index.js';
import type { JvmHeapEvidence } from '../collectors/jvmheap/types.js';
import { scanSource } from '../collectors/source/index.js';
import { scanRules } from '../scan/rules/index.js';
import { joinScan } from './join-scan.js';
import { applySuppressions, inScope } from './scan.js';
import { evaluate, gather, type Run } from './evaluate.js';
import type { BrokerOptions } from './sockets.js';
import { targetOf } from './target.js';

export interface DiagnoseOptions extends BrokerOptions {
  pids: number[];
  children?: boolean;
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
  /** a Python process's threads and stacks through py-spy (the caller has the user's consent) */
  stacks?: boolean;
  /** the service's source tree: the static scan runs too and confirms runtime findings in the code */
  source?: string;
  /** last, send SIGTERM and check the shutdown (the caller has the user's consent; needs bootstrap) */
  shutdown?: { graceMs: number; killAfterMs?: number };
  onProgress?: (message: string) => void;
}

export type DiagnoseResult = Run;

/** Splits one Go profiles result into its two evidence kinds. */
function goResults(result: CollectorResult<{ goroutines?: GoroutineEvidence; goHeap?: GoHeapEvidence }>): {
  goroutines: CollectorResult<GoroutineEvidence>;
  goHeap: CollectorResult<GoHeapEvidence>;
} {
  if (result.status !== 'ok') return { goroutines: result as CollectorResult<GoroutineEvidence>, goHeap: result as CollectorResult<GoHeapEvidence> };
  const { goroutines, goHeap } = result.evidence;
  return {
    goroutines: goroutines ? ok(goroutines) : skipped('the endpoint served no goroutine profile'),
    goHeap: goHeap ? ok(goHeap) : skipped('the endpoint served no heap profile'),
  };
}

export async function diagnose(options: DiagnoseOptions): Promise<DiagnoseResult> {
  const startedAt = Date.now();
  const progress = options.onProgress ?? (() => {});

  // the scan reads only files: it runs while the collectors wait on the process and the network
  const scanTask = options.source === undefined ? undefined : collect(() => scanSource({ root: options.source! }));
  progress('attributing broker addresses');
  const attribution = await attributeBrokers(options);
  const socketsRequest = {
    pids: options.pids,
    children: options.children,
    endpoints: attribution.endpoints,
    brokerSource: attribution.source,
    warnings: attribution.warnings,
  };

  progress('reading the process sockets');
  let sockets = await collectSockets(socketsRequest);
  const inventory: SocketInventory | undefined = sockets.status === 'ok' ? sockets.evidence : undefined;
  const runtime = inventory?.processes[0]?.runtime ?? 'unknown';

  let pprofUrl = options.pprof;
  if (!pprofUrl && options.probe && runtime === 'go' && inventory) {
    progress('probing the listening ports for net/http/pprof');
    pprofUrl = await findPprofEndpoint(inventory.processes.flatMap((p) => p.listenPorts));
  }
  // An unreachable pprof endpoint fails its collectors once, and does not take the watch down with it.
  let go: ReturnType<typeof goResults> | undefined;
  if (pprofUrl) {
    const reachable = await checkPprofEndpoint(pprofUrl);
    if (reachable.status !== 'ok') {
      go = goResults(reachable as CollectorResult<never>);
      pprofUrl = undefined;
    }
  }

  // the profiles before the requests: what the advisories' signatures compare with (a library bug that grows with load)
  let preDrive: GoProfiles | undefined;
  if (pprofUrl && inventory && options.drive) preDrive = await readGoProfiles([pprofUrl]).catch(() => undefined);

  // a Python process with --stacks: py-spy samples its stacks while the requests run (where it builds its clients);
  // one dump first, which says at once when py-spy is missing or may not read the process
  const pythons = options.stacks ? (inventory?.processes.filter((p) => p.python) ?? []) : [];
  for (const p of pythons) readPythonStacks(p.pid);
  const recordings = options.drive ? pythons.map((p) => ({ pid: p.pid, recording: recordPythonStacks(p.pid, 180_000) })) : [];
  await Promise.all(recordings.map((r) => r.recording.started));

  let watch: CollectorResult<WatchResult>;
  if (inventory && (options.drive || (options.durationMs ?? 0) > 0)) {
    progress(options.drive ? `driving ${options.drive.requests} requests to ${options.drive.url}` : `watching for ${options.durationMs} ms`);
    watch = await collectWatch({
      sockets: { ...socketsRequest, pids: inventory.processes.map((p) => p.pid), children: false },
      intervalMs: options.intervalMs ?? 1000,
      durationMs: options.durationMs ?? 0,
      drive: options.drive,
      pprofUrl,
    });
    const watched = watch.status === 'ok' ? watch.evidence : watch.status === 'failed' ? watch.partial : undefined;
    if (watched) sockets = ok(watched.last);
  } else {
    watch = skipped('give --drive URL (per-request growth) or --duration (growth over time)');
  }

  // The cluster is asked after the requests (membership reflects them), beside the profiles.
  const clusterTask: Promise<CollectorResult<ClusterEvidence>> = options.bootstrap
    ? collectCluster(
        { connection: { ...options.connection, bootstrap: options.bootstrap.map(hostPortText) }, bootstrap: options.bootstrap, groupIds: options.groupIds },
        undefined,
        options.pids,
      )
    : Promise.resolve(skipped('give --bootstrap to read brokers and consumer groups'));

  if (pprofUrl) {
    progress(`reading goroutine and heap profiles from ${pprofUrl}`);
    go = goResults(await collectGoProfiles([pprofUrl], { preDrive }));
  } else if (!go) {
    const reason = runtime === 'go' ? 'a Go process: give --pprof URL (or --probe) for goroutines and heap' : `not a Go process (${runtime})`;
    go = { goroutines: skipped(reason), goHeap: skipped(reason) };
  }

  let v8Heap: CollectorResult<V8HeapEvidence>;
  if (options.heap && runtime === 'node' && inventory) {
    const pid = inventory.processes[0]!.pid;
    progress(`taking a heap snapshot of PID ${pid} through its inspector`);
    v8Heap = await collectV8HeapOfProcess(pid);
  } else {
    v8Heap = skipped(
      runtime === 'node' ? 'a Node process: --heap --yes takes a heap snapshot (live connections, pinned buffers)' : `not a Node process (${runtime})`,
    );
  }
  let jvmHeap: CollectorResult<JvmHeapEvidence>;
  if (options.heap && runtime === 'java' && inventory) {
    const pid = inventory.processes[0]!.pid;
    progress(`having JVM PID ${pid} write a heap dump (GC.heap_dump through attach)`);
    jvmHeap = await collectJvmHeapOfProcess(pid);
  } else {
    jvmHeap = skipped(
      runtime === 'java' ? 'a JVM: --heap --yes has it write a heap dump through attach (kept records, Kafka objects)' : `not a JVM (${runtime})`,
    );
  }

  // py-spy on the Python processes, after the requests (what they left behind), once
  const constructors = new Map<number, PythonConstructorSite[]>();
  for (const r of recordings) constructors.set(r.pid, await r.recording.stop());
  if (options.stacks && sockets.status === 'ok')
    for (const p of sockets.evidence.processes)
      if (p.python) {
        progress(`reading the threads and stacks of Python PID ${p.pid} with py-spy`);
        const sites = constructors.get(p.pid);
        p.python.stacks = { ...readPythonStacks(p.pid), ...(sites ? { constructors: sites } : {}) };
      }

  const cluster = await clusterTask;
  const source = scanTask ? await scanTask : undefined;
  // the shutdown check ends the process: it runs last, and only when asked
  let shutdown: CollectorResult<ShutdownEvidence>;
  if (options.shutdown && options.bootstrap && inventory) {
    const pid = inventory.processes[0]!.pid;
    progress(`sending SIGTERM to PID ${pid} and watching its shutdown (at most ${options.shutdown.graceMs / 1000} s)`);
    shutdown = await collectShutdown({
      pid,
      repeat: 1,
      bootstrap: options.bootstrap,
      connection: options.connection ?? {},
      groups: options.groupIds ?? [],
      topics: [],
      signal: 'SIGTERM',
      graceMs: options.shutdown.graceMs,
      prestopMs: 0,
      ...(options.shutdown.killAfterMs !== undefined ? { killAfterMs: options.shutdown.killAfterMs } : {}),
      progress,
    });
  } else {
    shutdown = skipped(
      options.shutdown
        ? 'the shutdown check needs --bootstrap (the groups, offsets and broker sockets it watches)'
        : 'not run: --shutdown --yes sends SIGTERM last and checks the shutdown (final commit, LeaveGroup, sockets, exit in time); kleak shutdown-check --drive also checks the flush',
    );
  }
  const { evidence, reports } = gather({ sockets, watch, ...go, v8Heap, jvmHeap, cluster, shutdown, ...(source ? { source } : {}) });
  if (Object.keys(evidence).length === 0) {
    const failures = reports.filter((c) => c.status === 'failed').map((c) => `${c.kind}: ${c.error?.message}`);
    throw new InputError(`kleak could not gather any evidence.${failures.length ? ` ${failures.join(' ')}` : ''}`, {
      hint: 'Give a running --pid (same user, or root), and --bootstrap, --pprof or --drive for more evidence.',
    });
  }
  const context = { target: targetOf(inventory, options.pids), startedAt, finishedAt: Date.now(), version };
  const diagnosis = evaluate(evidence, reports, context);
  if (!evidence.source) return { evidence, diagnosis };
  // the scan's own rules on the code, its kleak-ignore comments, then the join
  const scanned = evaluate(
    { source: evidence.source },
    reports.filter((r) => r.kind === 'source'),
    { ...context, rules: scanRules },
  );
  const { kept } = applySuppressions(scanned.findings, evidence.source);
  return { evidence, diagnosis: joinScan(diagnosis, inScope(kept, evidence.source), evidence.source.root) };
}
