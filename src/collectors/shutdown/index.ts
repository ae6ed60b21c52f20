// The shutdown collector: records offsets, group members and broker sockets, sends one signal, and watches
// what the process does until it exits (or the grace period ends): commit, LeaveGroup, sockets closed,
// exit. With --drive it sends requests with unique ids through the signal and reads them back after.
// The signal is sent only when the caller says so (the CLI asks for --yes); SIGKILL only with killAfterMs.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Admin, Kafka } from 'kafkajs';
import { InputError } from '../../errors.js';
import { brokerMatcher, type BrokerMatcher } from '../process/build-process-sockets.js';
import { fetchClusterBrokers } from '../cluster/fetch-broker-endpoints.js';
import { connectAdmin } from '../cluster/connect-admin.js';
import { hostPortText, kafkaConfig, type HostPort, type KafkaConnectionOptions } from '../cluster/connection-options.js';
import { kafkajsModule, withTimeout } from '../cluster/kafkajs-calls.js';
import { registerReadCodecs } from '../cluster/codecs.js';
import { findPprofEndpoint } from '../goruntime/index.js';
import { parseGoroutineDump } from '../goruntime/parse-goroutine-dump.js';
import { collect, type CollectorResult } from '../types.js';
import { jvmClientTotal, readJvm } from '../process/jvm.js';
import { threadNames } from '../process/librdkafka.js';
import { MemberDescriber } from './describe-members.js';
import { startIdDrive, type IdDrive } from './drive-ids.js';
import { committedOffsets, endOffsets, movedPartitions, readIds, uncommitted, type Offsets } from './offsets.js';
import { brokerSockets, decodeWaitStatus, goLibraryOf, isGoBinary, readProcStat, socketInodes, usesLibrdkafka } from './proc-watch.js';
import { readClientVersions } from '../process/versions.js';
import type { ShutdownEvent, ShutdownEvidence, ShutdownExit, ShutdownGroup, ShutdownGroupMember, ShutdownRun, StuckGoroutine } from './types.js';

export interface ShutdownRequest {
  pid?: number;
  exec?: { command: string; ready?: string; readyTimeoutMs: number };
  repeat: number;
  bootstrap: HostPort[];
  connection: Omit<KafkaConnectionOptions, 'bootstrap'>;
  groups: string[];
  topics: string[];
  drive?: { url: string; method: string; idHeader?: string; headers?: Record<string, string>; concurrency: number; leadMs: number; trailMs: number };
  signal: NodeJS.Signals;
  graceMs: number;
  prestopMs: number;
  killAfterMs?: number;
  pprof?: string;
  progress?: (line: string) => void;
}

type Library = ShutdownRun['library'];
/** the libraries' defaults (graceful-shutdown.md): session timeout and heartbeat */
/** A Python service's client library: the one its extension modules, its script or its site-packages name. */
function pythonLibraryOf(pid: number): Library {
  const found = readClientVersions({ pid, runtime: 'python', exe: null }).find(
    (v) => v.library === 'confluent-kafka-python' || v.library === 'kafka-python' || v.library === 'aiokafka',
  );
  return (found?.library as Library | undefined) ?? 'unknown';
}

