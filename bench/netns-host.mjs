// A benchmark host made of network namespaces (ip netns; root): each with a "broker" listener on 127.0.0.1:9092
// and Python processes holding connections to it. Every namespace and process is removed at exit, also on failure.
import { spawn, spawnSync } from 'node:child_process';

const listener = `
import resource, selectors, socket
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE); resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 9092)); s.listen(4096)
print('ready', flush=True)
# every connection is kept until its client closes it, then closed here too (a pool that recycles does not pile up)
sel = selectors.DefaultSelector(); sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        if key.fileobj is s:
            c, _ = s.accept(); sel.register(c, selectors.EVENT_READ)
        else:
            try:
                data = key.fileobj.recv(4096)
            except OSError:
                data = b''
            if not data:
                sel.unregister(key.fileobj); key.fileobj.close()
`;
// n connections at once, then one more every `every` seconds (0: never), up to n + 4000
const client = `
import socket, sys, time, resource
n, every = int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 5000, n + 5000))
kept = [socket.create_connection(('127.0.0.1', 9092)) for _ in range(n)]
print('ready', flush=True)
while every > 0 and len(kept) < n + 4000:
    time.sleep(every); kept.append(socket.create_connection(('127.0.0.1', 9092)))
sys.stdin.read()
`;
// n connections kept, one of them closed and another opened every `every` seconds (a pool that recycles)
const churner = `
import socket, sys, time, random
n, every = int(sys.argv[1]), float(sys.argv[2])
kept = [socket.create_connection(('127.0.0.1', 9092)) for _ in range(n)]
print('ready', flush=True)
while True:
    time.sleep(every)
    kept.pop(random.randrange(len(kept))).close(); kept.append(socket.create_connection(('127.0.0.1', 9092)))
`;

export function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `count` namespaces named prefix0…, each with its broker listener; clients are added with holder(). */
/** `port`: the brokers' port in every namespace (9092; another keeps two benchmarks' processes apart). */
export async function namespaceHost(prefix, count, port = 9092) {
  const children = new Set();
  const namespaces = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const made = new Set();
  const cleanup = () => {
    for (const c of children) c.kill('SIGKILL');
    for (const ns of made) spawnSync('ip', ['netns', 'delete', ns]);
  };
  process.on('exit', cleanup);
  process.on('SIGINT', () => process.exit(130));
  process.on('SIGTERM', () => process.exit(143));
  const startIn = (ns, code, args) =>
    new Promise((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', code.replaceAll('9092', String(port)), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
      child.ns = ns;
      children.add(child);
      child.once('exit', (c) => {
        children.delete(child);
        reject(new Error(`holder in ${ns} exited ${c}`));
      });
      child.on('error', () => {});
      child.stdout.once('data', () => resolve(child));
    });
  const addNamespace = async (ns) => {
    run('ip', ['netns', 'add', ns]);
    made.add(ns);
    run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    await startIn(ns, listener, []);
  };
  for (const ns of namespaces) await addNamespace(ns);
  return {
    namespaces,
    cleanup,
    /** a new namespace with its broker listener */
    addNamespace,
    /** every process in ns killed (their PIDs gone), then the namespace deleted */
    removeNamespace: async (ns) => {
      const inNs = [...children].filter((c) => c.ns === ns);
      for (const c of inNs) c.kill('SIGKILL');
      await Promise.all(inNs.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
      run('ip', ['netns', 'delete', ns]);
      made.delete(ns);
    },
    /** a process in ns keeping n connections, one closed and another opened every `every` seconds */
    churner: (ns, n, every) => startIn(ns, churner, [String(n), String(every)]),
    /** a process in ns holding n connections to its broker, one more every `every` seconds when given */
    holder: (ns, n, every = 0) => startIn(ns, client, [String(n), String(every)]),
  };
}
