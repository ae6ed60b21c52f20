// DescribeGroups v4 over one plain or TLS connection: the only version that says whether a member is
// static (group.instance.id, KIP-345), which kafkajs's admin (DescribeGroups v0–v2) cannot see.
// FindCoordinator v1 first, then DescribeGroups v4 on the coordinator. SASL listeners are not spoken
// here: the caller falls back to kafkajs and says static membership was not readable.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import type { HostPort, KafkaConnectionOptions } from '../cluster/connection-options.js';

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
}

export interface DescribedGroup {
  groupId: string;
  errorCode: number;
  state: string;
  protocolType: string;
  members: DescribedMember[];
}

class Writer {
  private parts: Buffer[] = [];
  int8(v: number) {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    this.parts.push(b);
    return this;
  }
  int16(v: number) {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  string(v: string | null) {
    if (v === null) return this.int16(-1);
    const s = Buffer.from(v, 'utf8');
    this.int16(s.length);
    this.parts.push(s);
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Reads a response body; every read is bounds-checked (a short or damaged answer throws a RangeError). */
export class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  private need(n: number) {
    if (n < 0 || this.at + n > this.buf.length) throw new RangeError(`response too short at byte ${this.at}`);
  }
  int8() {
    this.need(1);
    return this.buf.readInt8((this.at += 1) - 1);
  }
  int16() {
    this.need(2);
    return this.buf.readInt16BE((this.at += 2) - 2);
  }
  int32() {
    this.need(4);
    return this.buf.readInt32BE((this.at += 4) - 4);
  }
  string(): string | null {
    const n = this.int16();
    if (n === -1) return null;
    this.need(n);
    const s = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
  skipBytes() {
    const n = this.int32();
    if (n > 0) {
      this.need(n);
      this.at += n;
    }
  }
  array<T>(item: () => T): T[] {
    const n = this.int32();
    if (n < 0) return [];
    if (n > this.buf.length) throw new RangeError(`array of ${n} in a ${this.buf.length}-byte response`);
    return Array.from({ length: n }, item);
  }
}

export function decodeDescribeGroupsV4(body: Buffer): DescribedGroup[] {
  const r = new Reader(body);
  r.int32(); // throttle
  return r.array(() => {
    const errorCode = r.int16();
    const groupId = r.string() ?? '';
    const state = r.string() ?? '';
    const protocolType = r.string() ?? '';
    r.string(); // protocol
    const members = r.array(() => {
      const memberId = r.string() ?? '';
      const groupInstanceId = r.string();
      const clientId = r.string() ?? '';
      const clientHost = (r.string() ?? '').replace(/^\//, '');
      r.skipBytes();
      r.skipBytes();
      return { memberId, groupInstanceId, clientId, clientHost };
    });
    r.int32(); // authorized operations
    return { groupId, errorCode, state, protocolType, members };
  });
}

export function decodeFindCoordinatorV1(body: Buffer): { errorCode: number; host: string; port: number } {
  const r = new Reader(body);
  r.int32();
  const errorCode = r.int16();
  r.string();
  r.int32(); // node id
  return { errorCode, host: r.string() ?? '', port: r.int32() };
}

/** One connection, requests answered in order (Kafka answers a connection's requests in order). */
class Connection {
  private pending: { resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = [];
  private buffered = Buffer.alloc(0);
  private correlation = 0;
  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 4) {
        const size = this.buffered.readInt32BE(0);
        if (this.buffered.length < 4 + size) break;
        const frame = this.buffered.subarray(8, 4 + size); // skip size and correlation id
        this.buffered = this.buffered.subarray(4 + size);
        this.pending.shift()?.resolve(Buffer.from(frame));
      }
    });
    const fail = (error: Error) => {
      for (const p of this.pending.splice(0)) p.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static open(target: HostPort, options: Omit<KafkaConnectionOptions, 'bootstrap'>, timeoutMs: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const tls = options.tls;
      const socket = tls
        ? tlsConnect({
            host: target.host,
            port: target.port,
            servername: /^[\d.:]+$/.test(target.host) ? undefined : target.host,
            rejectUnauthorized: !tls.insecure,
            ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
            ...(tls.certFile ? { cert: readFileSync(tls.certFile) } : {}),
            ...(tls.keyFile ? { key: readFileSync(tls.keyFile) } : {}),
          })
        : netConnect({ host: target.host, port: target.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection to ${target.host}:${target.port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve(new Connection(socket));
      });
      socket.once('error', (error: Error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  request(apiKey: number, version: number, body: Buffer, timeoutMs: number): Promise<Buffer> {
    const header = new Writer().int16(apiKey).int16(version).int32(++this.correlation).string('kleak').bytes();
    const size = Buffer.alloc(4);
    size.writeInt32BE(header.length + body.length);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      this.pending.push({
        resolve: (b) => {
          clearTimeout(timer);
          resolve(b);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.write(Buffer.concat([size, header, body]));
    });
  }

  close() {
    this.socket.destroy();
  }
}

/**
 * Describes groups with DescribeGroups v4 (members with their group.instance.id). Keeps its coordinator
 * connections open between calls (the shutdown check polls every 100 ms); close() when done.
 */
export class MemberDescriber {
  private coordinators = new Map<string, Promise<Connection>>();
  private bootstrapConnection?: Promise<Connection>;
  constructor(
    private readonly bootstrap: HostPort[],
    private readonly options: Omit<KafkaConnectionOptions, 'bootstrap'>,
    private readonly timeoutMs = 3000,
  ) {}

  /** false for SASL listeners, which this client does not authenticate to */
  get usable(): boolean {
    return !this.options.sasl;
  }

  private async coordinatorFor(groupId: string): Promise<Connection> {
    let connection = this.coordinators.get(groupId);
    if (!connection) {
      connection = (async () => {
        this.bootstrapConnection ??= Connection.open(this.bootstrap[0]!, this.options, this.timeoutMs);
        const seed = await this.bootstrapConnection;
        const body = new Writer().string(groupId).int8(0).bytes();
        const found = decodeFindCoordinatorV1(await seed.request(10, 1, body, this.timeoutMs));
        if (found.errorCode !== 0) throw new Error(`FindCoordinator for ${groupId} answered error ${found.errorCode}`);
        return Connection.open({ host: found.host, port: found.port }, this.options, this.timeoutMs);
      })();
      this.coordinators.set(groupId, connection);
      connection.catch(() => this.coordinators.delete(groupId));
    }
    return connection;
  }

  async describe(groupId: string): Promise<DescribedGroup> {
    const connection = await this.coordinatorFor(groupId);
    const body = new Writer().int32(1).string(groupId).int8(0).bytes();
    try {
      const [group] = decodeDescribeGroupsV4(await connection.request(15, 4, body, this.timeoutMs));
      if (!group) throw new Error(`DescribeGroups answered no group for ${groupId}`);
      if (group.errorCode === 16 /* NOT_COORDINATOR */) this.coordinators.delete(groupId);
      return group;
    } catch (error) {
      this.coordinators.delete(groupId);
      connection.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    const all = [...this.coordinators.values(), ...(this.bootstrapConnection ? [this.bootstrapConnection] : [])];
    this.coordinators.clear();
    for (const c of await Promise.allSettled(all)) if (c.status === 'fulfilled') c.value.close();
  }
}
