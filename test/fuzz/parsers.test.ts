// Fuzz tests for every parser (fixed seed, bounded time; bench/fuzz.mjs runs them longer): mutated real
// inputs give a value or an InputError, in linear time. Inputs: captured goroutine dumps and heap
// profiles, captured /proc tables, a heap snapshot built from a real V8 header, member bytes encoded by
// kafkajs itself, and error shapes kafkajs throws.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { test } from 'node:test';
import fc from 'fast-check';
import kafkajs from 'kafkajs';
import { parseGoroutineDump } from '../../src/collectors/goruntime/parse-goroutine-dump.js';
import { classifyGoroutines } from '../../src/collectors/goruntime/classify.js';
import { parseHeapProfile } from '../../src/collectors/goruntime/parse-heap-profile.js';
import { parseProcNetTcp } from '../../src/collectors/process/parse-proc-net-tcp.js';
import { parseCmdline, parseOpenFilesLimit, parseProcStatus, parseSocketInode, parseStatPpid } from '../../src/collectors/process/parse-proc-files.js';
import { HeapSnapshotParser } from '../../src/collectors/v8heap/parse-heap-snapshot.js';
import { HeapGraph } from '../../src/collectors/v8heap/heap-graph.js';
import { analyzeHeap } from '../../src/collectors/v8heap/analyze-heap.js';
import { connectError } from '../../src/collectors/cluster/explain-connect-error.js';
import { deniedMessage, toGroupMember } from '../../src/collectors/cluster/read-groups.js';
import { InputError } from '../../src/errors.js';
import { repoRoot } from '../../src/repo-root.js';
import { capturedHeap, capturedText } from '../helpers/captured-pprof.js';
import { smallSnapshot } from '../helpers/small-snapshot.js';
import { fuzzParser } from './fuzz-harness.js';
import { fuzzOptions } from './mutations.js';

test('goroutine dumps, debug=1 and debug=2', (t) => {
  for (const debug of [1, 2] as const) {
    fuzzParser(t, `goroutine dump debug=${debug}`, capturedText('sarama-reused-message-3', debug), (text) => classifyGoroutines(parseGoroutineDump(text)));
  }
});

test('heap profiles: the protobuf damaged, then gzipped or not', (t) => {
  const raw = gunzipSync(capturedHeap('franz-retain-6400')).toString('latin1');
  fuzzParser(t, 'heap profile (gzipped)', raw, (text) => parseHeapProfile(gzipSync(Buffer.from(text, 'latin1'))), 150);
  fuzzParser(t, 'heap profile (raw protobuf)', raw, (text) => parseHeapProfile(Buffer.from(text, 'latin1')), 150);
});

test('/proc tables and files', (t) => {
  const proc = (f: string) => readFileSync(join(repoRoot, 'fixtures/captured/proc/sarama-per-request-12', f), 'utf8');
  fuzzParser(t, '/proc/net/tcp', proc('net-tcp.txt'), (text) => parseProcNetTcp(text));
  fuzzParser(t, '/proc/net/tcp6', proc('net-tcp6.txt'), (text) => parseProcNetTcp(text));
  fuzzParser(t, '/proc/PID/status', proc('status.txt'), (text) => parseProcStatus(text));
  fuzzParser(t, '/proc/PID/limits', proc('limits.txt'), (text) => parseOpenFilesLimit(text));
  fuzzParser(t, '/proc/PID/stat', '12345 (sarama-per-req) S 1 12345 12345 0 -1 4194560 1620 0 0 0 3 2 0 0 20 0 5 0', (text) => parseStatPpid(text));
  fuzzParser(t, '/proc/PID/cmdline', proc('cmdline.txt'), (text) => parseCmdline(text));
  fuzzParser(t, 'fd link', 'socket:[123456]', (text) => parseSocketInode(text));
});