const sessionDefaults: Record<Library, { sessionMs: number; heartbeatMs: number } | undefined> = {
  sarama: { sessionMs: 10_000, heartbeatMs: 3000 },
  'franz-go': { sessionMs: 45_000, heartbeatMs: 3000 },
  kafkajs: { sessionMs: 30_000, heartbeatMs: 3000 },
  // kafka-clients 3.0 and later (KIP-735)
  'kafka-clients': { sessionMs: 45_000, heartbeatMs: 3000 },
  // librdkafka's session.timeout.ms (45 s since 2.0), kafka-python's and aiokafka's (10 s)
  'confluent-kafka-python': { sessionMs: 45_000, heartbeatMs: 3000 },
  'kafka-python': { sessionMs: 10_000, heartbeatMs: 3000 },
  aiokafka: { sessionMs: 10_000, heartbeatMs: 3000 },
  unknown: undefined,
};
const defaultClientIds: Record<string, Library> = { sarama: 'sarama', kgo: 'franz-go', kafkajs: 'kafkajs' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for the promise, at most ms (the timer is cleared either way: it must not keep kleak alive). */
async function withinMs(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

interface Shared {
  admin: Admin;
  kafka: Kafka;
  matcher: BrokerMatcher;
  describer?: MemberDescriber;
}

async function describeMembers(shared: Shared, groupId: string): Promise<{ members: ShutdownGroupMember[]; instanceIdsKnown: boolean; state: string }> {
  if (shared.describer) {
    const g = await shared.describer.describe(groupId);
    if (g.errorCode !== 0) throw new Error(`DescribeGroups ${groupId}: error ${g.errorCode}`);
    return { members: g.members, instanceIdsKnown: true, state: g.state };
  }
  const answer = await withTimeout(shared.admin.describeGroups([groupId]), 5000, `DescribeGroups ${groupId}`);
  const g = answer.groups[0];
  return {
    members: (g?.members ?? []).map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      clientHost: m.clientHost.replace(/^\//, ''),
      groupInstanceId: null,
    })),
    instanceIdsKnown: false,
    state: g?.state ?? 'Unknown',
  };
}

async function listGroupIds(shared: Shared): Promise<string[]> {
  return (await withTimeout(shared.admin.listGroups(), 10_000, 'ListGroups')).groups
    .map((g) => g.groupId)
    .filter((g) => !g.startsWith('kleak-shutdown-check-'));
}

function spawnService(command: string, logFile: string): ChildProcess {
  const out = openSync(logFile, 'w');
  // `exec` makes the service itself the child: kleak signals it and reads its exact exit status
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['ignore', out, out], env: process.env });
  closeSync(out);
  return child;
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-1500).trim();
  } catch {
    return '';
  }
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined, abort?: () => string | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = abort?.();
    if (why) throw new InputError(why);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline)
      throw new InputError(`The service was not ready within ${timeoutMs / 1000} s: ${what}.`, { hint: 'Raise --ready-timeout, or check the service log.' });
    await sleep(100);
  }
}

/** Every port of the process that serves net/http/pprof (a service may stop one at SIGTERM and keep another). */
async function pprofEndpoints(ports: number[]): Promise<string[]> {
  const found = await Promise.all(ports.map((port) => findPprofEndpoint([port], 500)));
  return found.filter((u): u is string => u !== undefined);
}

