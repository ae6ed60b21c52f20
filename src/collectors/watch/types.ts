// The watch collector's evidence: samples over time, trends, and the change per driven request.
import type { Trend } from '../../stats/trend.js';
import type { Library } from '../../types.js';
import type { DriveOptions, DriveResult } from '../drive/types.js';
import type { JvmClientThreads, Runtime, SocketInventory, SocketsRequest } from '../process/types.js';

export type SamplePhase = 'watch' | 'warm-up' | 'baseline' | 'driving' | 'settling' | 'after';

export interface Metrics {
  fds: number;
  brokerEstablished: number;
  brokerSockets: number;
  brokerCloseWait: number;
  goroutines?: number;
  /** with --pprof: Kafka goroutines per "library/role" */
  goroutineRoles?: Record<string, number>;
  /** librdkafka-based clients (confluent-kafka-go, node-rdkafka): client instances, one "rdk:main" thread each */
  rdkafkaClients?: number;
  /** … and their threads to brokers learnt from metadata ("rdk:broker<id>"), one per client and broker */
  rdkafkaBrokerThreads?: number;
  /** JVM (kafka-clients): Kafka client threads in /proc/PID/task, one per client (producer, admin, consumer) */
  jvmClients?: number;
  /** … by kind */
  jvmClientKinds?: JvmClientThreads;
  /** JVM: epoll fds, one per java.nio Selector: one per Kafka client (of any kind) and one per other NIO selector */
  jvmSelectors?: number;
  /** JVM: the jvmstat counters java.threads.started (every thread the JVM ever started) and java.threads.live */
  jvmThreadsStarted?: number;
  jvmThreadsLive?: number;
}

/** The JVM fields of a sample, which are per process and not summed over processes in the per-process rows */
type JvmMetric = 'jvmClients' | 'jvmClientKinds' | 'jvmSelectors' | 'jvmThreadsStarted' | 'jvmThreadsLive';

export interface WatchSample extends Metrics {
  atMs: number;
  /** with --drive: requests answered so far (the warm-up's included) when the sample was taken */
  requests?: number;
  takenAt: string;
  phase: SamplePhase;
  processes: Array<{ pid: number } & Omit<Metrics, 'goroutines' | 'goroutineRoles' | 'rdkafkaClients' | 'rdkafkaBrokerThreads' | JvmMetric>>;
  /** TCP sockets that are not to brokers, by peer, summed over the processes */
  peers?: Record<string, number>;
}

export interface DrivePlan extends DriveOptions {
  /** requests sent before the baseline: what a healthy service opens once does not count */
  warmup: number;
  settleTimeoutMs: number;
  /** send rounds of requests and stop once the per-request slope is established (`requests` is then the upper bound) */
  adaptive?: {
    floor: number;
    roundSize: number;
    budgetMs: number;
    /** the concurrency the rounds start at (a warm-up that showed a slow endpoint starts them a round at once) */
    startConcurrency?: number;
  };
}

/** How an adaptive drive ended: after how many requests, and why. */
export interface AdaptiveStop {
  rounds: number;
  requests: number;
  /** slope established: the intervals decide the verdict (before the floor only when every rate's interval is clear) */
  reason: 'slope established' | 'upper bound' | 'time budget' | 'service stopped answering';
  /** the per-request rates each round measured, per metric */
  perRound: Record<string, number[]>;
  /** concurrency raised so that a slow endpoint still gives a verdict within the budget */
  concurrency: number;
}

/** A per-request rate's 95% interval over the rounds (Student's t), and the rounds it was taken over. */
export interface RateInterval {
  rate: number;
  low: number;
  high: number;
  /** the rounds the interval is over: the latest ones, once a leading transient (connections reaped mid-drive) was left out */
  rounds: number;
}

/**
 * How sure the drive's rates are: each per-request rate's 95% interval over the rounds, and what they decide
 * against the 0.5 threshold of client-per-request: one that stays (connections, goroutines, client threads) above
 * it, all below it and sockets opened above it (opened and closed per request), all below (no growth), or undecided.
 */
