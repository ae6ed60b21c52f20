// kleak/agent: load with `node -r kleak/agent app.js` (or --require) in a Node service.
// 1. SIGUSR2 writes heapdump-<time>.heapsnapshot into the working directory, which
//    `kleak heap --pid P --via signal` reads: through the heapdump addon when it is built, else through
//    node's own v8.writeHeapSnapshot (newer npm versions do not run the addon's build script unless
//    approved). It says on stderr which one it uses, once.
// 2. It records where the service creates its kafkajs clients: one captured stack per producer(),
//    consumer() and admin() call (the service's own frame: file:line:column and function), carried
//    through that client's calls, and left on each broker Connection it opens (a non-enumerable
//    __kleakCreatedAt string) — so a heap snapshot names the line behind every live connection, even
//    when nothing but the connection's own socket still holds it.
'use strict';
const Module = require('node:module');
const path = require('node:path');
const { AsyncLocalStorage } = require('node:async_hooks');

let using = 'heapdump';
try {
  require('heapdump');
} catch {
  using = 'v8.writeHeapSnapshot';
  const v8 = require('node:v8');
  process.on('SIGUSR2', () => {
    v8.writeHeapSnapshot(path.join(process.cwd(), `heapdump-${Date.now()}.heapsnapshot`));
  });
}

const createdAt = new AsyncLocalStorage();
const kafkajsDir = `${path.sep}kafkajs${path.sep}`;

/** The first frame of the current stack outside kafkajs, node's internals and this agent: "file:line:column function". */
function callSite() {
  const keep = Error.stackTraceLimit;
  Error.stackTraceLimit = 30;
  const stack = new Error().stack || '';
  Error.stackTraceLimit = keep;
  for (const line of stack.split('\n').slice(1)) {
    const m = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
    if (!m) continue;
    const file = m[2].replace(/^file:\/\//, '');
    if (file === __filename || file.includes(kafkajsDir) || file.startsWith('node:') || !path.isAbsolute(file)) continue;
    // a flat string (not a concatenation), so a heap snapshot holds it whole as one string node
    return Buffer.from(`${file}:${m[3]}:${m[4]} ${m[1] || '(anonymous)'}`, 'utf8').toString('utf8');
  }
  return undefined;
}

/** Every method of a kafkajs producer/consumer/admin runs with its creation site in the async context. */
function carry(client, site) {
  for (const key of Object.keys(client)) {
    const fn = client[key];
    if (typeof fn === 'function') client[key] = (...args) => createdAt.run(site, () => fn(...args));
  }
  return client;
}

const patched = new WeakSet();
function patchKafka(exports) {
  const Kafka = exports && exports.Kafka;
  if (typeof Kafka !== 'function' || patched.has(Kafka)) return;
  patched.add(Kafka);
  for (const kind of ['producer', 'consumer', 'admin']) {
    const original = Kafka.prototype[kind];
    if (typeof original !== 'function') continue;
    Kafka.prototype[kind] = function (...args) {
      const site = callSite();
      const client = createdAt.run(site, () => original.apply(this, args));
      return site && client && typeof client === 'object' ? carry(client, site) : client;
    };
  }
}
function patchConnection(Connection) {
  if (typeof Connection !== 'function' || patched.has(Connection) || typeof Connection.prototype.connect !== 'function') return;
  patched.add(Connection);
  const connect = Connection.prototype.connect;
  Connection.prototype.connect = function (...args) {
    const site = createdAt.getStore();
    if (site && !this.__kleakCreatedAt) Object.defineProperty(this, '__kleakCreatedAt', { value: site, enumerable: false, configurable: true });
    return connect.apply(this, args);
  };
}
const isKafkajs = (file) => file.endsWith(`${kafkajsDir}index.js`);
const isConnection = (file) => file.endsWith(`${kafkajsDir}src${path.sep}network${path.sep}connection.js`);

// kafkajs loaded later (require, or import of its CommonJS build: both come through Module._load) ...
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const exports = load.apply(this, arguments);
  if (request === 'kafkajs' || request.includes('kafkajs') || (parent && parent.filename && parent.filename.includes(kafkajsDir))) {
    let file = request;
    try {
      file = Module._resolveFilename(request, parent, isMain);
    } catch {
      // a built-in or an unresolvable request: nothing of kafkajs
    }
    if (isKafkajs(file)) patchKafka(exports);
    else if (isConnection(file)) patchConnection(exports);
  }
  return exports;
};
// ... and kafkajs already loaded (the agent required after the service imported it)
for (const [file, m] of Object.entries(require.cache)) {
  if (isKafkajs(file)) patchKafka(m.exports);
  else if (isConnection(file)) patchConnection(m.exports);
}

process.stderr.write(`kleak/agent: SIGUSR2 writes a heap snapshot into the working directory (${using}); kafkajs clients record where they are created\n`);
