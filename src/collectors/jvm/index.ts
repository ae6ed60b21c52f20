// A JVM's Kafka clients as the JVM itself tells them, through the attach protocol (only with --attach --yes):
// its thread dump (whole thread names: client ids and kafka-clients' per-JVM counter) and its class histogram.
import type { JvmAttachLook } from '../process/types.js';
import { jcmd } from './attach.js';
import { parseClassHistogram, parseThreadDump } from './parse-jcmd.js';

export async function readJvmAttach(pid: number): Promise<JvmAttachLook> {
  const dump = await jcmd(pid, 'Thread.print');
  const histogram = await jcmd(pid, 'GC.class_histogram');
  const threads = parseThreadDump(dump.output);
  return {
    clients: threads.clients,
    builtAtLeast: threads.builtAtLeast,
    histogram: parseClassHistogram(histogram.output),
    listenerStarted: dump.started,
  };
}
