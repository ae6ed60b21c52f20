// kleak top, as a core function: attribute the brokers once, then look at the host (again and again with --watch).
import { attributeBrokers } from '../collectors/cluster/fetch-broker-endpoints.js';
import { hostLookCarry, readHostTop } from '../collectors/host/index.js';
import { nodeProcReader } from '../collectors/process/read-proc.js';
import type { HostTop } from '../collectors/host/types.js';
import type { BrokerOptions } from './sockets.js';

export interface TopOptions extends BrokerOptions {
  /** with --watch: samples until stopped (or this many) */
  samples?: number;
  intervalMs?: number;
  onSample?: (top: HostTop) => void;
  /** stops the watch between samples */
  signal?: AbortSignal;
}

export async function hostTop(options: TopOptions): Promise<HostTop> {
  const attribution = await attributeBrokers(options);
  const request = { endpoints: attribution.endpoints, brokerSource: attribution.source, warnings: attribution.warnings, exclude: [process.pid] };
  let previous: Map<number, number> | undefined;
  let last: HostTop | undefined;
  const samples = options.samples ?? 1;
  // with --watch, a namespace unchanged since the last sample is not read again
  const carry = samples > 1 ? hostLookCarry() : undefined;
  for (let i = 0; i < samples && !options.signal?.aborted; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, options.intervalMs ?? 2000));
    if (options.signal?.aborted) break;
    const top = await readHostTop(request, nodeProcReader, carry);
    if (previous) for (const p of top.processes) p.growth = p.totals.established - (previous.get(p.pid) ?? 0);
    previous = new Map(top.processes.map((p) => [p.pid, p.totals.established]));
    request.warnings = []; // the attribution's warnings once
    options.onSample?.(top);
    last = top;
  }
  return last!;
}
