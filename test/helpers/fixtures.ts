// Starts fixture services for a test and stops them by PID after it, also when it fails.
import { after } from 'node:test';
import { startFixture, type FixtureName, type FixtureOptions, type FixtureService } from '../../src/local-kafka/start-fixture.js';

export async function fixture(name: FixtureName, options: FixtureOptions): Promise<FixtureService> {
  const service = await startFixture(name, options);
  after(() => service.stop());
  return service;
}

/** Sends n requests, `concurrency` at a time; every request must answer 2xx within its timeout. */
export async function drive(url: string, n: number, { method = 'POST', concurrency = 1, timeoutMs = 15_000 } = {}): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const response = await fetch(url, { method, signal: AbortSignal.timeout(timeoutMs) });
      const body = await response.text();
      if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${body}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export async function getJson<T>(url: string, method = 'GET'): Promise<T> {
  const response = await fetch(url, { method, signal: AbortSignal.timeout(15_000) });
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

/** Polls until check returns a value, or fails after timeoutMs with the last observation. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
