// kleak/agent: load with `node -r kleak/agent app.js` (or --require) in services where an inspector
// is not allowed. SIGUSR2 then writes heapdump-<time>.heapsnapshot into the working directory, which
// `kleak heap --pid P --via signal` reads: through the heapdump addon when it is built, else through
// node's own v8.writeHeapSnapshot (newer npm versions do not run the addon's build script unless
// approved). It says on stderr which one it uses, once.
let using = 'heapdump';
try {
  require('heapdump');
} catch {
  using = 'v8.writeHeapSnapshot';
  const v8 = require('node:v8');
  const path = require('node:path');
  process.on('SIGUSR2', () => {
    const file = path.join(process.cwd(), `heapdump-${Date.now()}.heapsnapshot`);
    v8.writeHeapSnapshot(file);
  });
}
process.stderr.write(`kleak/agent: SIGUSR2 writes a heap snapshot into the working directory (${using})\n`);
