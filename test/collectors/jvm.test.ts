// The JVM's attach-free signals on captured inputs from a real kafka-clients 4.1.1 service
// (fixtures/java ProducerPerRequest after 3 requests, JDK 17): its hsperfdata file, read against what the JDK's
// own `jcmd PID PerfCounter.print` printed for the same JVM; its thread names; the jars it held open.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { countJvmClientThreads, jvmLibrariesOf, parseHsperfdata, threadCountersOf } from '../../src/collectors/process/jvm.js';
import { repoRoot } from '../../src/repo-root.js';

const dir = join(repoRoot, 'fixtures/captured/jvm');
const hsperf = readFileSync(join(dir, 'hsperfdata-producer-per-request'));

test('hsperfdata: every counter jcmd PerfCounter.print shows, with the same value (clocks aside)', () => {
  const parsed = parseHsperfdata(hsperf)!;
  assert.ok(parsed);
  const printed = readFileSync(join(dir, 'perfcounter-producer-per-request.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const)
    // jcmd makes up sun.perfdata.* from the file's prologue; the high-resolution clock moved between the two reads
    .filter(([k]) => !k.startsWith('sun.perfdata.') && k !== 'sun.os.hrt.ticks');
  assert.ok(printed.length > 150, `${printed.length} counters`);
  for (const [k, v] of printed) assert.equal(parsed.get(k), v.startsWith('"') ? v.slice(1, -1) : Number(v), k);
  assert.deepEqual(threadCountersOf(parsed), { started: 18, live: 17, daemon: 9 });
  assert.equal(parsed.get('sun.rt.javaCommand'), 'kleak.fixtures.ProducerPerRequest');
});

test('hsperfdata: not one, cut short or damaged — undefined or fewer entries, never a throw or a read past the end', () => {
  assert.equal(parseHsperfdata(Buffer.from('<html>not a perf file</html>')), undefined);
  assert.equal(parseHsperfdata(Buffer.alloc(16)), undefined);
  // the entries fill the first part of the file (its prologue says how much): cut inside them
  for (const cut of [32, 100, 1000, hsperf.readInt32LE(8) - 100]) {
    const parsed = parseHsperfdata(hsperf.subarray(0, cut));
    assert.ok(parsed && parsed.size < 193, `cut at ${cut}`);
  }
  const damaged = Buffer.from(hsperf);
  damaged.writeInt32LE(0x7fffffff, 28); // entry count
  damaged.writeInt32LE(-5, damaged.readInt32LE(24)); // first entry's length
  assert.equal(parseHsperfdata(damaged)?.size, 0);
});

test('client threads by their 15-byte names: producers, admins, consumers of both protocols', () => {
  const comm = readFileSync(join(dir, 'comm-producer-per-request.txt'), 'utf8').trim().split('\n');
  assert.deepEqual(countJvmClientThreads(comm), { producers: 3, admins: 0, consumers: 0, asyncConsumers: 0 });
  assert.deepEqual(
    countJvmClientThreads(['kafka-admin-cli', 'kafka-coordinat', 'consumer_backgr', 'consumer_backgr', 'kafka-producer-', 'pool-1-thread-1', 'java']),
    {
      producers: 1,
      admins: 1,
      consumers: 1,
      asyncConsumers: 2,
    },
  );
});

test('kafka-clients and spring-kafka versions from the jars a JVM holds open', () => {
  assert.deepEqual(jvmLibrariesOf(['/app/libs/kafka-clients-4.1.1.jar', '/app/libs/spring-kafka-3.3.10.jar', '/app/libs/kafka-streams-4.1.1.jar']), {
    kafkaClients: '4.1.1',
    springKafka: '3.3.10',
  });
  assert.deepEqual(jvmLibrariesOf(['/opt/lib/kafka-clients-3.9.0-ccs.jar']), { kafkaClients: '3.9.0-ccs' });
  assert.deepEqual(jvmLibrariesOf(['/app/app.jar', '/usr/lib/jvm/lib/modules']), {});
});
