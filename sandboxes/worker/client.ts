/**
 * The browser sandbox, seen from the page: `createWorkerSandbox()` returns a Sandbox (see
 * ../protocol.ts) that runs each request in a fresh Web Worker (worker.ts) under a watchdog.
 * What happens around the worker — warm spare, one run at a time, timeout — is supervisor.ts.
 */
import { createSupervisedSandbox, type SupervisedSandbox, type WorkerHandle } from './supervisor.ts';
import type { FromWorker, ToWorker } from './wire.ts';

export type { SupervisedSandbox as WorkerSandbox } from './supervisor.ts';

export interface WorkerSandboxOptions {
  /** Starts one worker. Defaults to the bundled worker.ts; tests pass their own. */
  createWorker?: () => Worker;
}

export function createWorkerSandbox(options: WorkerSandboxOptions = {}): SupervisedSandbox {
  // This exact `new Worker(new URL(…, import.meta.url), { type: 'module' })` shape is what tells
  // Vite to bundle worker.ts as a separate module worker.
  const createWorker =
    options.createWorker ?? (() => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }));
  return createSupervisedSandbox(() => webWorkerHandle(createWorker()));
}

function webWorkerHandle(worker: Worker): WorkerHandle {
  return {
    post: (message: ToWorker) => worker.postMessage(message),
    listen(listener, crashed) {
      worker.onmessage = (event: MessageEvent<FromWorker>) => listener(event.data);
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        crashed(new Error(event.message || 'the sandbox worker failed to start'));
      };
      worker.onmessageerror = () => crashed(new Error('a message from the sandbox worker could not be read'));
    },
    terminate: () => worker.terminate(),
  };
}
