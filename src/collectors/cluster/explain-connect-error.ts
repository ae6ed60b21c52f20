// Turns kafkajs's connection errors into one clear answer: which listener, which mismatch, no secret in it.
import { errorFields, InputError } from '../../errors.js';
import type { KafkaConnectionOptions } from './connection-options.js';
import type { ListenerKind } from './probe-listener.js';

/** Removes every secret from a message, whatever library or peer produced it. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/** Maps kafkajs's connection errors to one clear answer (no secret in it). */
export function connectError(error: unknown, addresses: string, options: Omit<KafkaConnectionOptions, 'bootstrap'>, listener?: ListenerKind): InputError {
  const e = errorFields(error);
  const causeMessage = e.cause === undefined ? undefined : errorFields(e.cause).message;
  const secrets = options.sasl ? [options.sasl.password] : [];
  const base = e.message;
  const message = scrub(`${base}${causeMessage && !base.includes(causeMessage) ? ` (${causeMessage})` : ''}`, secrets);
  if (e.name === 'KafkaJSSASLAuthenticationError' || /SASL .*authentication failed|Authentication failed/i.test(message)) {
    return new InputError(`SASL ${options.sasl?.mechanism ?? ''} authentication as "${options.sasl?.username ?? '?'}" failed at ${addresses}.`, {
      cause: new Error(message),
      hint: 'Check the username, the password (KLEAK_SASL_PASSWORD) and --sasl-mechanism against the listener.',
    });
  }
  if (options.sasl && (/ILLEGAL_SASL_STATE/.test(e.type ?? '') || /not valid given the current SASL state/.test(message))) {
    return new InputError(`${addresses} answered as Kafka but takes no SASL there: it is not a SASL listener.`, {
      cause: new Error(message),
      hint: "Drop --sasl-mechanism for this listener, or give the port of the cluster's SASL listener.",
    });
  }
  if (options.sasl && /does not support the requested SASL mechanism|UNSUPPORTED_SASL_MECHANISM/.test(`${message} ${e.type ?? ''}`)) {
    return new InputError(`${addresses} does not enable SASL ${options.sasl.mechanism} on this listener.`, {
      cause: new Error(message),
      hint: 'Use a mechanism the listener enables (its sasl.enabled.mechanisms): plain, scram-sha-256 or scram-sha-512.',
    });
  }
  if (!options.sasl && !options.tls && /Closed connection/i.test(message) && (listener === 'kafka' || listener === 'tls' || listener === 'silent')) {
    return listener === 'kafka'
      ? new InputError(`${addresses} is a Kafka listener that wants SASL: it answered ApiVersions and closed the connection at the Metadata request.`, {
          cause: new Error(message),
          hint: 'Give --sasl-mechanism, --sasl-username and the password in KLEAK_SASL_PASSWORD.',
        })
      : new InputError(
          `${addresses} accepted a TCP connection and closed it, answering Kafka's ApiVersions request ${listener === 'tls' ? 'with a TLS alert: it is a TLS listener' : 'with nothing: a TLS listener does that to a plaintext client'}.`,
          {
            cause: new Error(message),
            hint: 'Give --tls (and --tls-ca for a private CA), or check that this is a Kafka listener.',
          },
        );
  }
  if (options.tls && /TLS|SSL|secure|certificate|wrong version|handshake|EPROTO/i.test(message)) {
    return new InputError(`The TLS handshake with ${addresses} failed.`, {
      cause: new Error(message),
      hint: 'Check that this listener speaks TLS, the CA (--tls-ca), and the client certificate; --insecure skips verification (only when you mean it).',
    });
  }
  if (options.tls && /timed out|did not answer|Connection timeout/i.test(message)) {
    return new InputError(`${addresses} did not complete a TLS connection.`, {
      cause: new Error(message),
      hint: 'Is this a TLS listener? Without --tls kleak speaks plaintext.',
    });
  }
  return new InputError(`${addresses} accepted a TCP connection but did not answer as a Kafka broker${listener === 'http' ? ': it answered in HTTP' : ''}.`, {
    cause: new Error(message),
    hint: 'Check that --bootstrap names a Kafka listener (not an HTTP or admin port), and that the TLS/SASL options match the listener.',
  });
}
