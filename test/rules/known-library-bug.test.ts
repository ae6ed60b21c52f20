// known-library-bug on real inputs: profiles captured from the Sarama 1.36.0 service (300 producers built and
// closed) and the kafka-go Transport-per-request service (20 writers), before and after the requests; the
// versions matched against the real advisory database.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withAdvisories } from '../../src/advisories/index.js';
import { toGoEvidence } from '../../src/collectors/goruntime/index.js';
import { parseGoroutineDump } from '../../src/collectors/goruntime/parse-goroutine-dump.js';
import { parseHeapProfile } from '../../src/collectors/goruntime/parse-heap-profile.js';
import type { SocketInventory } from '../../src/collectors/process/types.js';
import type { DeclaredClientVersion, SourceEvidence } from '../../src/collectors/source/types.js';
import type { Evidence } from '../../src/collectors/types.js';
import rule, { fixedFor, matchesFunction, upgradeLine } from '../../src/rules/known-library-bug.js';
import type { ClientVersion } from '../../src/signatures/types.js';
import { capturedHeap, capturedText } from '../helpers/captured-pprof.js';
import { ruleTester } from '../helpers/rule-tester.js';

const profiles = (s: string) => ({
  sources: [s],
  goroutines: { source: s, dump: parseGoroutineDump(capturedText(s, 2)) },
  heap: { source: s, profile: parseHeapProfile(capturedHeap(s)) },
});
/** the profiles after the requests, compared with those before (as diagnose takes them around its drive) */
const driven = (scenario: string) => toGoEvidence(profiles(`${scenario}/after`), undefined, profiles(`${scenario}/before`));
const alone = (scenario: string) => toGoEvidence(profiles(`${scenario}/after`));

function inventory(versions: ClientVersion[]): SocketInventory {
  const totals = { fds: 12, fdLimit: 1024, sockets: 3, tcpSockets: 3, brokerSockets: 1, brokerEstablished: 1, brokerCloseWait: 0, nonBrokerSockets: 2 };
  return {
    takenAt: '2026-12-04T22:07:00Z',
    brokerSource: 'cluster',
    brokerEndpoints: [{ address: '127.0.0.1:29092', nodeId: 1 }],
    method: 'sock_diag',
    processes: [
      {
        pid: 4242,
        command: 'svc',
        exe: '/srv/svc',
        runtime: 'go',
        threads: 9,
        rssBytes: 20e6,
        cpuPercent: 1,
        listenPorts: [8080],
        brokers: [{ address: '127.0.0.1:29092', nodeId: 1, established: 1, states: { ESTABLISHED: 1 }, sendQueueBytes: 0, receiveQueueBytes: 0 }],
        totals,
        libraries: withAdvisories(versions),
      },
    ],
    totals,
    warnings: [],
  };
}

const sarama = (version: string, module = 'github.com/Shopify/sarama'): ClientVersion => ({
  library: 'sarama',
  ecosystem: 'Go',
  package: module,
  version,
  from: 'go build info',
});
const kafkaGo: ClientVersion = { library: 'kafka-go', ecosystem: 'Go', package: 'github.com/segmentio/kafka-go', version: '0.4.51', from: 'go build info' };

const declared = (v: ClientVersion, file: string, line: number): SourceEvidence => {
  const d: DeclaredClientVersion = { ...v, from: 'manifest', file, line, direct: true };
  return {
    root: '/src',
    files: { go: 1, js: 0, ts: 0, java: 0 },
    prefiltered: 0,
    bytes: 100,
    durationMs: 1,
    parseProblems: [],
    constructions: [],
    stores: [],
    resends: [],
    shutdown: [],
    suppressions: [],
    dependencies: withAdvisories([d]),
  };
};

const evidence = (e: Evidence) => e;

