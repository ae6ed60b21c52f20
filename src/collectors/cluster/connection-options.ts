// Kafka connection options shared by every command that talks to the cluster.
import type { KafkaConfig } from 'kafkajs';
import { UsageError } from '../../errors.js';

export interface KafkaConnectionOptions {
  bootstrap: string[];
  clientId?: string;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface HostPort {
  host: string;
  port: number;
}

/** "h1:9092,h2:9092" or "[::1]:9092" → host/port pairs; a bad entry is a usage error. */
export function parseHostPorts(value: string, flag: string): HostPort[] {
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new UsageError(`${flag} is empty.`, { hint: `Give host:port pairs, e.g. ${flag} 127.0.0.1:9092,127.0.0.1:9093` });
  return entries.map((entry) => {
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) {
      throw new UsageError(`${flag} has "${entry}", which is not host:port.`, { hint: `Give host:port pairs, e.g. ${flag} 127.0.0.1:9092` });
    }
    return { host: match[1] ?? match[2]!, port };
  });
}

export function kafkaConfig(options: KafkaConnectionOptions): KafkaConfig {
  return {
    clientId: options.clientId ?? 'kleak',
    brokers: options.bootstrap,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 5000,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 },
  };
}
