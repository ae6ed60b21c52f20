// kleak watch: samples a process's sockets (and goroutines) over time; with a driver, measures the
// change per request between a settled baseline after warm-up and a settled state after the requests.
import { InputError } from '../../errors.js';
import { failed, ok, type CollectorResult } from '../types.js';
import type { Library } from '../../types.js';
import { fetchGoroutineCount } from '../goruntime/fetch-goroutines.js';
import { readSocketInventory } from '../process/index.js';
import { readLibrdkafkaBinding, readRdkafkaThreads, type RdkafkaThreads } from '../process/librdkafka.js';
import { jvmClientTotal } from '../process/jvm.js';
import type { JvmLook, SocketInventory } from '../process/types.js';
import { measureDrive } from './measure-drive.js';
import { trackChurn } from './churn.js';
import type { DriveMeasurement, SamplePhase, WatchRequest, WatchResult, WatchSample } from './types.js';
import { classifyTrend } from '../../stats/trend.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The watch as a collector: a target that exits mid-watch fails it, with the samples before kept as partial evidence. */
export async function collectWatch(request: WatchRequest): Promise<CollectorResult<WatchResult>> {
  let result: WatchResult;
  try {
    result = await runWatch(request);
  } catch (error) {
    return failed(error);
  }
  if (!result.exited) return ok(result);
  const error = new InputError(
    `PID ${result.exited.pid} exited ${(result.exited.afterMs / 1000).toFixed(1)} s into the watch; ${result.samplesTaken ?? result.samples.length} samples were taken before it did (reported above).`,
    {
      hint: 'Watch a process that stays up, or a shorter --duration.',
    },
  );
  return failed(error, result);
}

/**
 * A long watch keeps at most this many samples in memory (every sample is printed as it is taken): past it, every
 * other one kept is dropped and from then on one in twice as many is kept, so a day at 1 s holds ~2,900 samples
 * spread over the day, and kleak's memory stays flat however long it watches.
 */
export const maxKeptSamples = 2880;

