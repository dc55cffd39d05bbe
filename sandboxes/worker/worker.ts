/**
 * Web Worker entry of the browser sandbox: serve runs (serve-runs.ts) with the modules exercises
 * may import. Bundled by Vite from client.ts's `new Worker(new URL('./worker.ts', …))`.
 *
 * Before any learner code runs it removes what a worker could use to reach the page or the
 * network (postMessage once ours is kept, fetch, IndexedDB, Cache Storage, importScripts, …), from
 * the global object and its prototypes, so even code that finds the real global (e.g. through the
 * Function constructor) cannot post fake events to the page or touch the learner's saved progress.
 */
import { exerciseModules } from './modules.ts';
import { serveRuns } from './serve-runs.ts';
import type { FromWorker, ToWorker } from './wire.ts';

const scope = globalThis as unknown as {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
};
const post = scope.postMessage.bind(scope);
const listen = scope.addEventListener.bind(scope);

const UNREACHABLE = [
  'postMessage', 'importScripts', 'close', 'fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource',
  'BroadcastChannel', 'Worker', 'SharedWorker', 'indexedDB', 'caches', 'localStorage', 'sessionStorage',
];
for (const name of UNREACHABLE) {
  for (let target: object | null = globalThis; target; target = Object.getPrototypeOf(target)) {
    if (Object.getOwnPropertyDescriptor(target, name)?.configurable) delete (target as Record<string, unknown>)[name];
  }
  try {
    Object.defineProperty(globalThis, name, { value: undefined, configurable: false, writable: false });
  } catch {
    // A non-configurable own property we cannot replace; module scope still shadows it.
  }
}

serveRuns({ post, listen: (handler) => listen('message', (event) => handler(event.data)) }, exerciseModules);
