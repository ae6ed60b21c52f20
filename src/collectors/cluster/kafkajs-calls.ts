// Calling kafkajs's admin client: loading the CommonJS module, bounding a call in time, asking another
// broker when the one kafkajs picked did not take the connection.
import type * as KafkaJs from 'kafkajs';

/** kafkajs is CommonJS: some of its exports are only on the default export when imported. */
export async function kafkajsModule(): Promise<typeof KafkaJs> {
  const m = (await import('kafkajs')) as typeof KafkaJs & { default?: typeof KafkaJs };
  return m.default ?? m;
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(Object.assign(new Error(`${what} did not answer within ${ms} ms`), { name: 'KleakTimeout' })), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** kafkajs's error for a broker that did not accept a connection (refused, timed out, reset). */
export function isConnectionError(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | undefined;
  return e?.name === 'KafkaJSConnectionError' || e?.name === 'KafkaJSBrokerNotFound' || /^Connection (error|timeout)/.test(e?.message ?? '');
}

/**
 * Runs a kafkajs admin call again when it failed to connect to the broker kafkajs picked: kafkajs picks
 * a random broker (or the "controller", which KRaft names at random per Metadata answer), so a dead
 * broker of three fails a call one time in three. Bounded: `attempts` tries, no wait between them.
 */
/** How long a call with retryOtherBroker may take in all: a few connection timeouts and request round trips. */
export const retryBudgetMs = (connectionTimeoutMs: number) => 4 * (connectionTimeoutMs + 2000);

export async function retryOtherBroker<T>(call: () => Promise<T>, attempts = 8): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await call();
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      last = error;
    }
  }
  throw last;
}
