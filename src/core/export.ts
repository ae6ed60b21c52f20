// kleak export: a Prometheus exporter. It samples on its own interval (the host's broker connections as
// kleak top reads them — one look per network namespace, nothing more per process —, goroutine counts where
// --pprof names a target),
// keeps a short history per process for the trend rules, and a scrape returns the last sample: scraping
// costs a string, never a look at /proc.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { tlsServerOptions, webConfigReloader, webGuard, type WebConfig } from './web-config.js';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { readProcText } from '../collectors/process/read-proc.js';
import { samplerResourceLimits, samplerThread } from './export-thread.js';
import { Counter, Gauge, Registry } from 'prom-client';
import { attributeBrokers } from '../collectors/cluster/fetch-broker-endpoints.js';
import type { HostTopRequest } from '../collectors/host/index.js';
import type { HostProcess, HostTop } from '../collectors/host/types.js';
import { fetchGoroutineCount } from '../collectors/goruntime/fetch-goroutines.js';
import type { SocketInventory } from '../collectors/process/types.js';
import type { WatchResult, WatchSample } from '../collectors/watch/types.js';
import { InputError } from '../errors.js';
import closeWaitSockets from '../rules/close-wait-sockets.js';
import connectionsGrowing from '../rules/connections-growing.js';
import fdExhaustion from '../rules/fd-exhaustion.js';
import type { AnyRule } from '../rules/define-rule.js';
import { clientKinds } from '../rules/helpers.js';
import { runRules } from '../rules/run-rules.js';
import { classifyTrend } from '../stats/trend.js';
import type { Finding } from '../types.js';
import { version } from '../version.js';
import type { BrokerOptions } from './sockets.js';

/** kleak_kafka_clients' kind label for a JVM's client threads */
const jvmKindLabels = { producers: 'producer', admins: 'admin', consumers: 'consumer', asyncConsumers: 'consumer (new protocol)' } as const;

export interface ExportOptions extends BrokerOptions {
  listen: { host: string; port: number };
  /** the processes to watch; none: every process with broker connections (kleak top's discovery, each interval) */
  pids?: number[];
  intervalMs: number;
  /** goroutine counts (clients by library and kind) for these targets: PID → pprof base URL */
  pprof?: Map<number, string>;
  /** at most this many processes get series and findings (bounded label cardinality), most connections first */
  maxProcesses: number;
  /** --web.config.file: TLS, client certificates, basic auth, headers (the exporter-toolkit's format) */
  web?: WebConfig;
  /** the file it was read from: read again when it or its certificates change */
  webFile?: string;
  /** where the exporter says what it did (a configuration read again) */
  log?: (line: string) => void;
  /** samples kept per process for the trend rules */
  historySize?: number;
  onSample?: (top: HostTop, findings: Finding[]) => void;
  /** the sampling thread's heap limits (default: samplerResourceLimits) */
  samplerResourceLimits?: ResourceLimits;
}

export interface Exporter {
  url: string;
  /** takes a sample now (the interval's sampling does it on its own) */
  sample(): Promise<void>;
  stop(): Promise<void>;
}

const sampleRules: readonly AnyRule[] = [closeWaitSockets, connectionsGrowing, fdExhaustion] as AnyRule[];

/**
 * What the sample rules read of a process (its broker connections per broker and state, its fds and limit), from
 * the host look's row: no second read of its fds or its namespace's tables. The host look reads only the broker
 * sockets: the counts of the others are not known here and are left out of the totals (0), which no sample rule
 * reads; states other than ESTABLISHED and CLOSE_WAIT are counted in brokerSockets, not named.
 */
function inventoryOf(top: HostTop, p: HostProcess): SocketInventory {
  const nodeOf = new Map(top.brokerEndpoints.map((e) => [e.address, e.nodeId]));
  const brokerSockets = p.totals.established + p.totals.closeWait + p.totals.other;
  const totals = {
    fds: p.fds,
    fdLimit: p.fdLimit,
    sockets: brokerSockets,
    tcpSockets: brokerSockets,
    brokerSockets,
    brokerEstablished: p.totals.established,
    brokerCloseWait: p.totals.closeWait,
    nonBrokerSockets: 0,
  };
  return {
    takenAt: top.takenAt,
    brokerSource: top.brokerSource,
    brokerEndpoints: top.brokerEndpoints,
    method: top.method === 'sock_diag' ? 'sock_diag' : '/proc',
    processes: [
      {
        pid: p.pid,
        command: p.command,
        exe: null,
        runtime: p.runtime,
        threads: null,
        rssBytes: null,
        cpuPercent: null,
        listenPorts: [],
        brokers: p.brokers.map((b) => {
          const nodeId = nodeOf.get(b.address);
          return {
            address: b.address,
            ...(nodeId !== undefined ? { nodeId } : {}),
            established: b.established,
            states: { ...(b.established ? { ESTABLISHED: b.established } : {}), ...(b.closeWait ? { CLOSE_WAIT: b.closeWait } : {}) },
            sendQueueBytes: 0,
            receiveQueueBytes: 0,
          };
        }),
        totals,
      },
    ],
    totals,
    warnings: [],
  };
}

