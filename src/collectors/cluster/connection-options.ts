// Kafka connection options shared by every command that talks to the cluster: bootstrap, client id,
// TLS and SASL. Secrets come from flags or environment variables and are never printed.
import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { UsageError } from '../../errors.js';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaConnectionOptions {
  bootstrap: string[];
  clientId?: string;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  tls?: { caFile?: string; certFile?: string; keyFile?: string; insecure?: boolean };
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

export interface HostPort {
  host: string;
  port: number;
}

/** "h1:9092,h2:9092" or "[::1]:9092" → host/port pairs; a bad entry is a usage error. */
export function parseHostPorts(value: string, flag: string): HostPort[] {
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
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

export const hostPortText = (b: HostPort) => `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`;

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new UsageError(`Cannot read the TLS ${what} file ${file}.`, { cause, hint: 'Check the path and its permissions.' });
  }
}

/** The connection timeout, 3 s unless set: kafkajs's, and the bound of kleak's own probes. */
export const connectionTimeoutOf = (options: Pick<KafkaConnectionOptions, 'connectionTimeoutMs'>) => options.connectionTimeoutMs ?? 3000;

export function kafkaConfig(options: KafkaConnectionOptions): KafkaConfig {
  const tls = options.tls;
  return {
    clientId: options.clientId ?? 'kleak',
    brokers: options.bootstrap,
    connectionTimeout: connectionTimeoutOf(options),
    requestTimeout: options.requestTimeoutMs ?? 5000,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 },
    ...(tls
      ? {
          ssl: {
            rejectUnauthorized: !tls.insecure,
            ...(tls.caFile ? { ca: [readPem(tls.caFile, 'CA')] } : {}),
            ...(tls.certFile ? { cert: readPem(tls.certFile, 'certificate') } : {}),
            ...(tls.keyFile ? { key: readPem(tls.keyFile, 'key') } : {}),
          },
        }
      : {}),
    ...(options.sasl ? { sasl: { mechanism: options.sasl.mechanism, username: options.sasl.username, password: options.sasl.password } as SASLOptions } : {}),
  };
}

export interface ConnectionFlags {
  bootstrap?: string;
  clientId?: string;
  tls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecure?: boolean;
  saslMechanism?: string;
  saslUsername?: string;
  saslPassword?: string;
}

/** Flags and environment → connection options (without the bootstrap). Password: flag, else KLEAK_SASL_PASSWORD. */
export function connectionFromFlags(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Omit<KafkaConnectionOptions, 'bootstrap'> {
  const out: Omit<KafkaConnectionOptions, 'bootstrap'> = { clientId: flags.clientId };
  if (flags.tls || flags.tlsCa || flags.tlsCert || flags.tlsKey || flags.insecure) {
    out.tls = { caFile: flags.tlsCa, certFile: flags.tlsCert, keyFile: flags.tlsKey, insecure: flags.insecure };
  }
  const mechanism = flags.saslMechanism ?? env.KLEAK_SASL_MECHANISM;
  if (mechanism) {
    const m = mechanism.toLowerCase();
    if (m !== 'plain' && m !== 'scram-sha-256' && m !== 'scram-sha-512') {
      throw new UsageError(`--sasl-mechanism "${mechanism}" is not supported.`, { hint: 'Use plain, scram-sha-256 or scram-sha-512.' });
    }
    const username = flags.saslUsername ?? env.KLEAK_SASL_USERNAME;
    const password = flags.saslPassword ?? env.KLEAK_SASL_PASSWORD;
    if (!username || password === undefined) {
      throw new UsageError('SASL needs a username and a password.', {
        hint: 'Give --sasl-username and the password in KLEAK_SASL_PASSWORD (or --sasl-password).',
      });
    }
    out.sasl = { mechanism: m, username, password };
  }
  return out;
}
