// Bare TCP probes of broker addresses: does it take a connection, and what kind of listener answers.
import { Socket } from 'node:net';
import type { HostPort } from './connection-options.js';

export function tcpProbe({ host, port }: HostPort, timeoutMs: number): Promise<string | undefined> {
  return new Promise((done) => {
    const socket = new Socket();
    const finish = (problem?: string) => {
      socket.destroy();
      done(problem);
    };
    socket.setTimeout(timeoutMs, () => finish(`timed out after ${timeoutMs} ms`));
    socket.once('error', (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
    socket.connect(port, host, () => finish());
  });
}

/** What a listener that closed a plaintext Kafka client is, from its answer to a bare ApiVersions request. */
export type ListenerKind = 'kafka' | 'http' | 'tls' | 'silent' | 'other';

/**
 * Sends one ApiVersions v0 request (which every Kafka listener answers before SASL authentication) and
 * reads the first bytes back: Kafka (the correlation id comes back), HTTP (a status line), a TLS alert
 * record (a TLS listener answers garbage with one and closes), or nothing. Bounded by timeoutMs.
 */
export function probeListener({ host, port }: HostPort, timeoutMs: number): Promise<ListenerKind> {
  return new Promise((done) => {
    const socket = new Socket();
    let got = Buffer.alloc(0);
    const finish = (kind: ListenerKind) => {
      socket.destroy();
      done(kind);
    };
    const clientId = Buffer.from('kleak');
    const request = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
    request.writeInt32BE(request.length - 4, 0);
    request.writeInt16BE(18, 4); // ApiVersions
    request.writeInt16BE(0, 6);
    request.writeInt32BE(0x6b6c6561, 8); // correlation id
    request.writeInt16BE(clientId.length, 12);
    clientId.copy(request, 14);
    socket.setTimeout(timeoutMs, () => finish(got.length ? 'other' : 'silent'));
    socket.once('error', () => finish(got.length ? 'other' : 'silent'));
    socket.once('close', () => finish(got.length ? 'other' : 'silent'));
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.subarray(0, 5).toString('latin1') === 'HTTP/') finish('http');
      else if (got[0] === 0x15 && got[1] === 0x03)
        finish('tls'); // alert record, TLS 1.x
      else if (got.length >= 8) finish(got.readInt32BE(4) === 0x6b6c6561 ? 'kafka' : 'other');
    });
    socket.connect(port, host, () => socket.write(request));
  });
}