/** A small, consistent snapshot with the header (meta) of a real one: every node an object with one edge to the next. */
function builtSnapshot(): string {
  const { bytes } = smallSnapshot();
  const real = JSON.parse(bytes.toString('utf8'));
  const meta = real.snapshot.meta;
  const nf: string[] = meta.node_fields;
  const ef: string[] = meta.edge_fields;
  const count = 40;
  const nodes: number[] = [];
  const edges: number[] = [];
  for (let i = 0; i < count; i++) {
    for (const f of nf)
      nodes.push(
        f === 'type'
          ? meta.node_types[0].indexOf(i === 0 ? 'synthetic' : 'object')
          : f === 'name'
            ? 1 + (i % 3)
            : f === 'id'
              ? i * 2 + 1
              : f === 'self_size'
                ? 32
                : f === 'edge_count'
                  ? 1
                  : 0,
      );
    for (const f of ef)
      edges.push(f === 'type' ? meta.edge_types[0].indexOf('property') : f === 'name_or_index' ? 4 : f === 'to_node' ? ((i + 1) % count) * nf.length : 0);
  }
  return JSON.stringify({
    snapshot: { meta, node_count: count, edge_count: count, trace_function_count: 0 },
    nodes,
    edges,
    trace_function_infos: [],
    trace_tree: [],
    samples: [],
    locations: [],
    strings: ['<dummy>', 'Object', 'Map', 'Array', 'next', 'a "quoted" \\ string\ttab'],
  });
}

test('V8 heap snapshots: parsed in random chunks, then analysed', (t) => {
  const seed = builtSnapshot();
  fuzzParser(t, 'heap snapshot', seed, (text) => {
    const bytes = Buffer.from(text, 'utf8');
    const parser = new HeapSnapshotParser('fuzzed.heapsnapshot', { totalBytes: bytes.length });
    for (let i = 0, size = 1; i < bytes.length; i += size, size = 1 + ((size * 7919) % 977)) parser.push(bytes.subarray(i, i + size));
    const snapshot = parser.end();
    return analyzeHeap(new HeapGraph(snapshot), snapshot.fileBytes);
  });
});

test('cluster responses as kafkajs decodes them: member bytes, and the errors kafkajs throws', (t) => {
  const { AssignerProtocol } = kafkajs;
  const assignment = AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: { orders: [0, 1, 2] }, userData: Buffer.alloc(0) });
  const metadata = AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['orders'], userData: Buffer.alloc(0) });
  const member = (a: Buffer, m: Buffer) => ({ memberId: 'm-1', clientId: 'svc', clientHost: '/127.0.0.1', memberAssignment: a, memberMetadata: m });
  const good = toGroupMember(member(assignment, metadata), AssignerProtocol);
  assert.deepEqual([good.assignment, good.subscribedTopics, good.partitionCount], [{ orders: [0, 1, 2] }, ['orders'], 3]);
  fuzzParser(t, 'member assignment bytes', assignment.toString('latin1'), (text) =>
    toGroupMember(member(Buffer.from(text, 'latin1'), metadata), AssignerProtocol),
  );
  fuzzParser(t, 'member metadata bytes', metadata.toString('latin1'), (text) =>
    toGroupMember(member(assignment, Buffer.from(text, 'latin1')), AssignerProtocol),
  );
  // whatever kafkajs (or a proxy in between) throws, the explanation is an InputError and the denial text a string
  let cases = 0;
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.record({ name: fc.string(), message: fc.string(), type: fc.string(), cause: fc.anything() })), (error) => {
      cases++;
      assert.ok(connectError(error, '127.0.0.1:9092', {}) instanceof InputError);
      assert.ok(connectError(error, '127.0.0.1:9092', { sasl: { mechanism: 'plain', username: 'u', password: 'p4ss' }, tls: {} }) instanceof InputError);
      assert.equal(typeof deniedMessage(error, 'grant it'), 'string');
    }),
    fuzzOptions(300),
  );
  t.diagnostic(`kafkajs error shapes: ${cases} cases`);
});