export interface DriveConfidence {
  level: 0.95;
  threshold: number;
  decision: 'grows per request' | 'opened and closed per request' | 'no growth' | 'undecided';
  /** the rate whose interval decided it (growth: the first above; otherwise the one nearest the threshold) */
  decidedBy?: string;
  intervals: Record<string, RateInterval>;
  rounds: number;
  requests: number;
  /** why the drive stopped: an adaptive drive's reason, or all the requests sent (--all-requests, or --requests at most the floor) */
  reason: AdaptiveStop['reason'] | 'all requests sent';
}

/** Sockets the process opened and closed from the baseline to the settled end of a drive (those open at the baseline excluded). */
export interface SocketChurn {
  pollMs: number;
  polls: number;
  durationMs: number;
  /** reads of the TCP tables that placed sockets by inode */
  tableReads: number;
  /** every socket of the process that appeared (TCP or not), and of those, the ones that went again */
  socketsOpened: number;
  socketsClosed: number;
  /** closed sockets no table read saw (gone within milliseconds): counted in the proportion of those placed */
  closedUnplaced: number;
  /** broker connections: still open (placed by inode) + closed (placed, and the unplaced in proportion) */
  brokerOpened: number;
  brokerClosed: number;
  brokerStillOpen: number;
  /** threads of the process that started during the drive (new ids in /proc/PID/task, listed every few milliseconds), and of those the ones that ended */
  threadsStarted?: number;
  threadsEnded?: number;
  medianLifetimeMs?: number;
  perRequest?: { opened: number; closed: number; stillOpen: number; threadsStarted?: number };
}

export interface GoroutineLifecycle {
  created: number;
  ended: number;
  left: number;
}

export interface DriveMeasurement {
  url: string;
  method: string;
  requests: number;
  concurrency: number;
  warmup: number;
  result: DriveResult;
  baseline: Metrics;
  after: Metrics;
  perRequest: {
    brokerEstablished: number;
    brokerSockets: number;
    fds: number;
    goroutines?: number;
    goroutineRoles?: Record<string, number>;
    rdkafkaClients?: number;
    rdkafkaBrokerThreads?: number;
    jvmClients?: number;
    jvmClientKinds?: JvmClientThreads;
    jvmSelectors?: number;
    /** threads the JVM started per request (a client built per request starts its thread, closed or not) */
    jvmThreadsStarted?: number;
    jvmThreadsLive?: number;
  };
  /**
   * with --pprof, per "library/role" and per request: goroutines created (the peak over the drive above the
   * baseline: a lower bound, since goroutines that start and end between two samples are not seen), ended after
   * the peak, and left once idle again
   */
  goroutineLifecycle?: Record<string, GoroutineLifecycle>;
  /** sockets to other peers that grew over the drive: not Kafka, but where to look next */
  otherPeers?: Array<{ peer: string; before: number; after: number; perRequest: number }>;
  settled: boolean;
  settleMs: number;
  /** broker sockets opened, closed and still open, counted by inode (a fast /proc poll during the drive) */
  churn?: SocketChurn;
  adaptive?: AdaptiveStop;
  /** the rates' intervals over the rounds and what they decide (every drive: adaptive or not) */
  confidence?: DriveConfidence;
}

export interface WatchResult {
  pids: number[];
  runtime: Runtime;
  libraries: Library[];
  /** the library versions read from the process (the JVM: the kafka-clients and spring-kafka jars it holds open) */
  versions?: Partial<Record<Library, string>>;
  brokerSource: SocketInventory['brokerSource'];
  fdLimit: number | null;
  intervalMs: number;
  /** the samples kept: all of a short watch, at most maxKeptSamples spread over a long one */
  samples: WatchSample[];
  /** every sample taken (printed as it was taken) */
  samplesTaken?: number;
  trends: { brokerEstablished: Trend; fds: Trend; goroutines?: Trend };
  drive?: DriveMeasurement;
  /** set when the target exited before the watch ended */
  exited?: { pid: number; afterMs: number; message: string };
  last: SocketInventory;
}

export interface WatchRequest {
  sockets: SocketsRequest;
  intervalMs: number;
  durationMs: number;
  drive?: DrivePlan;
  pprofUrl?: string;
  onSample?: (sample: WatchSample) => void;
  /** the bound on samples kept in memory (maxKeptSamples) */
  maxKeptSamples?: number;
}
