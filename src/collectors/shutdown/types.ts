// What the shutdown check observes around one signal: times are milliseconds after the signal.

export type ShutdownEventKind = 'drive-start' | 'signal' | 'commit' | 'leave' | 'sockets-closed' | 'exit' | 'grace-end' | 'goroutine-dump' | 'kill';

export interface ShutdownEvent {
  kind: ShutdownEventKind;
  /** milliseconds after the signal (negative before it) */
  atMs: number;
  detail: string;
}

export interface ShutdownExit {
  exited: boolean;
  /** signal → exit, when it exited */
  afterMs?: number;
  /** exit code, when it exited normally and kleak could read it */
  code?: number;
  /** the signal that ended it, when one did */
  signal?: string;
  /** how the status was read: kleak's own child, /proc/PID/stat field 52 while a zombie, or not at all */
  statusFrom: 'parent' | 'proc-stat' | 'unknown';
  killed?: boolean;
}

export interface ShutdownGroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
  /** group.instance.id: a static member (KIP-345) does not leave on close, by design */
  groupInstanceId: string | null;
}

export interface ShutdownGroup {
  groupId: string;
  /** the process's members at the signal (matched by client host and, with several processes there, by --group) */
  members: ShutdownGroupMember[];
  /** false when static membership could not be read (SASL listener: DescribeGroups v4 not spoken) */
  instanceIdsKnown: boolean;
  /** when the last of them left the group; undefined if they were still listed at the end */
  leftAtMs?: number;
  /** the last poll that still listed the member (the leave happened after it) */
  lastSeenAtMs?: number;
  leftWhileAlive?: boolean;
  /** still listed after the process exited (the last describe) */
  stillListedAfterExit: boolean;
  /** the session timeout the coordinator will wait out, from the library's default when not readable */
  sessionTimeoutMs?: number;
  sessionTimeoutFrom?: string;
  /** committed offsets at the signal and after exit, per "topic/partition" */
  committedAtSignal: Record<string, number>;
  committedAfterExit: Record<string, number>;
  /** the first poll in [signal, exit] that saw a committed offset move (capped at the exit) */
  commitAtMs?: number;
  /** the last poll that saw no committed offset move (the commit landed after it) */
  lastUncommittedAtMs?: number;
  /** partitions whose committed offset moved in the window */
  committedPartitions: number;
  /** end offset at exit − committed after exit, summed over the group's partitions */
  uncommittedAfterExit: number;
  /** the group's topics */
  topics: string[];
  problems: string[];
}

export interface ShutdownDrive {
  url: string;
  method: string;
  idHeader?: string;
  topics: string[];
  sent: number;
  /** ids kleak got a 2xx for */
  accepted: number;
  acceptedAfterSignal: number;
  refused: number;
  found: number;
  /** accepted but not in the topics after exit */
  lost: number;
  lostIds: string[];
  duplicates: number;
  /** messages read back from the recorded offsets to the end */
  scanned: number;
  problems: string[];
}

export interface GoFrameAt {
  function: string;
  file: string;
  line: number;
}

export interface StuckGoroutine {
  state: string;
  minutes: number | null;
  count: number;
  /** waiting inside a Close/Flush/leave, in the service's own code, or only in a library */
  kind: 'close' | 'service' | 'library';
  /** the first frame that is not the Go runtime or standard library: where it waits */
  waitsIn: GoFrameAt;
  /** the innermost frame of the service's own code */
  serviceFrame?: GoFrameAt;
  /** the topmost frames (function and file:line) */
  frames: GoFrameAt[];
}

export interface ShutdownSockets {
  /** broker sockets at the signal */
  atSignal: number;
  /** of those, closed (gone from /proc/PID/fd) while the process was still alive */
  closedWhileAlive: number;
  /** still open when the process exited (or at the end, when it did not) */
  openAtExit: number;
  lastClosedAtMs?: number;
}

export interface ShutdownRun {
  /** 1-based, with --repeat */
  run: number;
  pid: number;
  command: string;
  signal: string;
  graceMs: number;
  prestopMs: number;
  /** wall clock of the signal */
  signalAt: string;
  exit: ShutdownExit;
  sockets: ShutdownSockets;
  groups: ShutdownGroup[];
  drive?: ShutdownDrive;
  /** goroutines waiting, from the Go pprof endpoint when the grace ran out */
  stuck?: StuckGoroutine[];
  /** the libraries the process was seen to use (member client ids, runtime) */
  library: 'sarama' | 'franz-go' | 'kafkajs' | 'kafka-clients' | 'confluent-kafka-python' | 'kafka-python' | 'aiokafka' | 'unknown';
  runtime: 'go' | 'node' | 'java' | 'python' | 'unknown';
  timeline: ShutdownEvent[];
  notes: string[];
}

export interface ShutdownEvidence {
  runs: ShutdownRun[];
  /** the producer side was not evaluated (no --drive, or no --topic) */
  producerNotEvaluated?: string;
}