/** The Go library whose goroutines run in the process (a binary may link both Sarama and franz-go). */
async function goLibraryFromStacks(pprof: string): Promise<'sarama' | 'franz-go' | undefined> {
  try {
    const response = await fetch(`${pprof}/debug/pprof/goroutine?debug=1`, { signal: AbortSignal.timeout(2000) });
    const text = await response.text();
    const sarama = /github\.com\/(IBM|Shopify)\/sarama\./.test(text);
    const franz = /github\.com\/twmb\/franz-go\/pkg\/kgo\./.test(text);
    return sarama && !franz ? 'sarama' : franz && !sarama ? 'franz-go' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whose code a frame is: a module dependency (module cache path, or @version with -trimpath), the Go
 * runtime and standard library (GOROOT, or a relative path whose first segment has no dot with -trimpath),
 * or the service's own.
 */
export function frameOrigin(f: { fn: string; file?: string }): 'std' | 'dependency' | 'service' {
  const file = f.file ?? '';
  if (!file) return 'std';
  if (/\/pkg\/mod\/|@v\d/.test(file)) return 'dependency';
  if (/\/go\/src\/|\/libexec\/src\/|\/goroot\/src\//.test(file)) return 'std';
  if (!file.startsWith('/') && !file.split('/')[0]!.includes('.')) return 'std';
  return 'service';
}

const waiting = /^(chan (send|receive)|select|sync\.|semacquire|sleep)/;
const closing = /\.(Close|close|AsyncClose|Flush|LeaveGroup|LeaveGroupContext|leave|release|Shutdown)(\.func\d+)?$/;

/** Goroutines that wait where a shutdown can hang: in a Close first, then in the service's own code, then in a library. */
export function stuckGoroutines(text: string): StuckGoroutine[] {
  const dump = parseGoroutineDump(text);
  const ranked = dump.groups
    .filter((g) => g.state && waiting.test(g.state))
    .map((g) => {
      const origins = g.frames.map(frameOrigin);
      const kind: StuckGoroutine['kind'] = g.frames.some((f, i) => origins[i] !== 'std' && closing.test(f.fn))
        ? 'close'
        : origins.includes('service')
          ? 'service'
          : 'library';
      const service = g.frames.find((_, i) => origins[i] === 'service');
      const waitsIn = g.frames.find((_, i) => origins[i] !== 'std');
      return { g, kind, service, waitsIn };
    })
    .filter((x) => x.waitsIn);
  const rank = { close: 0, service: 1, library: 2 };
  return ranked
    .sort((a, b) => rank[a.kind] - rank[b.kind] || (b.g.waitMinutes ?? 0) - (a.g.waitMinutes ?? 0))
    .slice(0, 6)
    .map(({ g, kind, service, waitsIn }) => ({
      state: g.state!,
      minutes: g.waitMinutes ?? null,
      count: g.count,
      kind,
      waitsIn: { function: waitsIn!.fn, file: waitsIn!.file ?? '', line: waitsIn!.line ?? 0 },
      ...(service ? { serviceFrame: { function: service.fn, file: service.file ?? '', line: service.line ?? 0 } } : {}),
      frames: g.frames.slice(0, 16).map((f) => ({ function: f.fn, file: f.file ?? '', line: f.line ?? 0 })),
    }));
}

/** One run; a service kleak started is stopped (TERM, then KILL after 5 s) when the run fails before its signal. */
async function checkOnce(shared: Shared, request: ShutdownRequest, run: number, kafkaTopics: string[]): Promise<ShutdownRun> {
  const started: { child?: ChildProcess } = {};
  try {
    return await checkOnceIn(shared, request, run, kafkaTopics, started);
  } catch (error) {
    const child = started.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    throw error;
  }
}

async function checkOnceIn(
  shared: Shared,
  request: ShutdownRequest,
  run: number,
  kafkaTopics: string[],
  started: { child?: ChildProcess },
): Promise<ShutdownRun> {
  const notes: string[] = [];
  const sayStart = performance.now();
  const say = (line: string) => request.progress?.(`[${((performance.now() - sayStart) / 1000).toFixed(1)} s] ${line}`);
  let child: ChildProcess | undefined;
  let childExit: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  let pid: number;
  let command: string;
  // members listed before the service started are not its own (a member a previous run left behind)
  const before = new Map<string, Set<string>>();
  if (request.exec) {
    const known = request.groups.length ? request.groups : await listGroupIds(shared);
    for (const g of known) before.set(g, new Set((await describeMembers(shared, g).catch(() => ({ members: [] }))).members.map((m) => m.memberId)));
    mkdirSync(join(tmpdir(), 'kleak-shutdown'), { recursive: true });
    const logFile = join(tmpdir(), 'kleak-shutdown', `run-${process.pid}-${run}.log`);
    child = spawnService(request.exec.command, logFile);
    started.child = child;
    child.once('exit', (code, signal) => (childExit = { code, signal, at: performance.now() }));
    pid = child.pid!;
    command = request.exec.command;
    notes.push(`the service's output: ${logFile}`);
    const died = () => (childExit ? `The service exited during start-up (${childExit.code ?? childExit.signal}).\n${logTail(logFile)}` : undefined);
    const timeout = request.exec.readyTimeoutMs;
    say(`run ${run}: started PID ${pid}; waiting until it is ready`);
    const readySince = performance.now();
    if (request.exec.ready) {
      const ready = request.exec.ready;
      await until(
        `${ready} did not answer 2xx`,
        timeout,
        async () => ((await fetch(ready, { signal: AbortSignal.timeout(1000) })).ok ? true : undefined),
        died,
      );
    }
    await until('it opened no connection to a broker', timeout, () => ((brokerSockets(pid, shared.matcher)?.inodes.size ?? 0) > 0 ? true : undefined), died);
    for (const g of request.groups) {
      await until(
        `it did not join group ${g}`,
        timeout,
        async () => {
          const d = await describeMembers(shared, g);
          return d.state === 'Stable' && d.members.some((m) => !before.get(g)?.has(m.memberId)) ? true : undefined;
        },
        died,
      );
      // a consumer that has committed once is consuming: the final commit is then measurable
      await until(
        '',
        Math.min(timeout, 10_000),
        async () => (Object.values(await committedOffsets(shared.admin, g)).some((o) => o >= 0) ? true : undefined),
        died,
      ).catch(() => notes.push(`group ${g} had committed nothing before the signal`));
    }
    say(`run ${run}: ready after ${((performance.now() - readySince) / 1000).toFixed(1)} s`);
  } else {
    pid = request.pid!;
    command = (() => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
      } catch {
        return '';
      }
    })();
  }
  const stat0 = readProcStat(pid);
  if (!stat0 || stat0.state === 'Z')
    throw new InputError(`No process with PID ${pid} is running.`, { hint: 'Check the PID (ps -ef), or let kleak start the service with --exec.' });
  const sockets0 = brokerSockets(pid, shared.matcher);
  if (!sockets0) throw new InputError(`Cannot read /proc/${pid}/fd.`, { hint: 'Run kleak as the same user as the service, or as root.' });
  const comm = (() => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
    } catch {
      return '';
    }
  })();
  if (sockets0.inodes.size === 0) {
    notes.push(
      /^(sh|bash|dash|ash|busybox)$/.test(comm)
        ? `PID ${pid} is a shell (${comm}) with no broker connection: a shell running as PID 1 does not forward SIGTERM to the service it started (exec the service, or use an init such as tini); give the service's own PID`
        : 'the process had no connection to a broker at the signal',
    );
  }
  const goLibrary = goLibraryOf(pid);
  const runtime: ShutdownRun['runtime'] =
    goLibrary || isGoBinary(pid) ? 'go' : /^node/.test(comm) ? 'node' : /^java/.test(comm) ? 'java' : /^python/.test(comm) ? 'python' : 'unknown';
  // a JVM: kafka-clients by the jar it holds open or its client threads (read before the signal)
  const jvm = runtime === 'java' ? readJvm(pid, threadNames(pid)) : undefined;
  const jvmLibrary = jvm && (jvm.kafkaClients !== undefined || jvmClientTotal(jvm.threads) > 0);
  if (usesLibrdkafka(pid)) notes.push('the process has librdkafka loaded: its client closes outside what this check knows of the libraries');

  // the groups it is a member of
  const here = sockets0.localAddresses;
  const groupIds = request.groups.length ? request.groups : await listGroupIds(shared);
  if (!request.groups.length && !request.exec)
    notes.push(
      `groups were matched to PID ${pid} by its address (${[...here].join(', ')}): another process there would be counted with it; name the groups with --group`,
    );
  const groups: (ShutdownGroup & { memberIds: Set<string>; endAtSignal: Offsets })[] = [];
  for (const groupId of groupIds) {
    let d;
    try {
      d = await describeMembers(shared, groupId);
    } catch (error) {
      notes.push(`group ${groupId}: ${(error as Error).message}`);
      continue;
    }
    const ours = d.members.filter((m) => here.has(m.clientHost) && !before.get(groupId)?.has(m.memberId));
    if (ours.length === 0) {
      if (request.groups.length) notes.push(`group ${groupId} has no member from this process's addresses (${[...here].join(', ') || 'none'})`);
      continue;
    }
    const committed = await committedOffsets(shared.admin, groupId).catch((): Offsets => ({}));
    const topics = [...new Set(Object.keys(committed).map((k) => k.slice(0, k.lastIndexOf('/'))))];
    groups.push({
      groupId,
      members: ours,
      memberIds: new Set(ours.map((m) => m.memberId)),
      instanceIdsKnown: d.instanceIdsKnown,
      stillListedAfterExit: true,
      committedAtSignal: committed,
      committedAfterExit: committed,
      committedPartitions: 0,
      uncommittedAfterExit: 0,
      topics,
      problems: [],
      endAtSignal: await endOffsets(shared.admin, topics).catch(() => ({})),
    });
  }
  // the pprof endpoint is found before the signal (a process that is shutting down may close it)
  const pprofs = runtime === 'go' ? (request.pprof ? [request.pprof] : await pprofEndpoints(sockets0.listenPorts)) : [];
  const pprof = pprofs[0];
  const library: Library =
    (pprof ? await goLibraryFromStacks(pprof) : undefined) ??
    goLibrary ??
    groups.flatMap((g) => g.members.map((m) => defaultClientIds[m.clientId])).find(Boolean) ??
    (runtime === 'node' && !usesLibrdkafka(pid)
      ? 'kafkajs'
      : runtime === 'java' && jvmLibrary
        ? 'kafka-clients'
        : runtime === 'python'
          ? pythonLibraryOf(pid)
          : 'unknown');
  const session = sessionDefaults[library];
  for (const g of groups) {
    if (session) {
      g.sessionTimeoutMs = session.sessionMs;
      g.sessionTimeoutFrom = `${library}'s default`;
    }
  }

  // the producer side: end offsets of the topics, then requests with ids
  const driveEndAtStart = request.drive && kafkaTopics.length ? await endOffsets(shared.admin, kafkaTopics) : undefined;
  const runId = `kleak${randomBytes(4).toString('hex')}`;
  let drive: IdDrive | undefined;
  const base = performance.now();
  let t0 = base;
  const rel = (t: number) => Math.round(t - t0);
  const events: ShutdownEvent[] = [];
  if (request.drive && driveEndAtStart) {
    drive = startIdDrive({ ...request.drive, runId, now: () => performance.now() });
    await withinMs(drive.firstAccepted, 10_000);
    await sleep(request.drive.leadMs);
  }
  // the last reading before the signal
  for (const g of groups) {
    g.committedAtSignal = await committedOffsets(shared.admin, g.groupId).catch(() => g.committedAtSignal);
  }
  const stat = readProcStat(pid);
  if (!stat || stat.state === 'Z' || stat.startTime !== stat0.startTime) throw new InputError(`PID ${pid} exited before kleak sent the signal.`);
  const brokerInodes = brokerSockets(pid, shared.matcher)?.inodes ?? sockets0.inodes;
  t0 = performance.now();
  const signalAt = new Date().toISOString();
  process.kill(pid, request.signal);
  say(`run ${run}: sent ${request.signal} to PID ${pid}; watching for ${request.graceMs / 1000} s at most`);
  events.push({ kind: 'signal', atMs: 0, detail: `${request.signal} to PID ${pid}` });
  if (drive) events.push({ kind: 'drive-start', atMs: rel(base), detail: `requests with ids to ${request.drive!.url}` });

  // watching
  let exit: ShutdownExit = { exited: false, statusFrom: 'unknown' };
  let exitAt: number | undefined;
  const closedAt = new Map<number, number>();
  const budget = request.graceMs - request.prestopMs;
  const graceEnd = t0 + budget;
  let stopAt = graceEnd;
  const watchExit = async () => {
    for (;;) {
      const now = performance.now();
      if (childExit) {
        exitAt = childExit.at;
        exit = {
          exited: true,
          afterMs: rel(childExit.at),
          ...(childExit.code !== null ? { code: childExit.code } : {}),
          ...(childExit.signal ? { signal: childExit.signal } : {}),
          statusFrom: 'parent',
        };
        return;
      }
      if (!child) {
        const s = readProcStat(pid);
        if (!s || s.startTime !== stat0.startTime || s.state === 'Z' || s.state === 'X') {
          exitAt = now;
          const status = s && s.startTime === stat0.startTime && s.state === 'Z' ? decodeWaitStatus(s.exitCode) : undefined;
          exit = {
            exited: true,
            afterMs: rel(now),
            ...(status?.code !== undefined ? { code: status.code } : {}),
            ...(status?.signalNumber !== undefined ? { signal: signalName(status.signalNumber) } : {}),
            statusFrom: status ? 'proc-stat' : 'unknown',
          };
          if (!status)
            notes.push(
              `the exit status was not readable (kleak is not the parent of PID ${pid}, whose parent reaped it first): whether it handles ${request.signal} is not evaluated; --exec gives the exact status`,
            );
          return;
        }
      }
      if (now > stopAt) return;
      await sleep(15);
    }
  };
  const watchSockets = async () => {
    while (exitAt === undefined && performance.now() <= stopAt) {
      const now = socketInodes(pid);
      if (now) for (const inode of brokerInodes) if (!now.has(inode) && !closedAt.has(inode)) closedAt.set(inode, rel(performance.now()));
      await sleep(5);
    }
  };
  const settleMs = 1500;
  const watchGroups = async () => {
    for (;;) {
      const pending = groups.filter((g) => g.leftAtMs === undefined || g.commitAtMs === undefined);
      if (pending.length === 0) return;
      if (exitAt !== undefined && performance.now() > exitAt + settleMs) return;
      if (exitAt === undefined && performance.now() > stopAt) return;
      await Promise.all(
        pending.map(async (g) => {
          const at = performance.now();
          if (g.leftAtMs === undefined) {
            const d = await describeMembers(shared, g.groupId).catch(() => undefined);
            if (d && !d.members.some((m) => g.memberIds.has(m.memberId))) g.leftAtMs = rel(at);
            else if (d) g.lastSeenAtMs = rel(at);
          }
          if (g.commitAtMs === undefined) {
            const c = await committedOffsets(shared.admin, g.groupId).catch(() => undefined);
            if (c && movedPartitions(g.committedAtSignal, c) > 0) g.commitAtMs = rel(exitAt !== undefined ? Math.min(at, exitAt) : at);
            else if (c) g.lastUncommittedAtMs = rel(at);
          }
        }),
      );
      await sleep(100);
    }
  };
  // Go: a goroutine dump every second from +0.5 s, so that one exists even when the service closed its
  // HTTP server (and pprof with it) before the step that hangs
  let lastDump: { text: string; atMs: number; from: string } | undefined;
  const fetchDump = async () => {
    let failure: unknown;
    for (const base of pprofs) {
      try {
        const response = await fetch(`${base}/debug/pprof/goroutine?debug=2`, { signal: AbortSignal.timeout(5000) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        lastDump = { text: await response.text(), atMs: rel(performance.now()), from: base };
        return;
      } catch (error) {
        failure = error;
      }
    }
    throw failure;
  };
  const watchDumps = async () => {
    await sleep(500);
    while (pprof && exitAt === undefined && performance.now() < graceEnd) {
      await fetchDump().catch(() => {});
      await sleep(1000);
    }
  };
  const dumpWatch = watchDumps();
  // traffic still reaches a terminating pod for a while (endpoint removal runs beside the shutdown), not for ever
  const driveStop = drive && request.drive ? sleep(request.drive.trailMs).then(() => drive.stop()) : undefined;
  const groupWatch = watchGroups();
  const socketWatch = watchSockets();
  await watchExit();
  let stuck: StuckGoroutine[] | undefined;
  if (!exit.exited) {
    events.push({
      kind: 'grace-end',
      atMs: rel(graceEnd),
      detail: `the grace period (${budget / 1000} s${request.prestopMs ? ` after a ${request.prestopMs / 1000} s preStop` : ''}) ended with PID ${pid} alive`,
    });
    say(`run ${run}: PID ${pid} is still alive after ${budget / 1000} s`);
    if (pprof) {
      await dumpWatch;
      const failure = await fetchDump().then(
        () => undefined,
        (error: unknown) => (error as Error).message,
      );
      if (lastDump) {
        stuck = stuckGoroutines(lastDump.text);
        events.push({
          kind: 'goroutine-dump',
          atMs: lastDump.atMs,
          detail: `goroutine dump from ${lastDump.from}: ${stuck.length} waiting stack(s)${failure ? ` (the last one that answered: ${failure} at the end of the grace period)` : ''}`,
        });
      } else notes.push(`no goroutine dump from ${pprof} after the signal: ${failure}`);
    } else if (runtime === 'go') notes.push('no pprof endpoint answered: kleak cannot show where Close is stuck (--pprof URL)');
    if (request.killAfterMs !== undefined) {
      stopAt = performance.now() + request.killAfterMs;
      await watchExit();
      if (!exit.exited) {
        process.kill(pid, 'SIGKILL');
        events.push({ kind: 'kill', atMs: rel(performance.now()), detail: `SIGKILL after --kill-after ${request.killAfterMs / 1000} s` });
        stopAt = performance.now() + 5000;
        await watchExit();
        exit.killed = true;
      }
    } else {
      notes.push(`PID ${pid} was left running: kleak sends SIGKILL only with --kill-after`);
      child?.unref();
    }
  }
  await Promise.all([groupWatch, socketWatch, dumpWatch]);
  if (drive) await Promise.all([drive.stop(), driveStop]);

  // after exit
  say(`run ${run}: ${exit.exited ? `exited after ${exit.afterMs} ms` : 'still running'}; reading the groups' offsets`);
  for (const g of groups) {
    const d = await describeMembers(shared, g.groupId).catch(() => undefined);
    if (d) g.stillListedAfterExit = d.members.some((m) => g.memberIds.has(m.memberId));
    if (g.leftAtMs === undefined && d && !g.stillListedAfterExit) g.leftAtMs = rel(performance.now());
    g.leftWhileAlive = g.leftAtMs !== undefined && exitAt !== undefined ? g.leftAtMs < rel(exitAt) : g.leftAtMs !== undefined;
    g.committedAfterExit = await committedOffsets(shared.admin, g.groupId).catch(() => g.committedAtSignal);
    g.committedPartitions = movedPartitions(g.committedAtSignal, g.committedAfterExit);
    if (g.commitAtMs === undefined && g.committedPartitions > 0) g.commitAtMs = exitAt !== undefined ? rel(exitAt) : rel(performance.now());
    const endAfter = await endOffsets(shared.admin, g.topics).catch(() => g.endAtSignal);
    g.uncommittedAfterExit = uncommitted(endAfter, g.committedAfterExit);
    if (g.commitAtMs !== undefined)
      events.push({
        kind: 'commit',
        atMs: g.commitAtMs,
        detail: `group ${g.groupId}: ${g.committedPartitions} partition(s) committed, between +${g.lastUncommittedAtMs ?? 0} and +${g.commitAtMs} ms`,
      });
    if (g.leftAtMs !== undefined) {
      // the leave happened between the last poll that listed the member and the first that did not
      const after = g.lastSeenAtMs ?? 0;
      const exitMs = exitAt !== undefined ? rel(exitAt) : undefined;
      const atMs = exitMs !== undefined && after < exitMs && g.leftAtMs > exitMs ? exitMs : g.leftAtMs;
      events.push({
        kind: 'leave',
        atMs,
        detail: `group ${g.groupId}: member(s) ${g.members.map((m) => m.clientId).join(', ')} gone between +${after} and +${g.leftAtMs} ms`,
      });
    }
  }
  const closedWhileAlive = [...closedAt.values()].filter((at) => exitAt === undefined || at < rel(exitAt));
  const lastClosedAtMs = closedWhileAlive.length ? Math.max(...closedWhileAlive) : undefined;
  if (lastClosedAtMs !== undefined)
    events.push({
      kind: 'sockets-closed',
      atMs: lastClosedAtMs,
      detail: `${closedWhileAlive.length} of ${brokerInodes.size} broker socket(s) closed by the process`,
    });
  if (exit.exited) events.push({ kind: 'exit', atMs: exit.afterMs!, detail: exitText(exit) });

  let driveReport: ShutdownRun['drive'];
  if (drive && driveEndAtStart) {
    const endAfter = await endOffsets(shared.admin, kafkaTopics).catch(() => driveEndAtStart);
    const problems: string[] = [];
    say(`run ${run}: exited; reading ${kafkaTopics.join(', ')} back for ${drive.accepted.length} accepted ids`);
    const back = await readIds(shared.kafka, shared.admin, driveEndAtStart, endAfter, runId).catch((error: unknown) => {
      problems.push(`reading the topics back failed: ${(error as Error).message}`);
      return undefined;
    });
    if (back && !back.complete) problems.push('the read-back did not reach the end offsets in 20 s');
    const accepted = drive.accepted.map((a) => a.id);
    if (accepted.length === 0)
      problems.push(
        `no request was accepted (${drive.sent()} sent, ${drive.refused()} refused or failed): check --drive and --method; nothing could be lost, so the flush is not evaluated`,
      );
    const lostIds = back ? accepted.filter((id) => !back.found.has(id)) : [];
    driveReport = {
      url: request.drive!.url,
      method: request.drive!.method,
      ...(request.drive!.idHeader ? { idHeader: request.drive!.idHeader } : {}),
      topics: kafkaTopics,
      sent: drive.sent(),
      accepted: accepted.length,
      acceptedAfterSignal: drive.accepted.filter((a) => a.atMs >= t0).length,
      refused: drive.refused(),
      found: back ? accepted.filter((id) => back.found.has(id)).length : 0,
      lost: back?.complete ? lostIds.length : 0,
      lostIds: back?.complete ? lostIds.slice(0, 20) : [],
      duplicates: back ? [...back.found.values()].reduce((n, c) => n + Math.max(0, c - 1), 0) : 0,
      scanned: back?.scanned ?? 0,
      problems,
    };
  }
  return {
    run,
    pid,
    command,
    signal: request.signal,
    graceMs: request.graceMs,
    prestopMs: request.prestopMs,
    signalAt,
    exit,
    sockets: {
      atSignal: brokerInodes.size,
      closedWhileAlive: closedWhileAlive.length,
      openAtExit: brokerInodes.size - closedWhileAlive.length,
      ...(lastClosedAtMs !== undefined ? { lastClosedAtMs } : {}),
    },
    groups: groups.map(({ memberIds: _m, endAtSignal: _e, ...g }) => g),
    ...(driveReport ? { drive: driveReport } : {}),
    ...(stuck ? { stuck } : {}),
    library,
    runtime,
    // the expected order breaks ties (a commit and a leave seen in the same poll, or both only after exit)
    timeline: events.sort((a, b) => a.atMs - b.atMs || eventOrder.indexOf(a.kind) - eventOrder.indexOf(b.kind)),
    notes,
  };
}

const eventOrder: ShutdownEvent['kind'][] = ['drive-start', 'signal', 'commit', 'leave', 'sockets-closed', 'exit', 'grace-end', 'goroutine-dump', 'kill'];

const signalNames: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };
const signalName = (n: number) => signalNames[n] ?? `signal ${n}`;

