// kleak/agent: load with `node -r kleak/agent app.js` (or --require) in services where an inspector
// is not allowed. It loads heapdump and nothing else: SIGUSR2 then writes
// heapdump-<time>.heapsnapshot into the working directory, which `kleak heap --pid P --via signal` reads.
require('heapdump');
