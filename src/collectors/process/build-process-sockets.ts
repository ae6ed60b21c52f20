// Joins one process's socket inodes with its namespace's TCP sockets and groups them per broker and state.
import type { BrokerConnections, BrokerEndpoint, ProcessTotals, TcpSocket } from './types.js';

/** "127.0.0.1:9092", "[::1]:9092": the form endpoints and sockets are matched in. */
export function endpointKey(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export interface BrokerMatcher {
  match(remoteAddress: string, remotePort: number): BrokerEndpoint | undefined;
}

/** Exact ip:port endpoints, plus "*:port" entries that match any address on that port. */
export function brokerMatcher(endpoints: readonly BrokerEndpoint[]): BrokerMatcher {
  const exact = new Map<string, BrokerEndpoint>();
  const anyAddress = new Map<number, BrokerEndpoint>();
  for (const e of endpoints) {
    if (e.address.startsWith('*:')) anyAddress.set(Number(e.address.slice(2)), e);
    else exact.set(e.address, e);
  }
  return {
    match(remoteAddress, remotePort) {
      return exact.get(endpointKey(remoteAddress, remotePort)) ?? anyAddress.get(remotePort);
    },
  };
}

export interface ProcessSocketInput {
  fdCount: number;
  fdLimit: number | null;
  socketInodes: ReadonlySet<number>;
  tcpByInode: ReadonlyMap<number, TcpSocket>;
}

export function buildProcessSockets(
  input: ProcessSocketInput,
  matcher: BrokerMatcher,
): { brokers: BrokerConnections[]; totals: ProcessTotals; listenPorts: number[]; peers: Record<string, number> } {
  const listenPorts = new Set<number>();
  for (const inode of input.socketInodes) {
    const socket = input.tcpByInode.get(inode);
    if (socket?.state === 'LISTEN') listenPorts.add(socket.localPort);
  }
  // TCP sockets that are not to brokers, by peer: "127.0.0.1:8199" out, or ":8080 in" to a port the process listens on
  const peers: Record<string, number> = {};
  const brokers = new Map<string, BrokerConnections>();
  let tcpSockets = 0;
  let brokerSockets = 0;
  let brokerEstablished = 0;
  let brokerCloseWait = 0;
  for (const inode of input.socketInodes) {
    const socket = input.tcpByInode.get(inode);
    if (!socket) continue;
    tcpSockets++;
    if (socket.state === 'LISTEN') {
      listenPorts.add(socket.localPort);
      continue;
    }
    const endpoint = matcher.match(socket.remoteAddress, socket.remotePort);
    if (!endpoint) {
      const peer = listenPorts.has(socket.localPort) ? `:${socket.localPort} in` : endpointKey(socket.remoteAddress, socket.remotePort);
      peers[peer] = (peers[peer] ?? 0) + 1;
      continue;
    }
    const address = endpointKey(socket.remoteAddress, socket.remotePort);
    let group = brokers.get(address);
    if (!group) {
      group = {
        address,
        ...(endpoint.nodeId !== undefined ? { nodeId: endpoint.nodeId } : {}),
        ...(endpoint.host ? { host: endpoint.host } : {}),
        established: 0,
        states: {},
        sendQueueBytes: 0,
        receiveQueueBytes: 0,
      };
      brokers.set(address, group);
    }
    group.states[socket.state] = (group.states[socket.state] ?? 0) + 1;
    group.sendQueueBytes += socket.sendQueueBytes;
    group.receiveQueueBytes += socket.receiveQueueBytes;
    brokerSockets++;
    if (socket.state === 'ESTABLISHED') {
      group.established++;
      brokerEstablished++;
    } else if (socket.state === 'CLOSE_WAIT') {
      brokerCloseWait++;
    }
  }
  return {
    peers,
    listenPorts: [...listenPorts].sort((a, b) => a - b),
    brokers: [...brokers.values()].sort((a, b) => (a.nodeId ?? 1e9) - (b.nodeId ?? 1e9) || a.address.localeCompare(b.address)),
    totals: {
      fds: input.fdCount,
      fdLimit: input.fdLimit,
      sockets: input.socketInodes.size,
      tcpSockets,
      brokerSockets,
      brokerEstablished,
      brokerCloseWait,
      nonBrokerSockets: input.socketInodes.size - brokerSockets,
    },
  };
}

export function sumTotals(all: readonly ProcessTotals[]): ProcessTotals {
  const limits = all.map((t) => t.fdLimit);
  return {
    fds: all.reduce((s, t) => s + t.fds, 0),
    fdLimit: limits.includes(null) || limits.length === 0 ? null : limits.reduce((s, l) => s! + l!, 0),
    sockets: all.reduce((s, t) => s + t.sockets, 0),
    tcpSockets: all.reduce((s, t) => s + t.tcpSockets, 0),
    brokerSockets: all.reduce((s, t) => s + t.brokerSockets, 0),
    brokerEstablished: all.reduce((s, t) => s + t.brokerEstablished, 0),
    brokerCloseWait: all.reduce((s, t) => s + t.brokerCloseWait, 0),
    nonBrokerSockets: all.reduce((s, t) => s + t.nonBrokerSockets, 0),
  };
}

/** Per-broker rows summed across processes. */
export function mergeBrokers(lists: readonly BrokerConnections[][]): BrokerConnections[] {
  const merged = new Map<string, BrokerConnections>();
  for (const list of lists) {
    for (const b of list) {
      const m = merged.get(b.address);
      if (!m) {
        merged.set(b.address, { ...b, states: { ...b.states } });
        continue;
      }
      m.established += b.established;
      m.sendQueueBytes += b.sendQueueBytes;
      m.receiveQueueBytes += b.receiveQueueBytes;
      for (const [state, n] of Object.entries(b.states)) m.states[state as keyof typeof m.states] = (m.states[state as keyof typeof m.states] ?? 0) + n;
    }
  }
  return [...merged.values()].sort((a, b) => (a.nodeId ?? 1e9) - (b.nodeId ?? 1e9) || a.address.localeCompare(b.address));
}