export function exitText(exit: ShutdownExit): string {
  if (!exit.exited) return 'still running';
  const how = exit.signal ? `killed by ${exit.signal}` : exit.code !== undefined ? `exit status ${exit.code}` : 'exit status not readable';
  return `exited ${exit.afterMs} ms after the signal, ${how}`;
}

export async function readShutdown(request: ShutdownRequest): Promise<ShutdownEvidence> {
  const endpoints = await fetchClusterBrokers(request.bootstrap, request.connection);
  const { admin } = await connectAdmin({
    connection: { ...request.connection, bootstrap: request.bootstrap.map(hostPortText) },
    bootstrap: request.bootstrap,
    withConfig: false,
  });
  const kafkajs = await kafkajsModule();
  registerReadCodecs(kafkajs);
  const { Kafka, logLevel } = kafkajs;
  const kafka = new Kafka({ ...kafkaConfig({ ...request.connection, bootstrap: request.bootstrap.map(hostPortText) }), logLevel: logLevel.NOTHING });
  const describer = new MemberDescriber(request.bootstrap, request.connection);
  const shared: Shared = { admin, kafka, matcher: brokerMatcher(endpoints), ...(describer.usable ? { describer } : {}) };
  const runs: ShutdownRun[] = [];
  try {
    for (let run = 1; run <= (request.exec ? request.repeat : 1); run++) {
      const result = await checkOnce(shared, request, run, request.drive ? request.topics : []);
      runs.push(result);
      if (!result.exit.exited) break;
    }
  } finally {
    await describer.close();
    await admin.disconnect().catch(() => {});
  }
  return {
    runs,
    ...(request.drive
      ? request.topics.length
        ? {}
        : { producerNotEvaluated: '--drive was given without --topic: kleak does not know which topics to read the ids back from' }
      : { producerNotEvaluated: 'no --drive: kleak sent no requests, so nothing accepted could be checked for loss' }),
  };
}

export function collectShutdown(request: ShutdownRequest): Promise<CollectorResult<ShutdownEvidence>> {
  return collect(() => readShutdown(request));
}
