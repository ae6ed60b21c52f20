// kleak shutdown-check, as a core function: one signal (or N, with --exec --repeat), watched, then evaluated.
import { collectShutdown, type ShutdownRequest } from '../collectors/shutdown/index.js';
import { errorOf } from '../collectors/types.js';
import { version } from '../version.js';
import { evaluate, gather, type Run } from './evaluate.js';

export async function checkShutdown(request: ShutdownRequest): Promise<Run> {
  const startedAt = Date.now();
  const shutdown = await collectShutdown(request);
  if (shutdown.status === 'failed') throw errorOf(shutdown);
  const { evidence, reports } = gather({ shutdown });
  const pids = evidence.shutdown?.runs.map((r) => r.pid) ?? [];
  return {
    evidence,
    diagnosis: evaluate(evidence, reports, {
      target: { pids, description: request.exec ? `started by kleak: ${request.exec.command}` : `PID ${request.pid}` },
      startedAt,
      finishedAt: Date.now(),
      version,
    }),
  };
}
