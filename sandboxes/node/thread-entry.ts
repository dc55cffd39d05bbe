/**
 * Worker-thread entry of the Node sandbox: the same serveRuns as the browser's worker.ts, over
 * `parentPort` instead of `self`. node-sandbox.ts bundles this file and starts it in a thread.
 */
import { parentPort } from 'node:worker_threads';
import { exerciseModules } from '../worker/modules.ts';
import { serveRuns } from '../worker/serve-runs.ts';
import type { ToWorker } from '../worker/wire.ts';

const port = parentPort!;
serveRuns(
  {
    post: (message) => port.postMessage(message),
    listen: (handler) => port.on('message', (message: ToWorker) => handler(message)),
  },
  exerciseModules,
);
