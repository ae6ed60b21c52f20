#!/usr/bin/env node
// Builds kleak's advisory database, advisories/<ID>.json (OSV 1.6.0, one file per known bug) and
// advisories/index.json, from the master table of the known-bugs reference (../shared/reference/known-bugs.md,
// beside the repository) plus the maps below: each bug's runtime signature, and the few corrections to the
// reference. The output is committed, so kleak works without the reference; rebuilding gives the same bytes
// (fixed dates, fixed key order, prettier's formatting with the repository's configuration).
//
//   node scripts/build-advisories.mjs [--reference PATH] [--out DIR]
//
// How the table becomes OSV:
// * Packages. sarama is two Go modules: github.com/Shopify/sarama (up to 1.38.1) and github.com/IBM/sarama (from
//   1.40.0; there is no 1.39). confluent-kafka-go is github.com/confluentinc/confluent-kafka-go below 2.0.0 and
//   .../v2 from 2.0.0. A bug gets one affected entry per module whose version space its range touches; a range
//   that is fixed only in the later module leaves the earlier one with no "fixed" event (every version of that
//   path is affected). librdkafka is ecosystem ConanCenter (OSV has none better for a C library); its rows are
//   not copied into the bindings, kleak applies them to the bundled librdkafka itself. Go and npm ranges are
//   SEMVER without a leading "v"; Maven, PyPI and ConanCenter ranges are ECOSYSTEM.
// * Start. "< X", "≤ X" and an unknown start give introduced "0"; "A – B" gives introduced A; a single version
//   gives that version; "reported on V" (the reference's convention: the reporter's version is the known start)
//   gives V; "all 0.4.x" and "0.7.x" give 0.4.0 and 0.7.0.
// * Fixes. "open / none" bugs have only the introduced event and database_specific.kleak.fixed null. Several
//   fix versions ("2.1.1 / 2.2.0", "3.0.1 / 3.1.1 / 3.2.0") are fixes on several release lines, and go into one
//   range as pairs (OSV: a version is affected when the nearest event at or below it is an "introduced"):
//   introduced 0, fixed 3.0.1, then for each later fix that is a patch release of a newer line, introduced
//   <that line>.0 (released before the backport, so without it), fixed <the patch>. A later fix that is the first
//   release of its line (3.2.0, 2.2.0, 0.11.0.0) needs no pair: everything from the first fix up to it is
//   either on the first fix's line at or above the fix, or fixed itself. So "3.0.1 / 3.1.1 / 3.2.0" is
//   [introduced 0, fixed 3.0.1, introduced 3.1.0, fixed 3.1.1]: 3.0.2 fixed, 3.1.0 affected, 3.2.0 fixed.
//   database_specific.kleak.fixed is one version, the last "fixed" event of the library's own packages: the
//   lowest version from which every later one is fixed (3.1.1 above), so a safe upgrade target for any affected
//   version; details keep the reference's "Fixed in" text with every line.
// * Signature (database_specific.kleak.signature): what kleak can see at runtime when the bug bites, from the
//   table's "How a tool can observe it" column. Go function names are as a pprof dump prints them after the
//   last "/" (kleak matches by suffix); thread regexes match the names in /proc/PID/task/*/comm (15 bytes, so
//   Java's "kafka-coordinator-heartbeat-thread | g" is "kafka-coordinat"); heapClasses are Java classes or V8
//   constructor names. A signature with only growsWith (and a threshold note) means process memory (RSS)
//   growing with that load with no named object to point at (native memory, Python objects). A bug whose only
//   evidence is logs, or something kleak can't see from outside (a Java stack frame, a JMX metric, a broker
//   metric, an fd kind, CPU), has "signature": {} and "observable": false.
import { readFileSync, writeFileSync, mkdirSync, readdirSync, unlinkSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATE = '2026-12-04T00:00:00Z';
const SCHEMA_VERSION = '1.6.0';

// ---------------------------------------------------------------------------------------------------------
// Libraries: the table's Library column → OSV packages, the GitHub repository its #numbers refer to, and the
// changelog a "CHANGELOG" reference points at.
// ---------------------------------------------------------------------------------------------------------
const go = (name, space = {}) => ({ ecosystem: 'Go', name, purl: `pkg:golang/${name}`, type: 'SEMVER', ...space });
const npm = (name) => ({ ecosystem: 'npm', name, purl: `pkg:npm/${name.replace('@', '%40')}`, type: 'SEMVER' });
const pypi = (name) => ({ ecosystem: 'PyPI', name, purl: `pkg:pypi/${name}`, type: 'ECOSYSTEM' });

const LIBRARIES = {
  sarama: {
    repo: 'IBM/sarama',
    changelog: 'CHANGELOG.md',
    packages: [go('github.com/Shopify/sarama', { below: '1.40.0' }), go('github.com/IBM/sarama', { from: '1.40.0' })],
  },
  'franz-go': { repo: 'twmb/franz-go', changelog: 'CHANGELOG.md', packages: [go('github.com/twmb/franz-go')] },
  'kafka-go': { repo: 'segmentio/kafka-go', packages: [go('github.com/segmentio/kafka-go')] },
  'confluent-kafka-go': {
    repo: 'confluentinc/confluent-kafka-go',
    changelog: 'CHANGELOG.md',
    packages: [go('github.com/confluentinc/confluent-kafka-go', { below: '2.0.0' }), go('github.com/confluentinc/confluent-kafka-go/v2', { from: '2.0.0' })],
  },
  kafkajs: { repo: 'tulios/kafkajs', changelog: 'CHANGELOG.md', packages: [npm('kafkajs')] },
  'node-rdkafka': { repo: 'Blizzard/node-rdkafka', packages: [npm('node-rdkafka')] },
  'confluent-kafka-javascript': {
    repo: 'confluentinc/confluent-kafka-javascript',
    changelog: 'CHANGELOG.md',
    packages: [npm('@confluentinc/kafka-javascript')],
  },
  librdkafka: {
    repo: 'confluentinc/librdkafka',
    changelog: 'CHANGELOG.md',
    packages: [{ ecosystem: 'ConanCenter', name: 'librdkafka', purl: 'pkg:conan/librdkafka', type: 'ECOSYSTEM' }],
  },
  'kafka-clients': {
    repo: 'apache/kafka',
    packages: [{ ecosystem: 'Maven', name: 'org.apache.kafka:kafka-clients', purl: 'pkg:maven/org.apache.kafka/kafka-clients', type: 'ECOSYSTEM' }],
  },
  'confluent-kafka-python': { repo: 'confluentinc/confluent-kafka-python', changelog: 'CHANGELOG.md', packages: [pypi('confluent-kafka')] },
  'kafka-python': { repo: 'dpkp/kafka-python', changelog: 'CHANGES.md', packages: [pypi('kafka-python')] },
  aiokafka: { repo: 'aio-libs/aiokafka', changelog: 'CHANGES.rst', packages: [pypi('aiokafka')] },
};

// the rows of the reference's "Identifying the library version at runtime" table, by its Library cell
const IDENTIFY_ROWS = {
  sarama: 'sarama',
  'franz-go': 'franz-go',
  'kafka-go': 'kafka-go',
  'confluent-kafka-go': 'confluent-kafka-go',
  librdkafka: 'librdkafka',
  kafkajs: 'kafkajs',
  'node-rdkafka': 'node-rdkafka / @confluentinc/kafka-javascript',
  'confluent-kafka-javascript': 'node-rdkafka / @confluentinc/kafka-javascript',
  'kafka-clients': 'Java kafka-clients',
  'confluent-kafka-python': 'confluent-kafka-python',
  'kafka-python': 'kafka-python',
  aiokafka: 'aiokafka',
};

const CONFIDENCE = {
  H: 'fix version stated in a changelog or release note',
  'H-tag': 'fix version proven by tag containment of the fix commit, not itemised in a changelog',
  M: 'the fix is real but the affected range or the symptom mapping is partly inferred',
  L: 'reported bug with no merged fix found, or uncertain linkage',
};

// ---------------------------------------------------------------------------------------------------------
// Corrections to the reference, each with its reason. introduced / fixed replace what the table's Affected /
// Fixed cells would give; extraPackages add affected entries; references add links the cells only hint at.
// ---------------------------------------------------------------------------------------------------------
const CORRECTIONS = {
  // "after 2.14.0 (threaded consume loop)" names no release: the threaded consume loop (commit d521e0f) is
  // first in tag v2.14.3 (v2.14.0 to v2.14.2 do not contain it).
  'NRK-05': { introduced: '2.14.3', note: 'The threaded consume loop (commit d521e0f) is first in v2.14.3; "after 2.14.0" is read as 2.14.3.' },
  // "1.x" is not a version, and the bugs it cites (#238, #423) were reported on 0.8/0.9: the start is unknown.
  'RDK-15': { introduced: '0', note: 'The reference reads "1.x – 2.9.x", but issues #238 and #423 predate 1.0, so the start is taken as unknown.' },
  // "1.6.0 / 1.6.1" are not two release lines: 1.6.0 has one of the two fixes (20064f5), 1.6.1 the other
  // (d71308f), and the affected range is "< 1.6.1".
  'RDK-09': { fixed: ['1.6.1'], note: '1.6.0 carries only one of the two fixes (commit 20064f5); the leak is gone from 1.6.1 (commit d71308f).' },
  // v0.5.0 was tagged but never released (its CHANGELOG: "v0.5.0 was not released because of the bug mentioned
  // in v0.5.1 section"); v0.5.1 was released with the fix.
  'CKJS-03': { fixed: ['0.5.1'], note: 'v0.5.0 was tagged but never released (see its CHANGELOG); the first release with the fix is v0.5.1.' },
  // The Kerberos mechanism is its own module; its Close (AsMechanismWithClose) arrived in its v1.1.0, and
  // franz-go calls a mechanism's Close from v1.7.0: either one too old keeps the leak.
  'FRZ-09': {
    extraPackages: [{ ...go('github.com/twmb/franz-go/pkg/sasl/kerberos'), events: [{ introduced: '0' }, { fixed: '1.1.0' }] }],
    note: 'Two modules: github.com/twmb/franz-go below 1.7.0, or github.com/twmb/franz-go/pkg/sasl/kerberos below 1.1.0 (the fix there is opt-in: AsMechanismWithClose).',
  },
  // commit 13453eb is the pull request's branch commit; the merge that the tags contain is a3bd32e
  'KGO-01': { references: [{ type: 'FIX', url: 'https://github.com/segmentio/kafka-go/commit/a3bd32e' }] },
  // "(1024)" in the CHANGES entry is the pull request number
  'KPY-04': { references: [{ type: 'FIX', url: 'https://github.com/dpkp/kafka-python/pull/1024' }] },
  // the Fixed cell names a pull request that was closed unmerged
  'RDK-16': { references: [{ type: 'WEB', url: 'https://github.com/confluentinc/librdkafka/pull/5562' }] },
  // the Affected cell names the 2.0 and 1.1 backports (no 2.0.2 or 1.1.2 was ever released)
  'JAVA-12': {
    references: [
      { type: 'FIX', url: 'https://github.com/apache/kafka/pull/5980' },
      { type: 'FIX', url: 'https://github.com/apache/kafka/pull/5981' },
    ],
  },
};

// one-line summaries where the symptom's first sentence is over 120 characters or reads badly alone
const SUMMARIES = {
  'AIO-03': 'aiokafka: an idle consumer polling getmany(timeout_ms>0) accumulates un-cancelled fetch-waiter futures',
  'AIO-05': 'aiokafka: a failure during start() leaves an unclosed AIOKafkaConnection (socket leak)',
  'CKG-01': 'confluent-kafka-go: every GetMetadata call leaks the C metadata struct; RSS grows, Go heap flat',
  'CKG-03': 'confluent-kafka-go: config C strings never freed; memory grows as clients are created and destroyed',
  'CKG-05': 'confluent-kafka-go: with an unread delivery-report channel the poller misses termination, so Close can stall',
  'CKG-06': 'confluent-kafka-go: Producer.Close() blocks long in rd_kafka_destroy after rapid create/close with messages in flight',
  'CKJS-03': 'confluent-kafka-javascript: promisified consumer leaves losing Promise.race promises unresolved; memory grows',
  'CKP-06': 'confluent-kafka-python: poll(), consume() and flush() block and ignore SIGINT, so graceful shutdown hangs',
  'CKP-07': 'confluent-kafka-python: produce() with headers leaks the header buffer when it raises (queue full or closed)',
  'FRZ-02': 'franz-go: seed-broker objects are not stopped on Client.Close',
  'FRZ-03': 'franz-go: a fetch buffered at close keeps an internal goroutine alive; recreated consumers accumulate memory',
  'FRZ-05': 'franz-go: closing a consuming client leaves its incremental fetch sessions taken on the broker',
  'FRZ-07': 'franz-go: pooled decompression slices leak for batches that keep no records (WithPools only)',
  'JAVA-04': 'kafka-clients: batches not released after TOPIC_AUTHORIZATION_FAILED; the buffer pool fills and send() blocks',
  'JAVA-09': 'kafka-clients: JmxReporter keeps empty MBean map entries after metrics are removed; heap grows with metric churn',
  'JAVA-12': 'kafka-clients: Metrics keeps removed child sensors reachable, so the heap grows',
  'JAVA-13': 'kafka-clients: commitTransaction/abortTransaction can block indefinitely; close during a commit strands it',
  'KGO-02': 'kafka-go: zstd decoders evicted from a sync.Pool keep their goroutines; goroutines and memory climb under load',
  'KGO-03': 'kafka-go: zstd decoder leak re-introduced in the 0.4 codec: pooled decoders never closed, readers retained',
  'KGO-05': 'kafka-go: a Writer, Reader or Client with its own Transport leaves pool goroutines and sockets alive after Close',
  'KJS-02': 'kafkajs: an acks=0 request queued behind max in-flight never completes and stays in the request queue',
  'KPY-11': 'kafka-python: on a locally initiated close, IO coroutines stay parked forever; producer shutdown can stall',
  'NRK-01': "node-rdkafka: setPollInterval re-arms on 'disconnected'; each connect/disconnect cycle leaves a listener and interval",
  'NRK-02': 'node-rdkafka: producers and consumers never garbage-collected after disconnect() (native code holds JS callbacks)',
  'NRK-05': 'node-rdkafka: consumer disconnect leaves the consume-loop worker thread running; the process does not exit',
  'NRK-06': 'node-rdkafka: native rdk:* threads stay after consumer disconnect, capping how many consumers can be created',
  'RDK-01': 'librdkafka: 0.11.0 consumers use excessive memory and bandwidth (only the first MessageSet of a fetch is read)',
  'RDK-06': 'librdkafka: deleting a C++ KafkaConsumer without close() never destroys the instance; threads and sockets stay',
  'RDK-07': "librdkafka: a broker socket is closed twice when a custom socket_cb errors; another thread's fd can be closed",
  'RDK-14': 'librdkafka: rd_kafka_destroy blocks forever if a partition was removed while being consumed',
  'RDK-15': 'librdkafka: brokers that leave the metadata keep their threads and connection attempts forever',
  'RDK-16': 'librdkafka: when a broker thread cannot be created, its two wake-up pipe fds leak (leading to EMFILE)',
  'SAR-02': 'sarama: each MaxProcessingTime overrun leaves an unstopped ticker behind; timer count and CPU creep up',
  'SAR-04': 'sarama: memory grows with repeated Broker Open/Close, the registered metric names list is never reset',
  'SAR-08': 'sarama: idempotent AsyncProducer batch retries leak broker-producer goroutines (ref count never decremented)',
  'SAR-10': 'sarama: with Producer.Flush.Frequency set, time.After timers pile up under high throughput (Go < 1.23)',
  'SAR-11': 'sarama: producer, consumer and group metrics never unregistered on Close; client churn grows the heap',
  'SAR-13': 'sarama: after a TCP reset the cached broker connection is never dropped; every request fails until restart',
  'SAR-14': 'sarama: sockets whose connection errored are never closed and sit in TCP_CLOSE indefinitely',
  'SAR-15': 'sarama: consumer goroutines leak when a brokerConsumer aborts while partition consumers shut down',
};

// ---------------------------------------------------------------------------------------------------------
// Runtime signatures, by id (see the header). Keys: goroutines, heapFunctions, threads, socketStates,
// heapClasses, growsWith, threshold; NONE marks a bug kleak cannot see from outside.
// ---------------------------------------------------------------------------------------------------------
const NONE = Symbol('not observable');
const RDK_THREADS = ['^rdk:main$', '^rdk:broker-?\\d+$'];
// go-metrics (rcrowley/go-metrics, as sarama pins it): a meter is a StandardMeter (plus its MeterSnapshot) and
// three StandardEWMAs, held by the package's global arbiter until stopped; a histogram is a StandardHistogram
// over an ExpDecaySample whose heap slice holds 1028 samples
const GO_METRICS_METER = ['metrics.newStandardMeter', 'metrics.NewEWMA', 'metrics.NewEWMA1', 'metrics.NewEWMA5', 'metrics.NewEWMA15', 'metrics.NewMeter'];
// Histograms are not kept by go-metrics' arbiter: a live client's own (hundreds of kilobytes of samples) are normal,
// so heap signatures name the meters, which only a leak keeps; the histograms stay in the details.

const SIGNATURES = {
  // sarama
  'SAR-01': {
    heapFunctions: [...GO_METRICS_METER, 'sarama.getOrRegisterBrokerMeter'],
    growsWith: 'reconnects',
    threshold: 'go-metrics objects grow per broker connection opened and closed; registry names "...-for-broker-N"',
  },
  'SAR-02': {
    // time.NewTicker under responseFeeder: every other allocation under responseFeeder is the messages themselves
    heapFunctions: ['time.NewTicker'],
    growsWith: 'requests',
    threshold: 'one unstopped ticker per MaxProcessingTime overrun',
  },
  'SAR-03': {
    goroutines: ['sarama.(*brokerProducer).run'],
    growsWith: 'reconnects',
    threshold: '(*brokerProducer).run goroutines well above the broker count, idle in select for hundreds of minutes',
  },
  'SAR-04': {
    heapFunctions: ['sarama.(*Broker).registerMetrics', 'sarama.(*Broker).registerMeter', ...GO_METRICS_METER],
    growsWith: 'reconnects',
    threshold: 'grows with each Broker Open/Close cycle',
  },
  'SAR-05': {
    heapFunctions: ['sarama.(*Broker).registerMetrics', 'sarama.(*Broker).registerMeter', 'sarama.(*Broker).registerHistogram'],
    growsWith: 'reconnects',
    threshold: 'allocations under registerMetrics although metrics.UseNilMetrics is true',
  },
  'SAR-06': {
    goroutines: ['sarama.(*Broker).responseReceiver'],
    socketStates: ['ESTABLISHED'],
    growsWith: 'reconnects',
    threshold: 'one extra responseReceiver and one ESTABLISHED socket to an old seed address per Client.RefreshBrokers call',
  },
  'SAR-07': {
    goroutines: ['sarama.(*Broker).responseReceiver'],
    socketStates: ['ESTABLISHED'],
    growsWith: 'reconnects',
    threshold: 'one extra responseReceiver and socket per controller refresh',
  },
  'SAR-08': {
    goroutines: ['sarama.(*brokerProducer).run', 'sarama.(*asyncProducer).newBrokerProducer.func1', 'sarama.(*asyncProducer).newBrokerProducer.func2'],
    growsWith: 'requests',
    threshold: 'broker-producer goroutines grow after batch retries of an idempotent producer',
  },
  'SAR-09': {
    heapFunctions: ['sarama.(*Broker).registerMetrics', 'sarama.(*Broker).registerMeter', 'sarama.(*Broker).registerHistogram'],
    growsWith: 'reconnects',
    threshold: 'grows while SASL/authentication keeps failing',
  },
  'SAR-10': {
    // the timers themselves: every message batch is allocated under brokerProducer.run too
    heapFunctions: ['time.After', 'time.NewTimer'],
    growsWith: 'requests',
    threshold: 'timers pile up with Producer.Flush.Frequency set; matters on Go < 1.23',
  },
  'SAR-11': {
    heapFunctions: [...GO_METRICS_METER, 'metrics.GetOrRegisterMeter', 'sarama.getOrRegisterTopicMeter'],
    growsWith: 'client-churn',
    threshold:
      'in-use space under metrics.newStandardMeter / metrics.NewEWMA grows with every producer, consumer or group created and closed (the go-metrics arbiter keeps each meter); histograms grow too when the registry outlives the client. One metrics.(*meterArbiter).tick goroutine per process is normal',
  },
  'SAR-12': {
    goroutines: ['sarama.(*consumerGroup).Close', 'sarama.(*consumerGroup).leave'],
    threshold: 'a goroutine stuck in Close → leave → sync.(*Mutex).Lock: a shutdown hang',
  },
  'SAR-13': NONE,
  'SAR-14': {
    socketStates: ['CLOSE'],
    growsWith: 'reconnects',
    threshold: 'sockets in TCP_CLOSE held open by the process; fd count grows across network resets',
  },
  'SAR-15': {
    goroutines: ['sarama.(*brokerConsumer).subscriptionManager', 'sarama.(*partitionConsumer).dispatcher', 'sarama.(*consumerGroupClaim).waitClosed'],
    growsWith: 'reconnects',
    threshold: 'goroutines parked sending on bc.input / child.trigger, growing as broker consumers abort (broker errors, rebalances)',
  },
  'SAR-16': {
    goroutines: [
      'sarama.(*partitionProducer).dispatch',
      'sarama.(*asyncProducer).newBrokerProducer.func1',
      'sarama.(*asyncProducer).newBrokerProducer.func2',
      'sarama.(*brokerProducer).run',
    ],
    threshold: 'producer goroutines in the thousands',
  },
  // franz-go
  'FRZ-01': { socketStates: ['CLOSE_WAIT'], growsWith: 'time', threshold: 'idle connections to broker ports the broker closed' },
  'FRZ-02': { goroutines: ['kgo.(*broker).handleReqs'], growsWith: 'client-churn', threshold: 'seed-broker goroutines left after Client.Close' },
  'FRZ-03': { goroutines: ['kgo.(*consumerSession).manageFetchConcurrency'], growsWith: 'client-churn', threshold: 'alive after Client.Close' },
  'FRZ-04': { goroutines: ['kgo.(*brokerCxn).discard'], growsWith: 'reconnects', threshold: 'one per acks=0 produce connection, never exiting' },
  'FRZ-05': NONE,
  'FRZ-06': {
    socketStates: ['CLOSE', 'CLOSE_WAIT'],
    growsWith: 'reconnects',
    threshold: 'one abandoned socket per ApiVersions connection-reset retry (Azure Event Hubs)',
  },
  'FRZ-07': {
    heapFunctions: ['kgo.(*decompressor).Decompress'],
    growsWith: 'requests',
    threshold: 'only with WithPools(PoolDecompressBytes); batches that keep no records',
  },
  'FRZ-08': { goroutines: ['kgo.(*Client).Flush'], threshold: 'Flush blocked after Close: a shutdown hang' },
  'FRZ-09': {
    goroutines: ['client.(*Client).enableAutoSessionRenewal.func1'],
    growsWith: 'client-churn',
    threshold: 'gokrb5 client goroutines left after Close',
  },
  // kafka-go
  'KGO-01': {
    goroutines: ['kafka.(*Dialer).LookupPartition.func1'],
    growsWith: 'requests',
    threshold: 'retry goroutine keeps looping after its context was cancelled',
  },
  'KGO-02': { goroutines: ['zstd.(*blockDec).startDecoder'], growsWith: 'requests', threshold: 'zstd decoder goroutines climbing under load' },
  'KGO-03': {
    goroutines: ['zstd.(*blockDec).startDecoder'],
    heapFunctions: ['zstd.NewReader'],
    growsWith: 'requests',
    threshold: 'zstd decoder goroutines and decoder heap climbing',
  },
  'KGO-04': {
    goroutines: ['kafka.(*connPool).discover'],
    growsWith: 'client-churn',
    threshold: 'discover goroutine and periodic metadata traffic after Writer.Close',
  },
  'KGO-05': {
    goroutines: ['kafka.(*connPool).discover', 'kafka.(*conn).run'],
    socketStates: ['ESTABLISHED'],
    growsWith: 'client-churn',
    threshold:
      'one (*connPool).discover per Transport and one (*conn).run per open connection, per Writer/Reader/Client built with its own Transport and never CloseIdleConnections()-ed; a Writer per request makes them grow with requests',
  },
  'KGO-06': { goroutines: ['kafka.(*Reader).unsubscribe', 'kafka.(*ConsumerGroup).Close'], threshold: 'waiting on a sync.WaitGroup: a close hang' },
  // confluent-kafka-go
  'CKG-01': { growsWith: 'requests', threshold: 'RSS grows while the Go heap stays flat; follows GetMetadata calls' },
  'CKG-02': { growsWith: 'requests', threshold: 'RSS grows with the Go heap flat, only when messages carry headers' },
  'CKG-03': { growsWith: 'client-churn', threshold: 'C heap / RSS grows per NewProducer, NewConsumer or NewAdminClient' },
  'CKG-04': { growsWith: 'time', threshold: 'RSS growth with go.logs.channel.enable=true' },
  'CKG-05': { goroutines: ['kafka.(*handle).eventPoll'], threshold: 'blocked on a channel send during Close: a close stall' },
  'CKG-06': {
    goroutines: ['kafka._Cfunc_rd_kafka_destroy'],
    threads: RDK_THREADS,
    threshold: 'in syscall state inside rd_kafka_destroy for minutes: a close hang',
  },
  // kafkajs
  // before 1.4.1 the pending requests are plain objects in Connection.pendingQueue (RequestQueue came later)
  'KJS-01': {
    heapClasses: ['Promise'],
    growsWith: 'requests',
    threshold: 'acks: 0 sends never resolve; Connection.pendingQueue entries and their promises pile up',
  },
  'KJS-02': { heapClasses: ['SocketRequest'], growsWith: 'requests', threshold: "RequestQueue's pending list grows (acks=0 behind max in-flight)" },
  'KJS-03': NONE,
  'KJS-04': NONE,
  'KJS-05': NONE,
  'KJS-06': NONE,
  'KJS-07': {
    heapClasses: ['Connection', 'Timeout'],
    socketStates: ['ESTABLISHED'],
    growsWith: 'client-churn',
    threshold: 'reconnect attempts, sockets and timers continue after disconnect',
  },
  // node-rdkafka
  'NRK-01': { heapClasses: ['Timeout'], growsWith: 'reconnects', threshold: 'one poll interval and listener left per connect/disconnect cycle' },
  'NRK-02': {
    heapClasses: ['Producer', 'HighLevelProducer', 'KafkaConsumer'],
    growsWith: 'client-churn',
    threshold: 'disconnected clients never collected; RSS grows per create/disconnect',
  },
  'NRK-03': { growsWith: 'requests', threshold: 'RSS grows with admin calls' },
  'NRK-04': { growsWith: 'requests', threshold: 'retained opaque values grow with produce() errors' },
  'NRK-05': { growsWith: 'client-churn', threshold: 'a native consume-loop thread left per disconnected consumer; the process does not exit' },
  'NRK-06': { threads: RDK_THREADS, growsWith: 'client-churn', threshold: 'rdk:* threads of disconnected consumers stay' },
  // confluent-kafka-javascript
  'CKJS-01': { growsWith: 'client-churn', threshold: 'native memory grows per client lifecycle' },
  'CKJS-02': { growsWith: 'client-churn', threshold: 'RSS grows per cooperative rebalance (incremental assign)' },
  'CKJS-03': { heapClasses: ['Promise'], growsWith: 'requests', threshold: 'pending Promise objects grow while consuming (promisified API)' },
  'CKJS-04': NONE,
  'CKJS-05': { growsWith: 'requests', threshold: 'retained opaque values grow with the produce rate' },
  // librdkafka
  'RDK-01': { growsWith: 'requests', threshold: 'RSS and network far above the consumption rate' },
  'RDK-02': { growsWith: 'requests', threshold: 'RSS grows with producev() errors' },
  'RDK-03': { growsWith: 'requests', threshold: 'RSS grows producing compressed to pre-0.11 brokers' },
  'RDK-04': { growsWith: 'requests', threshold: 'RSS grows with aborted-transaction traffic (read_committed)' },
  'RDK-05': { growsWith: 'requests', threshold: 'RSS grows consuming transactional topics with batch consume' },
  'RDK-06': {
    threads: RDK_THREADS,
    socketStates: ['ESTABLISHED'],
    growsWith: 'client-churn',
    threshold: 'rdk:* threads and sockets of deleted C++ consumers stay',
  },
  'RDK-07': NONE,
  'RDK-08': { threads: RDK_THREADS, threshold: 'rd_kafka_destroy blocks; rdk:* threads stay alive: a shutdown hang' },
  'RDK-09': { growsWith: 'requests', threshold: 'RSS grows after failed transactions (send_offsets_to_transaction)' },
  'RDK-10': { growsWith: 'client-churn', threshold: 'RSS grows with subscribe/unsubscribe cycles' },
  'RDK-11': { growsWith: 'requests', threshold: 'RSS grows with admin calls' },
  'RDK-12': { growsWith: 'time', threshold: 'slow RSS growth with OAUTHBEARER/OIDC token refresh or SSL client creation' },
  'RDK-13': { growsWith: 'reconnects', threshold: 'RSS grows during cluster rolls or leader churn' },
  'RDK-14': { threads: RDK_THREADS, threshold: 'rd_kafka_destroy never returns; rdk:* threads never exit: a shutdown hang' },
  'RDK-15': {
    threads: ['^rdk:broker\\d+$'],
    growsWith: 'reconnects',
    threshold: 'rdk:broker<id> threads above the live broker count after brokers leave the cluster',
  },
  'RDK-16': NONE,
  // Java kafka-clients
  'JAVA-01': { socketStates: ['ESTABLISHED', 'CLOSE_WAIT'], growsWith: 'reconnects', threshold: 'open-socket count grows' },
  'JAVA-02': { socketStates: ['CLOSE_WAIT'], growsWith: 'reconnects', threshold: 'CLOSE_WAIT sockets on SSL connections' },
  'JAVA-03': { heapClasses: ['org.apache.kafka.common.metrics.Sensor'], growsWith: 'reconnects' },
  'JAVA-04': {
    heapClasses: ['org.apache.kafka.clients.producer.internals.RecordBatch'],
    growsWith: 'requests',
    threshold: 'batches kept after TOPIC_AUTHORIZATION_FAILED; buffer-available-bytes falls toward 0',
  },
  'JAVA-05': { heapClasses: ['org.apache.kafka.common.record.Compressor'], growsWith: 'requests', threshold: 'heap/native growth with compression (snappy)' },
  'JAVA-06': { heapClasses: ['java.util.zip.Inflater'], growsWith: 'requests', threshold: 'RSS far above heap; Inflater instances pending finalization' },
  'JAVA-07': NONE,
  'JAVA-08': {
    threads: ['^kafka-coordinat'],
    growsWith: 'client-churn',
    threshold: 'kafka-coordinator-heartbeat-thread | <group> threads outlive closed consumers',
  },
  'JAVA-09': { heapClasses: ['org.apache.kafka.common.metrics.JmxReporter$KafkaMbean'], growsWith: 'client-churn', threshold: 'grows with metric churn' },
  'JAVA-10': { socketStates: ['CLOSE_WAIT'], growsWith: 'reconnects', threshold: 'fd count grows' },
  'JAVA-11': { threads: ['^kafka-producer-'], threshold: 'KafkaProducer.close blocked; the network thread stays alive: a close hang' },
  'JAVA-12': {
    heapClasses: ['org.apache.kafka.common.metrics.Sensor'],
    growsWith: 'client-churn',
    threshold: 'removed child sensors retained via Metrics.childrenSensors',
  },
  'JAVA-13': NONE,
  'JAVA-14': NONE,
  'JAVA-15': NONE,
  'JAVA-16': { threads: ['^kafka-admin-cli'], threshold: 'kafka-admin-client-thread joined on itself: a deadlock' },
  'JAVA-17': NONE,
  'JAVA-18': NONE,
  'JAVA-19': { threads: ['^kafka-producer-'], threshold: 'network thread busy after close was requested; close never returns' },
  'JAVA-20': { growsWith: 'reconnects', threshold: 'RSS grows with TLS connection churn while the heap stays flat' },
  // confluent-kafka-python
  'CKP-01': { growsWith: 'requests', threshold: 'RSS grows with exceptions raised from callbacks' },
  'CKP-02': { growsWith: 'client-churn', threshold: 'memory grows per client creation' },
  'CKP-03': { growsWith: 'requests', threshold: 'memory grows with Message.headers() calls' },
  'CKP-04': { growsWith: 'requests', threshold: 'KafkaError objects accumulate, one per delivery callback' },
  'CKP-05': { growsWith: 'requests', threshold: 'slow growth of dict-held objects' },
  'CKP-06': NONE,
  'CKP-07': { growsWith: 'requests', threshold: 'RSS grows while the producer queue is full' },
  // kafka-python
  'KPY-01': NONE,
  'KPY-02': { socketStates: ['ESTABLISHED', 'CLOSE_WAIT'], growsWith: 'client-churn', threshold: 'bootstrap sockets of closed clients stay' },
  'KPY-03': NONE,
  'KPY-04': { growsWith: 'requests', threshold: 'RSS grows consuming lz4 topics' },
  'KPY-05': NONE,
  'KPY-06': { growsWith: 'client-churn', threshold: 'memory grows per client created and closed' },
  'KPY-07': NONE,
  'KPY-08': NONE,
  'KPY-09': NONE,
  'KPY-10': { growsWith: 'requests', threshold: 'cancelled timeout tasks accumulate in the IO-thread scheduler' },
  'KPY-11': { growsWith: 'reconnects', threshold: 'IO coroutines parked forever per locally closed connection' },
  // aiokafka
  'AIO-01': { growsWith: 'requests', threshold: 'asyncio task count grows' },
  'AIO-02': { growsWith: 'requests', threshold: 'producer batch objects accumulate' },
  'AIO-03': { growsWith: 'time', threshold: 'un-cancelled fetch-waiter futures grow while idle, faster with smaller timeouts' },
  'AIO-04': NONE,
  'AIO-05': { socketStates: ['ESTABLISHED'], growsWith: 'client-churn', threshold: 'a socket left per failed start()' },
};

const SIGNATURE_KEYS = ['goroutines', 'heapFunctions', 'threads', 'socketStates', 'heapClasses', 'growsWith', 'threshold'];

// ---------------------------------------------------------------------------------------------------------
// Reading the reference
// ---------------------------------------------------------------------------------------------------------

/** A markdown table row's cells: split on unescaped pipes, "\|" kept as "|". */
function cells(line) {
  const out = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && line[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (c === '|') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out.slice(1, -1);
}

function section(text, heading) {
  const start = text.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`the reference has no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 4);
  return text.slice(start, end < 0 ? undefined : end);
}

function parseReference(text) {
  const rows = [];
  for (const line of section(text, 'Master table').split('\n')) {
    if (!line.startsWith('|')) continue;
    const c = cells(line);
    if (!/^[A-Z]+-\d+$/.test(c[0] ?? '')) continue;
    if (c.length !== 8) throw new Error(`master table row ${c[0]} has ${c.length} cells, not 8`);
    const [id, library, affected, fixed, reference, symptom, observe, confidence] = c;
    rows.push({ id, library: library.replace(/\s*\(.*\)$/, ''), affected, fixed, reference, symptom, observe, confidence });
  }
  const identify = {};
  for (const line of section(text, 'Identifying the library version at runtime').split('\n')) {
    if (!line.startsWith('|')) continue;
    const [name, where] = cells(line);
    if (name && where && name !== 'Library' && !/^-+$/.test(name)) identify[name] = where;
  }
  const bullets = [];
  for (const heading of ['Notes per library', 'Five most important entries']) {
    let library = '';
    for (const line of section(text, heading).split('\n')) {
      if (line.startsWith('### ')) library = line.slice(4).trim();
      const m = /^(?:\*|\d+\.)\s+(.*)$/.exec(line);
      if (m) bullets.push({ library, text: m[1] });
    }
  }
  const total = /Total (\d+)\./.exec(section(text, 'Master table'));
  return { rows, identify, bullets, total: total ? Number(total[1]) : undefined };
}

/** The ids a note mentions: "SAR-01, 04, 05 and 11", "CKG-01 to CKG-04", "RDK-06/08/14", "SAR-15 / SAR-14". */
function mentionedIds(text) {
  const ids = new Set();
  const re = /\b([A-Z]+)-(\d+)((?:\s*(?:,|and|\/|to)\s*(?:\1-)?\d+\b)*)/g;
  for (const m of text.matchAll(re)) {
    const prefix = m[1];
    const width = m[2].length;
    const pad = (n) => `${prefix}-${String(n).padStart(width, '0')}`;
    let last = Number(m[2]);
    ids.add(pad(last));
    for (const part of m[3].matchAll(/(,|and|\/|to)\s*(?:[A-Z]+-)?(\d+)/g)) {
      const n = Number(part[2]);
      if (part[1] === 'to') for (let k = last + 1; k <= n; k++) ids.add(pad(k));
      else ids.add(pad(n));
      last = n;
    }
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------------------
// Versions and ranges
// ---------------------------------------------------------------------------------------------------------
const VERSION = /v?(\d+(?:\.\d+)+(?:-[0-9A-Za-z.]+)?)/;
const strip = (v) => v.replace(/^v/, '');

/** Orders dotted versions (numeric parts, then a pre-release below its release). */
function compareVersions(a, b) {
  const parse = (v) => {
    const m = /^(\d+(?:\.\d+)*)(.*)$/.exec(strip(v));
    return m ? { nums: m[1].split('.').map(Number), pre: m[2].replace(/^[-.]/, '') } : { nums: [0], pre: v };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d) return Math.sign(d);
  }
  if (x.pre === y.pre) return 0;
  if (!x.pre) return 1;
  if (!y.pre) return -1;
  return x.pre < y.pre ? -1 : 1;
}

/** The table's Affected cell → the first affected version ("0" when the start is unknown). */
function introducedOf(cell) {
  const text = cell.trim();
  if (/^[<≤]/.test(text)) return '0';
  const series = /^(?:all\s+|reported\s+(?:on\s+)?)?v?(\d+)\.(\d+)\.x\b/.exec(text);
  if (series) return `${series[1]}.${series[2]}.0`;
  const m = /^(?:reported\s+(?:on\s+)?)?v?(\d+(?:\.\d+)+(?:-[0-9A-Za-z.]+)?)/.exec(text);
  if (m) return m[1];
  throw new Error(`cannot read a start version from Affected "${cell}"; add a correction`);
}

/** The table's Fixed cell → the fix versions, one per release line ([] when open). */
function fixesOf(cell) {
  const text = cell.replace(/`[^`]*`/g, '').trim();
  if (/^(open|none)\b/i.test(text)) return [];
  const out = [];
  for (const part of text.split(' / ')) {
    const m = VERSION.exec(part);
    if (m) out.push(m[1]);
  }
  if (out.length === 0) throw new Error(`cannot read a fix version from Fixed "${cell}"; add a correction`);
  return out.sort(compareVersions);
}

/** [introduced, fixed?] intervals: the first fix, then a pair for each later patch release of a newer line. */
function intervalsOf(introduced, fixes) {
  if (fixes.length === 0) return [[introduced, undefined]];
  const line = (v) => strip(v).split(/[-]/)[0].split('.').slice(0, -1).join('.');
  const last = (v) => Number(strip(v).split(/[-]/)[0].split('.').at(-1));
  const out = [[introduced, fixes[0]]];
  for (let i = 1; i < fixes.length; i++) {
    const fix = fixes[i];
    if (line(fix) !== line(fixes[i - 1]) && last(fix) !== 0) out.push([`${line(fix)}.0`, fix]);
  }
  return out;
}

/** The highest "fixed" event of these affected entries (null when none has one). */
function lastFixed(affected) {
  const fixed = affected.flatMap((a) => a.ranges.flatMap((r) => r.events.filter((e) => e.fixed).map((e) => e.fixed)));
  return fixed.length ? fixed.sort(compareVersions).at(-1) : null;
}

/** The intervals clipped to one package's version space [from, below), as OSV events; undefined if untouched. */
function eventsFor(pkg, intervals) {
  const events = [];
  for (const [start, end] of intervals) {
    if (pkg.below && start !== '0' && compareVersions(start, pkg.below) >= 0) continue;
    if (pkg.from && end && compareVersions(end, pkg.from) <= 0) continue;
    const introduced = pkg.from && (start === '0' || compareVersions(start, pkg.from) <= 0) ? '0' : start;
    events.push({ introduced });
    if (end && !(pkg.below && compareVersions(end, pkg.below) >= 0)) events.push({ fixed: end });
  }
  return events.length ? events : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------------------------
function referencesOf(row, lib) {
  const gh = `https://github.com/${lib.repo}`;
  const refs = [];
  const add = (type, url) => {
    if (!refs.some((r) => r.url === url)) refs.push({ type, url });
  };
  let kind = 'issue';
  let introducing = false;
  const tokens =
    row.reference.match(
      /KAFKA-\d+|#\d+|\b[0-9a-f]{7,40}\b|CHANGELOG|CHANGES|doc PR|PRs?\b|issues?\b|report\b|follow-ups?\b|commits?\b|regression from|added in|[;()]/g,
    ) ?? [];
  for (const t of tokens) {
    if (/^(PRs?|follow-ups?)$/.test(t)) kind = 'pull';
    else if (t === 'doc PR') kind = 'doc';
    else if (/^(issues?|report)$/.test(t)) kind = 'issue';
    else if (/^commits?$/.test(t)) kind = 'commit';
    else if (t === 'regression from' || t === 'added in') introducing = true;
    else if (t === ';' || t === '(' || t === ')') introducing = false;
    else if (t === 'CHANGELOG' || t === 'CHANGES') {
      if (!lib.changelog) throw new Error(`${row.id}: a changelog reference for a library without one`);
      add('WEB', `${gh}/blob/HEAD/${lib.changelog}`);
    } else if (t.startsWith('KAFKA-')) add(introducing ? 'INTRODUCED' : 'REPORT', `https://issues.apache.org/jira/browse/${t}`);
    else if (t.startsWith('#')) {
      const n = t.slice(1);
      if (kind === 'pull') add('FIX', `${gh}/pull/${n}`);
      else if (kind === 'doc') add('WEB', `${gh}/pull/${n}`);
      else add('REPORT', `${gh}/issues/${n}`);
    } else if (/\d/.test(t)) add(introducing ? 'INTRODUCED' : 'FIX', `${gh}/commit/${t}`);
  }
  for (const r of CORRECTIONS[row.id]?.references ?? []) add(r.type, r.url);
  if (refs.length === 0) throw new Error(`${row.id}: no reference could be read from "${row.reference}"`);
  return refs;
}

// ---------------------------------------------------------------------------------------------------------
// One advisory
// ---------------------------------------------------------------------------------------------------------
const plain = (md) => md.replace(/`/g, '');

function summaryOf(row) {
  if (SUMMARIES[row.id]) return SUMMARIES[row.id];
  const first = plain(row.symptom)
    .split(/(?<=[.;])\s+(?=[A-Z`])/)[0]
    .replace(/[.;]$/, '');
  const s = `${row.library}: ${first}`;
  if (s.length > 120) throw new Error(`${row.id}: summary over 120 characters, add one to SUMMARIES: ${s}`);
  return s;
}