ruleTester(rule, {
  valid: [
    {
      name: 'Sarama 1.61.1: no bug fixed after it, and its heap shows none',
      evidence: evidence({ sockets: inventory([sarama('1.61.1', 'github.com/IBM/sarama')]) }),
    },
    {
      name: 'kafka-go 0.4.51 with one Transport: its unfixed bugs are no finding until they show (one discover goroutine)',
      evidence: evidence({ sockets: inventory([kafkaGo]), ...driven('kafkago-transport-per-request'), goroutines: undefined }),
    },
    { name: 'a process with no version read', evidence: evidence({ sockets: inventory([]), ...driven('sarama-1.36-churn') }) },
  ],
  invalid: [
    {
      name: 'Sarama 1.36.0 with 300 producers built and closed: SAR-11 confirmed from the profiles around the requests, and the version listed',
      evidence: evidence({ sockets: inventory([sarama('1.36.0')]), ...driven('sarama-1.36-churn') }),
      findings: [
        {
          severity: 'error',
          confidence: 'confirmed',
          messageId: 'growing',
          data: { id: 'SAR-11', version: '1.36.0' },
          summary:
            /^confirmed SAR-11 in sarama 1\.36\.0: [\d.]+ KiB in use under go-metrics\.newStandardMeter, growing \([\d.]+ KiB → [\d.]+ KiB\)\. sarama: producer, consumer and group metrics never unregistered on Close/,
          evidence: [
            /PID 4242 runs github\.com\/Shopify\/sarama 1\.36\.0 \(go build info\)/,
            /allocated under github\.com\/rcrowley\/go-metrics\.newStandardMeter .* before between the two profiles/,
          ],
          unlocated: /with diagnose --source DIR \(the service's tree\) kleak places it on the line of the manifest/,
          fix: /^go get github\.com\/IBM\/sarama@v1\.48\.0 \(Sarama moved/,
        },
        {
          severity: 'info',
          confidence: 'possible',
          messageId: 'inRange',
          fix: /That fixes 6 known bugs of github\.com\/Shopify\/sarama 1\.36\.0/,
          summary:
            'sarama 1.36.0 (github.com/Shopify/sarama, go build info) has 6 known leak bugs fixed in later releases: SAR-10 (fixed in 1.37.1), SAR-11 (fixed in 1.37.0), SAR-12 (fixed in 1.42.2), SAR-13 (fixed in 1.47.0), SAR-14 (fixed in 1.48.0), SAR-15 (fixed in 1.48.0); 1.48.0 fixes all of them',
        },
      ],
    },
    {
      name: 'the same heap without the profile from before: the bug shows (a warning), its growth is not measured',
      evidence: evidence({ sockets: inventory([sarama('1.36.0')]), ...alone('sarama-1.36-churn') }),
      findings: [
        {
          severity: 'warning',
          confidence: 'likely',
          messageId: 'biting',
          fix: /1\.48\.0/,
          summary: /^SAR-11 in sarama 1\.36\.0 shows at runtime: [\d.]+ KiB in use under go-metrics\.newStandardMeter\./,
        },
        { severity: 'info', messageId: 'inRange', fix: /1\.48\.0/, summary: /has 6 known leak bugs/ },
      ],
    },
    {
      name: 'kafka-go 0.4.51, a Transport per request: KGO-05 confirmed by its discover goroutines (21 transports, as the service counted)',
      evidence: evidence({ sockets: inventory([kafkaGo]), ...driven('kafkago-transport-per-request') }),
      findings: [
        {
          severity: 'error',
          messageId: 'growing',
          data: { id: 'KGO-05', what: '21 goroutines in kafka-go.(*connPool).discover', before: '1', after: '21' },
          summary: /^confirmed KGO-05 in kafka-go 0\.4\.51: 21 goroutines in kafka-go\.\(\*connPool\)\.discover, growing \(1 → 21\)/,
          fix: /^No release fixes KGO-05, KGO-06 yet/,
        },
      ],
    },
    {
      name: 'declared in go.mod only (kleak scan): the info finding lands on the require line, with the upgrade command',
      evidence: evidence({ source: declared(sarama('1.36.0'), 'go.mod', 5) }),
      findings: [
        {
          severity: 'info',
          summary: /^sarama 1\.36\.0 \(github\.com\/Shopify\/sarama, declared\) has 6 known leak bugs/,
          locations: [{ file: 'go.mod', line: 5, from: 'manifest' }],
          fix: /^go get github\.com\/IBM\/sarama@v1\.48\.0/,
          evidence: [/go\.mod:5 declares github\.com\/Shopify\/sarama 1\.36\.0/],
        },
      ],
    },
  ],
  missing: {},
});

test('the fix names the upgrade in the ecosystem’s own words, and the module move of Sarama', () => {
  const { findings } = { findings: rule.check({ sockets: inventory([sarama('1.36.0')]) } as never) };
  assert.match(findings[0]!.fix!, /^go get github\.com\/IBM\/sarama@v1\.48\.0 \(Sarama moved from github\.com\/Shopify\/sarama/);
  assert.equal(upgradeLine({ ecosystem: 'npm', package: 'kafkajs' }, '2.1.0'), 'npm install kafkajs@^2.1.0');
  assert.match(upgradeLine({ ecosystem: 'PyPI', package: 'kafka-python' }, '2.0.2'), /^pip install 'kafka-python>=2\.0\.2'/);
  assert.match(upgradeLine({ ecosystem: 'Maven', package: 'org.apache.kafka:kafka-clients' }, '3.7.1'), /<version>3\.7\.1<\/version>/);
  assert.equal(upgradeLine({ ecosystem: 'Go', package: 'github.com/IBM/sarama' }, '1.48.0'), 'go get github.com/IBM/sarama@v1.48.0 && go mod tidy');
});

test('a fix released on several lines: the first release after the running version', () => {
  assert.equal(fixedFor('3.0.1 / 3.1.1 / 3.2.0', '3.1.0'), '3.1.1');
  assert.equal(fixedFor('3.0.1 / 3.1.1 / 3.2.0', '2.8.0'), '3.0.1');
  assert.equal(fixedFor('1.37.0', '1.36.0'), '1.37.0');
});

test('profile functions are matched by their package name, not their import path', () => {
  assert.ok(matchesFunction('github.com/segmentio/kafka-go.(*connPool).discover', 'kafka.(*connPool).discover'));
  assert.ok(matchesFunction('github.com/rcrowley/go-metrics.NewEWMA', 'metrics.NewEWMA'));
  assert.ok(matchesFunction('github.com/IBM/sarama.(*brokerConsumer).subscriptionManager', 'sarama.(*brokerConsumer).subscriptionManager'));
  assert.ok(!matchesFunction('github.com/rcrowley/go-metrics.NewEWMA1', 'metrics.NewEWMA'), 'a longer name is another function');
  assert.ok(!matchesFunction('example.com/mykafka.(*connPool).discover', 'kafka.(*connPool).discover'), 'another package');
});