export async function runWatch(request: WatchRequest): Promise<WatchResult> {
  const started = Date.now();
  const samples: WatchSample[] = [];
  let taken = 0;
  let stride = 1;
  let latest: WatchSample | undefined;
  const libraries = new Set<Library>();
  let last: SocketInventory | undefined;
  let exited: WatchResult['exited'];
  let rdkafka: boolean | undefined;
  const versions: Partial<Record<Library, string>> = {};

  // requests answered so far, when driving: each sample notes it (the report draws the series against it)
  let answered = 0;
  const sample = async (phase: SamplePhase): Promise<WatchSample | undefined> => {
    if (exited) return undefined;
    const requestsAtStart = answered;
    let inventory: SocketInventory;
    try {
      inventory = await readSocketInventory({ ...request.sockets, usage: false, children: false });
    } catch (error) {
      if (error instanceof InputError && last) {
        exited = { pid: request.sockets.pids[0]!, afterMs: Date.now() - started, message: error.message };
        return undefined;
      }
      throw error;
    }
    let goroutines: number | undefined;
    let goroutineRoles: Record<string, number> | undefined;
    if (request.pprofUrl) {
      const count = await fetchGoroutineCount(request.pprofUrl).catch((error) => {
        if (last) return undefined; // the service went away mid-watch; the socket read will say so
        throw error;
      });
      goroutines = count?.total;
      goroutineRoles = count?.roles;
      for (const l of count?.libraries ?? []) libraries.add(l);
    }
    last = inventory;
    if (rdkafka === undefined) {
      // once, at the first sample: is this a librdkafka-based client (its threads are then counted every sample)
      const found = inventory.processes.map((p) => readLibrdkafkaBinding(p.pid, p.runtime)).find((l) => l !== undefined);
      rdkafka = found !== undefined;
      if (found) libraries.add(found);
    }
    let rdk: RdkafkaThreads | undefined;
    if (rdkafka) {
      rdk = { clients: 0, brokerThreads: 0, otherThreads: 0 };
      for (const p of inventory.processes) {
        const t = readRdkafkaThreads(p.pid);
        rdk.clients += t.clients;
        rdk.brokerThreads += t.brokerThreads;
      }
    }
    // Python: the client library its site-packages hold (kafka-python and aiokafka show no thread of their own)
    for (const p of inventory.processes) {
      if (p.runtime !== 'python') continue;
      for (const v of p.libraries ?? []) {
        if (v.library !== 'confluent-kafka-python' && v.library !== 'kafka-python' && v.library !== 'aiokafka') continue;
        libraries.add(v.library);
        versions[v.library] ??= v.version;
      }
    }
    // a JVM: its Kafka client threads by kind, its selectors and its jvmstat thread counters, every sample
    const jvms = inventory.processes.flatMap((p) => (p.jvm ? [p.jvm] : []));
    const jvm = jvms.length ? sumJvm(jvms) : undefined;
    for (const j of jvms) {
      if (j.kafkaClients || jvmClientTotal(j.threads) > 0) {
        libraries.add('kafka-clients');
        if (j.kafkaClients) versions['kafka-clients'] ??= j.kafkaClients;
      }
      if (j.springKafka) {
        libraries.add('spring-kafka');
        versions['spring-kafka'] ??= j.springKafka;
      }
    }
    const t = inventory.totals;
    const s: WatchSample = {
      atMs: Date.now() - started,
      takenAt: inventory.takenAt,
      phase,
      ...(request.drive ? { requests: requestsAtStart } : {}),
      fds: t.fds,
      brokerEstablished: t.brokerEstablished,
      brokerSockets: t.brokerSockets,
      brokerCloseWait: t.brokerCloseWait,
      ...(goroutines !== undefined ? { goroutines } : {}),
      ...(goroutineRoles ? { goroutineRoles } : {}),
      ...(rdk ? { rdkafkaClients: rdk.clients, rdkafkaBrokerThreads: rdk.brokerThreads } : {}),
      ...(jvm
        ? {
            jvmClients: jvmClientTotal(jvm.threads),
            jvmClientKinds: jvm.threads,
            jvmSelectors: jvm.selectors,
            ...(jvm.counters ? { jvmThreadsStarted: jvm.counters.started, jvmThreadsLive: jvm.counters.live } : {}),
          }
        : {}),
      processes: inventory.processes.map((p) => ({
        pid: p.pid,
        fds: p.totals.fds,
        brokerEstablished: p.totals.brokerEstablished,
        brokerSockets: p.totals.brokerSockets,
        brokerCloseWait: p.totals.brokerCloseWait,
      })),
      peers: sumPeers(inventory.processes.map((p) => p.peers ?? {})),
    };
    taken++;
    latest = s;
    if (request.drive || (taken - 1) % stride === 0) samples.push(s);
    if (!request.drive && samples.length > (request.maxKeptSamples ?? maxKeptSamples)) {
      const kept = samples.filter((_, i) => i % 2 === 0);
      samples.length = 0;
      samples.push(...kept);
      stride *= 2;
    }
    request.onSample?.(s);
    return s;
  };

  // Children are resolved once, so the set of processes stays the same across samples.
  if (request.sockets.children) {
    const tree = await readSocketInventory({ ...request.sockets, usage: false });
    request = { ...request, sockets: { ...request.sockets, pids: tree.processes.map((p) => p.pid), children: false } };
  }

  await sample(request.drive ? 'warm-up' : 'watch');
  let drive: DriveMeasurement | undefined;
  if (request.drive) {
    const { pids, endpoints } = request.sockets;
    drive = await measureDrive({ ...request.drive, onAnswered: () => answered++ }, sample, request.intervalMs, () => trackChurn(pids, endpoints));
  } else {
    const end = started + request.durationMs;
    while (!exited && Date.now() + request.intervalMs <= end + 5) {
      await sleep(Math.max(0, started + taken * request.intervalMs - Date.now()));
      await sample('watch');
    }
  }
  if (!last) throw new InputError('No sample could be taken.');
  if (latest && samples.at(-1) !== latest) samples.push(latest); // the trends end at the last sample taken
  const times = samples.map((s) => s.atMs);
  const withGoroutines = samples.filter((s) => s.goroutines !== undefined);
  const runtime = last.processes[0]?.runtime ?? 'unknown';
  return {
    pids: last.processes.map((p) => p.pid),
    runtime,
    libraries: [...libraries],
    ...(Object.keys(versions).length ? { versions } : {}),
    brokerSource: last.brokerSource,
    fdLimit: last.processes[0]?.totals.fdLimit ?? null,
    intervalMs: request.intervalMs,
    samples,
    samplesTaken: taken,
    trends: {
      brokerEstablished: classifyTrend(
        times,
        samples.map((s) => s.brokerEstablished),
      ),
      fds: classifyTrend(
        times,
        samples.map((s) => s.fds),
      ),
      ...(withGoroutines.length
        ? {
            goroutines: classifyTrend(
              withGoroutines.map((s) => s.atMs),
              withGoroutines.map((s) => s.goroutines!),
            ),
          }
        : {}),
    },
    ...(drive ? { drive } : {}),
    ...(exited ? { exited } : {}),
    last,
  };
}

function sumPeers(all: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const peers of all) for (const [k, v] of Object.entries(peers)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** The JVMs of a watch summed: client threads by kind, selectors, thread counters (when every JVM has them). */
function sumJvm(looks: JvmLook[]): JvmLook {
  const counters = looks.every((l) => l.counters)
    ? looks.reduce((a, l) => ({ started: a.started + l.counters!.started, live: a.live + l.counters!.live, daemon: a.daemon + l.counters!.daemon }), {
        started: 0,
        live: 0,
        daemon: 0,
      })
    : undefined;
  return {
    threads: {
      producers: looks.reduce((n, l) => n + l.threads.producers, 0),
      admins: looks.reduce((n, l) => n + l.threads.admins, 0),
      consumers: looks.reduce((n, l) => n + l.threads.consumers, 0),
      asyncConsumers: looks.reduce((n, l) => n + l.threads.asyncConsumers, 0),
    },
    selectors: looks.reduce((n, l) => n + l.selectors, 0),
    ...(counters ? { counters } : {}),
  };
}