function signatureOf(id) {
  const s = SIGNATURES[id];
  if (s === undefined) throw new Error(`${id}: no signature (use NONE when kleak cannot see it)`);
  if (s === NONE) return { signature: {}, observable: false };
  const unknown = Object.keys(s).filter((k) => !SIGNATURE_KEYS.includes(k));
  if (unknown.length) throw new Error(`${id}: unknown signature keys ${unknown.join(', ')}`);
  const out = {};
  for (const k of SIGNATURE_KEYS) if (s[k] !== undefined) out[k] = s[k];
  return { signature: out };
}

function advisoryOf(row, ref) {
  const lib = LIBRARIES[row.library];
  if (!lib) throw new Error(`${row.id}: unknown library "${row.library}"`);
  const correction = CORRECTIONS[row.id] ?? {};
  const introduced = correction.introduced ?? introducedOf(row.affected);
  const fixes = correction.fixed ?? fixesOf(row.fixed);
  const intervals = intervalsOf(introduced, fixes);
  const affected = [];
  for (const pkg of lib.packages) {
    const events = eventsFor(pkg, intervals);
    if (events) affected.push({ package: { ecosystem: pkg.ecosystem, name: pkg.name, purl: pkg.purl }, ranges: [{ type: pkg.type, events }] });
  }
  for (const pkg of correction.extraPackages ?? [])
    affected.push({ package: { ecosystem: pkg.ecosystem, name: pkg.name, purl: pkg.purl }, ranges: [{ type: pkg.type, events: pkg.events }] });
  if (affected.length === 0) throw new Error(`${row.id}: the range touches none of ${row.library}'s packages`);

  const notes = ref.bullets.filter((b) => mentionedIds(b.text).has(row.id)).map((b) => `- ${b.text}`);
  const where = ref.identify[IDENTIFY_ROWS[row.library]];
  const details = [
    row.symptom,
    `**Affected:** ${row.affected}. **Fixed in:** ${row.fixed}.`,
    `**How to observe:** ${row.observe}`,
    `**Confidence:** ${row.confidence} (${CONFIDENCE[row.confidence] ?? 'see the reference'}).`,
    ...(where ? [`**Reading the version at runtime:** ${where}`] : []),
    ...(correction.note ? [`**kleak's reading of the range:** ${correction.note}`] : []),
    ...(notes.length ? [`**Notes:**\n\n${notes.join('\n')}`] : []),
  ].join('\n\n');
  const { signature, observable } = signatureOf(row.id);
  return {
    schema_version: SCHEMA_VERSION,
    id: `x_KLEAK-${row.id}`,
    modified: DATE,
    published: DATE,
    summary: summaryOf(row),
    details,
    affected,
    references: referencesOf(row, lib),
    database_specific: {
      kleak: {
        library: row.library,
        confidence: row.confidence,
        fixed: lastFixed(affected.slice(0, affected.length - (correction.extraPackages?.length ?? 0))),
        symptom: row.symptom,
        observe: row.observe,
        signature,
        ...(observable === false ? { observable: false } : {}),
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------
function option(name, fallback) {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = process.argv[i + 1];
  if (!value) throw new Error(`${name} needs a value`);
  return resolve(value);
}

async function main() {
  const referencePath = option('--reference', resolve(root, '../shared/reference/known-bugs.md'));
  const out = option('--out', join(root, 'advisories'));
  if (!existsSync(referencePath)) throw new Error(`no reference at ${referencePath} (give --reference PATH)`);
  const ref = parseReference(readFileSync(referencePath, 'utf8'));
  const ids = ref.rows.map((r) => r.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`id ${duplicate} twice in the master table`);
  if (ref.total !== undefined && ref.total !== ids.length) throw new Error(`the reference says ${ref.total} bugs, the master table has ${ids.length}`);
  const stray = [...Object.keys(SIGNATURES), ...Object.keys(CORRECTIONS), ...Object.keys(SUMMARIES)].filter((id) => !ids.includes(id));
  if (stray.length) throw new Error(`signatures or corrections for ids not in the table: ${stray.join(', ')}`);

  const prettierOptions = { ...(await prettier.resolveConfig(join(root, 'advisories/index.json'))), parser: 'json' };
  const write = async (file, data) => writeFileSync(join(out, file), await prettier.format(JSON.stringify(data, null, 2), prettierOptions));
  mkdirSync(out, { recursive: true });
  const files = new Set();
  const index = [];
  for (const row of ref.rows) {
    const file = `${row.id}.json`;
    await write(file, advisoryOf(row, ref));
    files.add(file);
    index.push({ id: `x_KLEAK-${row.id}`, library: row.library, file });
  }
  await write('index.json', { generated: DATE, count: index.length, advisories: index });
  // an advisory no longer in the table is removed
  for (const f of readdirSync(out)) if (/^[A-Z]+-\d+\.json$/.test(f) && !files.has(f)) unlinkSync(join(out, f));
  console.log(`${index.length} advisories written to ${out}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
