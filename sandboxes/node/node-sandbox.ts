/**
 * The sandbox on Node (content tests, grader): the browser's runner and supervisor, with worker
 * threads instead of Web Workers. A thread gives each run what a Web Worker gives it in the
 * browser: its own globals and module state (so @vitest/runner's module-level state does not
 * collide with the vitest that may be running the caller), its own unhandled-rejection events,
 * a memory cap, and a terminate() for the watchdog.
 *
 * The thread runs a bundle of thread-entry.ts that esbuild builds once per process, because the
 * sandbox's TypeScript (and simos, and sucrase's extensionless ESM) cannot load in a bare thread.
 */
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createSupervisedSandbox, type SupervisedSandbox, type WorkerHandle } from '../worker/supervisor.ts';
import type { FromWorker, ToWorker } from '../worker/wire.ts';

/** Enough for any exercise; a runaway allocation ends the thread, not the test process. */
const THREAD_HEAP_MB = 512;

let bundle: string | undefined;

/** The thread's code: thread-entry.ts and everything it imports, as one CommonJS script. */
export function threadBundle(): string {
  bundle ??= buildSync({
    entryPoints: [fileURLToPath(new URL('./thread-entry.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    write: false,
    logLevel: 'silent',
  }).outputFiles[0]!.text;
  return bundle;
}

/** Starts one sandbox thread. */
export function startSandboxThread(): Worker {
  const thread = new Worker(threadBundle(), { eval: true, resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB } });
  // A warm thread waiting for work must not keep the process alive; a running one must.
  thread.unref();
  return thread;
}

export function createNodeSandbox(): SupervisedSandbox {
  return createSupervisedSandbox(() => threadHandle(startSandboxThread()));
}

function threadHandle(thread: Worker): WorkerHandle {
  let finished = false;
  // One set of thread listeners for the thread's whole life; a reused thread gets new targets.
  let onMessage: (message: FromWorker) => void = () => {};
  let onCrash: (error: unknown) => void = () => {};
  thread.on('message', (message: FromWorker) => {
    if (message.type === 'summary') {
      finished = true;
      thread.unref(); // an idle thread kept for reuse must not hold the process open
    }
    onMessage(message);
  });
  thread.on('error', (error) => onCrash(error));
  thread.on('exit', (code) => {
    if (!finished) onCrash(new Error(`the sandbox thread exited (code ${code}) before the run finished`));
  });
  return {
    post: (message: ToWorker) => {
      if (message.type === 'run') finished = false; // a reused thread starts another run
      thread.postMessage(message);
    },
    listen(listener, crashed) {
      thread.ref();
      onMessage = listener;
      onCrash = crashed;
    },
    terminate: () => {
      finished = true;
      void thread.terminate();
    },
  };
}
