// The load generator's process (LoadProcess): one window per message, its figures sent back.
import { OpenLoopLoad, type LoadOptions } from './load.js';

const [url, options] = process.argv.slice(2);
const load = new OpenLoopLoad(url!, JSON.parse(options!) as LoadOptions);
let operationDone: (() => void) | undefined;
process.on('message', (m: { window?: number; waitForOperation?: boolean; operationDone?: boolean }) => {
  if (m.operationDone) {
    operationDone?.();
    return;
  }
  if (m.window === undefined) return;
  const until = m.waitForOperation ? new Promise<void>((resolve) => (operationDone = resolve)) : undefined;
  void load.window(m.window, until ? () => until : undefined).then((w) => process.send!(w));
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