/** the command's first word without its directory: a label of bounded length */
const commandLabel = (command: string) => (command.split(/\s+/)[0] ?? '').split('/').pop()!.slice(0, 60);

/** PID and start time (field 22 of /proc/PID/stat, in clock ticks since boot): one process, even across PID reuse. */
function processKey(pid: number): string {
  try {
    const stat = readProcText(`/proc/${pid}/stat`); // a kept buffer: readFileSync takes 64 kB for each
    return `${pid}:${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? ''}`;
  } catch {
    return `${pid}:`;
  }
}

export async function startExporter(options: ExportOptions): Promise<Exporter> {
  const attribution = await attributeBrokers(options);
  const historySize = options.historySize ?? 60;
  // the host look runs in a thread of its own: a scrape during a sample is answered at once, with the last one.
  // Its young generation is kept small (RSS), and a thread that dies is replaced (export-thread.ts).
  const sampler = samplerThread<HostTopRequest, HostTop>(
    () => {
      const worker = new Worker(new URL('./export-sampler.js', import.meta.url), { resourceLimits: options.samplerResourceLimits ?? samplerResourceLimits });
      // the semi-spaces: V8 grows them to 16 MB each under the per-sample allocations and keeps them (RSS: 33 MB of
      // the main thread's new space at 6 samples a second); the exporter keeps little per sample, and small ones
      // cost no CPU to speak of. Their maximum is fixed when V8 starts; the growth factor is read at each growth,
      // and 1 keeps them at their first size. Set once the thread is up: starting one sets the flags again.
      // The old generation likewise: V8 lets it grow to about 4× what is live (8 MB) before a full collection;
      // 1.5× costs a few milliseconds of marking more often.
      const flags = '--semi-space-growth-factor=1 --heap-growing-percent=50';
      setFlagsFromString(flags);
      worker.once('online', () => setFlagsFromString(flags));
      return worker;
    },
    (message) => {
      const m = message as { top?: HostTop; error?: string; input?: boolean; hint?: string };
      if (m.top) return m.top;
      throw m.input ? new InputError(m.error ?? '', { hint: m.hint }) : new Error(m.error);
    },
    options.log,
  );
  const lookInThread = (request: HostTopRequest) => sampler.request(request);
  // keyed by PID and start time: a PID the kernel hands to a new process (it wraps at pid_max) starts a new history
  const history = new Map<string, WatchSample[]>();
  const started = Date.now();
  let body = '';
  let sampling: Promise<void> | undefined;
  let samplesTaken = 0;

  const takeSample = async () => {
    const t0 = performance.now();
    const top = await lookInThread({ endpoints: attribution.endpoints, brokerSource: attribution.source, exclude: [process.pid] });
    const wanted = options.pids ? new Set(options.pids) : undefined;
    const processes = top.processes.filter((p) => !wanted || wanted.has(p.pid)).slice(0, options.maxProcesses);
    const registry = new Registry();
    const g = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers: [registry] });
    const connections = g('kleak_broker_connections', 'TCP connections of the process to a broker, by state', [
      'pid',
      'command',
      'container',
      'library',
      'broker',
      'state',
    ]);
    const fds = g('kleak_process_open_fds', 'open file descriptors of the process', ['pid', 'command', 'container']);
    const fdLimit = g('kleak_process_max_fds', "the process's open-file limit (RLIMIT_NOFILE soft)", ['pid', 'command', 'container']);
    const clients = g('kleak_kafka_clients', "live Kafka clients by library and kind: a JVM's client threads; a Go target's goroutine roles (with --pprof)", [
      'pid',
      'command',
      'library',
      'kind',
    ]);
    const clientInfo = g(
      'kleak_client_info',
      'a Kafka client library the process runs (1), its version, and how many known leak bugs that version has (kleak advisories)',
      ['pid', 'command', 'library', 'version', 'known_bugs'],
    );
    const finding = g('kleak_finding', 'a finding kleak currently reports for the process (1 while it holds)', ['pid', 'command', 'rule', 'severity']);
    const processesGauge = g('kleak_processes', 'processes with broker connections on the host (all, before --max-processes)', []);
    const duration = g('kleak_sample_duration_seconds', 'how long the last sample took', []);
    const sampledAt = g('kleak_last_sample_timestamp_seconds', 'when the last sample was taken', []);
    const samplesCounter = new Counter({ name: 'kleak_samples_total', help: 'samples taken since the exporter started', registers: [registry] });
    const info = g('kleak_exporter_info', 'kleak and how it reads sockets', ['version', 'method', 'broker_source']);
    info.set({ version, method: top.method, broker_source: top.brokerSource }, 1);
    processesGauge.set(top.processes.length);
    const findings: Finding[] = [];
    const seen = new Set<string>();
    for (const p of processes) {
      const key = processKey(p.pid);
      seen.add(key);
      const base = { pid: String(p.pid), command: commandLabel(p.command), container: p.container ?? '' };
      for (const b of p.brokers)
        for (const [state, n] of [
          ['ESTABLISHED', b.established],
          ['CLOSE_WAIT', b.closeWait],
          ['other', b.other],
        ] as const)
          connections.set({ ...base, library: p.library ?? '', broker: b.address, state }, n);
      fds.set(base, p.fds);
      if (p.fdLimit !== null) fdLimit.set(base, p.fdLimit);
      for (const v of p.versions ?? [])
        clientInfo.set({ pid: base.pid, command: base.command, library: v.library, version: v.version, known_bugs: String(v.advisories?.length ?? 0) }, 1);
      // a JVM: its client threads by kind, read without attaching
      if (p.jvmClients)
        for (const kind of Object.keys(jvmKindLabels) as Array<keyof typeof jvmKindLabels>)
          clients.set({ pid: base.pid, command: base.command, library: p.library ?? 'kafka-clients', kind: jvmKindLabels[kind] }, p.jvmClients[kind]);
      const url = options.pprof?.get(p.pid);
      if (url) {
        const count = await fetchGoroutineCount(url).catch(() => undefined);
        for (const k of count ? clientKinds(count.roles, 0.5) : [])
          clients.set({ pid: base.pid, command: base.command, library: k.library, kind: k.kind }, k.perRequest);
      }
      // findings: the process's broker sockets as the host look read them, and its recent history (the trend rules)
      const inventory = inventoryOf(top, p);
      const t = inventory.totals;
      const samples = history.get(key) ?? [];
      samples.push({
        atMs: Date.now() - started,
        takenAt: inventory.takenAt,
        phase: 'watch',
        fds: t.fds,
        brokerEstablished: t.brokerEstablished,
        brokerSockets: t.brokerSockets,
        brokerCloseWait: t.brokerCloseWait,
        processes: [],
      });
      if (samples.length > historySize) samples.shift();
      history.set(key, samples);
      const watch: WatchResult = {
        pids: [p.pid],
        runtime: p.runtime,
        libraries: p.library ? [p.library] : [],
        brokerSource: attribution.source,
        fdLimit: p.fdLimit,
        intervalMs: options.intervalMs,
        samples,
        trends: {
          brokerEstablished: classifyTrend(
            samples.map((s) => s.atMs),
            samples.map((s) => s.brokerEstablished),
          ),
          fds: classifyTrend(
            samples.map((s) => s.atMs),
            samples.map((s) => s.fds),
          ),
        },
        last: inventory,
      };
      for (const f of runRules(sampleRules, { sockets: inventory, ...(samples.length >= 10 ? { watch } : {}) }).findings) {
        findings.push(f);
        finding.set({ pid: base.pid, command: base.command, rule: f.ruleId, severity: f.severity }, 1);
      }
    }
    for (const k of [...history.keys()]) if (!seen.has(k)) history.delete(k); // gone, or no broker connection left
    duration.set((performance.now() - t0) / 1000);
    sampledAt.set(Date.now() / 1000);
    samplesCounter.inc(++samplesTaken);
    body = await registry.metrics();
    options.onSample?.(top, findings);
  };
  const sample = () => (sampling ??= takeSample().finally(() => (sampling = undefined)));

  await sample().catch(async (error: unknown) => {
    await sampler.stop();
    throw error;
  });
  const timer = setInterval(() => {
    sample().catch(() => undefined); // a failed sample keeps the last good one; the next interval tries again
  }, options.intervalMs);
  timer.unref();

  let guard = options.web ? webGuard(options.web) : undefined;
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/metrics' || req.url?.startsWith('/metrics?')) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(body);
    } else if (req.url === '/' || req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('kleak export: metrics at /metrics\n');
    } else res.writeHead(404).end('not found\n');
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!guard) return serve(req, res);
    guard(req, res).then(
      (ok) => ok && serve(req, res),
      () => res.writeHead(500).end(),
    );
  };
  const server: Server = options.web?.tls ? createHttpsServer(tlsServerOptions(options.web.tls), handle) : createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new InputError(
          `kleak export cannot listen on ${options.listen.host}:${options.listen.port}: ${error.code === 'EADDRINUSE' ? 'the port is taken' : error.message}.`,
          {
            cause: error,
            hint: 'Give another --listen HOST:PORT.',
          },
        ),
      ),
    );
    server.listen(options.listen.port, options.listen.host, resolve);
  });
  const address = server.address() as { port: number };
  const reloader = options.web && options.webFile ? webConfigReloader(options.webFile, options.web, options.log ?? (() => undefined)) : undefined;
  const reload = setInterval(() => {
    const next = reloader?.check();
    if (!next) return;
    guard = webGuard(next);
    // new connections get the new certificate; the client_auth_type in force stays that of the start
    if (next.tls && 'setSecureContext' in server) (server as HttpsServer).setSecureContext(tlsServerOptions(next.tls));
  }, 1000);
  reload.unref();
  if (!reloader) clearInterval(reload);
  return {
    url: `${options.web?.tls ? 'https' : 'http'}://${options.listen.host}:${address.port}`,
    sample,
    async stop() {
      clearInterval(timer);
      clearInterval(reload);
      await sampling?.catch(() => undefined);
      await sampler.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
