// `npm run broker [-- --nodes 3] [--port 9092] [--config connections.max.idle.ms=5000] [--tls] [--sasl-user u=p] [--scram-user u=p] [--super-user User:u]`:
// a real broker by hand, until Ctrl-C.
import { parseArgs } from 'node:util';
import { describeCause, isKleakError } from '../errors.js';
import { launchKafka } from './launch-kafka.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1' },
    port: { type: 'string', multiple: true, default: [] },
    config: { type: 'string', multiple: true, default: [] },
    tls: { type: 'boolean', default: false },
    'sasl-user': { type: 'string', multiple: true, default: [] },
    'scram-user': { type: 'string', multiple: true, default: [] },
    'super-user': { type: 'string', multiple: true, default: [] },
  },
});
/** name=value flags (repeatable) → an object; undefined when none were given */
const keyValues = (list: string[]) =>
  list.length ? Object.fromEntries(list.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) : undefined;
const brokerConfig = keyValues(values.config) ?? {};
try {
  const cluster = await launchKafka({
    nodes: values.nodes === '3' ? 3 : 1,
    brokerConfig,
    brokerPorts: values.port.length ? values.port.map(Number) : undefined,
    tls: values.tls,
    saslPlainUsers: keyValues(values['sasl-user']),
    scramUsers: keyValues(values['scram-user']),
    superUsers: values['super-user'].length ? values['super-user'] : undefined,
    log: (l) => console.error(l),
  });
  console.log(`bootstrap: ${cluster.bootstrap}`);
  if (cluster.saslBootstrap) console.log(`SASL_PLAINTEXT: ${cluster.saslBootstrap}`);
  if (cluster.tlsBootstrap) console.log(`SSL: ${cluster.tlsBootstrap} (certificate ${cluster.tlsCaFile}; the work dir goes on stop)`);
  for (const n of cluster.nodes)
    console.log(`node ${n.nodeId}: pid ${n.pid}, broker 127.0.0.1:${n.brokerPort}, controller 127.0.0.1:${n.controllerPort}, log ${n.logFile}`);
  console.log(`started in ${cluster.startupMs} ms; Ctrl-C stops it`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.error('stopping…');
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
} catch (error) {
  console.error(`broker: ${error instanceof Error ? error.message : String(error)}`);
  if (isKleakError(error) && error.hint) console.error(`  hint: ${error.hint}`);
  const cause = isKleakError(error) ? describeCause(error.cause) : undefined;
  if (cause) console.error(`  cause: ${cause}`);
  process.exitCode = 2;
}
