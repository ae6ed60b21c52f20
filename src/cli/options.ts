// Flag parsers and option groups shared by commands.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';

/** "500ms", "30s", "2m", "1h", or a bare number of seconds. */
export function parseDuration(value: string, flag = 'duration'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new UsageError(`${flag} "${value}" is not a duration.`, { hint: 'Write durations like 500ms, 30s, 2m or 1h.' });
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  const ms = Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!);
  // a timer cannot wait longer (Node fires a longer one at once)
  if (ms > 2 ** 31 - 1) throw new UsageError(`${flag} "${value}" is longer than kleak waits (24 days).`, { hint: 'Give a shorter duration.' });
  return ms;
}

export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${flag} "${value}" is not a whole number.`, { hint: `Give ${flag} a whole number, e.g. ${flag} 50.` });
  return n;
}

export function parsePid(value: string, previous: number[] = []): number[] {
  const pid = Number(value);
  if (!Number.isInteger(pid) || pid <= 0)
    throw new UsageError(`--pid "${value}" is not a process id.`, { hint: 'Find the PID with `pgrep -af NAME` or `ps aux`.' });
  return [...previous, pid];
}

/** Kafka connection flags, the same on every command that connects; secrets also from the environment. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--client-id <id>', 'client id kleak uses towards the cluster', 'kleak')
    .option('--tls', 'connect with TLS')
    .option('--tls-ca <file>', 'CA certificate (PEM) to verify the brokers')
    .option('--tls-cert <file>', 'client certificate (PEM)')
    .option('--tls-key <file>', 'client key (PEM)')
    .option('--insecure', "do not verify the brokers' TLS certificates (only when you mean it)")
    .option('--sasl-mechanism <mechanism>', 'plain, scram-sha-256 or scram-sha-512 (env KLEAK_SASL_MECHANISM)')
    .option('--sasl-username <user>', 'SASL user (env KLEAK_SASL_USERNAME)')
    .option('--sasl-password <password>', 'SASL password; prefer the env KLEAK_SASL_PASSWORD (never printed)');
}

export function addTargetOptions(command: Command): Command {
  return addConnectionOptions(
    command
      .requiredOption('-p, --pid <pid>', 'process id (repeat for several processes)', parsePid)
      .option('--children', 'include every descendant process (e.g. Node cluster workers)')
      .option('--bootstrap <host:port,...>', 'ask the cluster which addresses are brokers')
      .option('--brokers <host:port,...>', 'treat these addresses as the brokers'),
  );
}
