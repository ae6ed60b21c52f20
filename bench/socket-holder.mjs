// Holds loopback TCP connections open for the sockets benchmark. Listens on its own port and opens
// `count` connections to `connectTo` (another holder's port, or its own), then reports and waits.
// Usage: node socket-holder.mjs COUNT [CONNECT_PORT]   prints "ready <listenPort> <connected>"
import net from 'node:net';

const count = Number(process.argv[2] ?? 0);
const connectTo = process.argv[3] ? Number(process.argv[3]) : undefined;
const accepted = [];
const server = net.createServer((s) => accepted.push(s));
server.maxConnections = 20_000;
server.listen(0, '127.0.0.1', 4096, async () => {
  const port = connectTo ?? server.address().port;
  const clients = [];
  for (let done = 0; done < count;) {
    const batch = Math.min(500, count - done);
    await Promise.all(
      Array.from(
        { length: batch },
        () =>
          new Promise((resolve, reject) => {
            const s = net.connect({ port, host: '127.0.0.1' }, () => resolve());
            s.on('error', reject);
            clients.push(s);
          }),
      ),
    );
    done += batch;
  }
  console.log(`ready ${server.address().port} ${clients.length}`);
});
process.on('SIGTERM', () => process.exit(0));
