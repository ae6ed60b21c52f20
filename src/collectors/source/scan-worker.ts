// A worker thread of the scan: takes a share of the Go, Java and Python packages and of the JS/TS files, and
// answers with their facts (see batch.ts). Messages: go → facts; java → facts; python → facts; js-parse →
// exports; js-analyze → facts.
import { parentPort } from 'node:worker_threads';
import { goBatch, javaBatch, JsBatch, pythonBatch, type Text } from './batch.js';
import type { Library } from '../../types.js';

type Request =
  | { type: 'go'; dirs: Text[][] }
  | { type: 'java'; packages: Text[][] }
  | { type: 'python'; packages: Text[][] }
  | { type: 'js-parse'; files: Text[] }
  | { type: 'js-analyze'; exported: [string, [string, Library][]][]; known: string[] };

const js = new JsBatch();
parentPort!.on('message', (request: Request) => {
  void (async () => {
    try {
      if (request.type === 'go') parentPort!.postMessage({ ok: await goBatch(request.dirs) });
      else if (request.type === 'java') parentPort!.postMessage({ ok: await javaBatch(request.packages) });
      else if (request.type === 'python') parentPort!.postMessage({ ok: await pythonBatch(request.packages) });
      else if (request.type === 'js-parse') parentPort!.postMessage({ ok: js.parse(request.files) });
      else parentPort!.postMessage({ ok: js.analyze(request.exported, request.known) });
    } catch (error) {
      parentPort!.postMessage({ error: String((error as Error)?.stack ?? error) });
    }
  })();
});
