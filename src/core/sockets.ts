// kleak sockets, as a core function: attribute brokers, read the inventory, evaluate.
import { attributeBrokers } from '../collectors/cluster/fetch-broker-endpoints.js';
import type { HostPort, KafkaConnectionOptions } from '../collectors/cluster/connection-options.js';
import { collectSockets } from '../collectors/process/index.js';
import { readJvmAttach } from '../collectors/jvm/index.js';
import { readPythonStacks } from '../collectors/python/py-spy.js';
import { errorOf } from '../collectors/types.js';
import { version } from '../version.js';
import { evaluate, gather, type Run } from './evaluate.js';
import { targetOf } from './target.js';

export interface BrokerOptions {
  bootstrap?: HostPort[];
  brokers?: HostPort[];
  connection?: Omit<KafkaConnectionOptions, 'bootstrap'>;
}

export interface SocketsOptions extends BrokerOptions {
  pids: number[];
  children?: boolean;
  /** a JVM's thread dump and class histogram through the HotSpot attach protocol (the caller has the user's consent) */
  attach?: boolean;
  /** a Python process's threads and stacks through py-spy (the caller has the user's consent) */
  stacks?: boolean;
}

export async function inspectSockets(options: SocketsOptions): Promise<Run> {
  const startedAt = Date.now();
  const attribution = await attributeBrokers(options);
  const sockets = await collectSockets({
    pids: options.pids,
    children: options.children,
    endpoints: attribution.endpoints,
    brokerSource: attribution.source,
    warnings: attribution.warnings,
  });
  if (sockets.status === 'failed') throw errorOf(sockets);
  if (options.attach && sockets.status === 'ok') for (const p of sockets.evidence.processes) if (p.jvm) p.jvm.attach = await readJvmAttach(p.pid);
  if (options.stacks && sockets.status === 'ok') for (const p of sockets.evidence.processes) if (p.python) p.python.stacks = readPythonStacks(p.pid);
  const { evidence, reports } = gather({ sockets });
  return { evidence, diagnosis: evaluate(evidence, reports, { target: targetOf(evidence.sockets, options.pids), startedAt, finishedAt: Date.now(), version }) };
}
