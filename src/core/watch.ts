// kleak watch, as a core function: samples over time (or per driven request), evaluated; a target
// that exits mid-watch fails the watch collector and keeps the samples taken before.
import { attributeBrokers } from '../collectors/cluster/fetch-broker-endpoints.js';
import { ok, errorOf } from '../collectors/types.js';
import { collectWatch } from '../collectors/watch/index.js';
import type { DrivePlan, WatchSample } from '../collectors/watch/types.js';
import { version } from '../version.js';
import { evaluate, gather, type Run } from './evaluate.js';
import type { SocketsOptions } from './sockets.js';
import { targetOf } from './target.js';

export interface WatchOptions extends SocketsOptions {
  intervalMs: number;
  durationMs: number;
  pprofUrl?: string;
  drive?: DrivePlan;
  onSample?: (sample: WatchSample) => void;
}

export async function watchProcess(options: WatchOptions): Promise<Run> {
  const startedAt = Date.now();
  const attribution = await attributeBrokers(options);
  const watch = await collectWatch({
    sockets: {
      pids: options.pids,
      children: options.children,
      endpoints: attribution.endpoints,
      brokerSource: attribution.source,
      warnings: attribution.warnings,
    },
    intervalMs: options.intervalMs,
    durationMs: options.durationMs,
    pprofUrl: options.pprofUrl,
    drive: options.drive,
    onSample: options.onSample,
  });
  if (watch.status === 'skipped' || (watch.status === 'failed' && !watch.partial)) throw errorOf(watch as Extract<typeof watch, { status: 'failed' }>);
  const last = watch.status === 'ok' ? watch.evidence.last : watch.partial!.last;
  const { evidence, reports } = gather({ watch, sockets: ok(last) });
  return { evidence, diagnosis: evaluate(evidence, reports, { target: targetOf(last, options.pids), startedAt, finishedAt: Date.now(), version }) };
}
