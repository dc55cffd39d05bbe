/**
 * createWorkerSandbox, the page's side of the browser sandbox, with its Worker replaced by
 * stand-ins: one backed by a real Node worker thread running the same runner, and scripted
 * ones for the lifecycle (warm spare, crash, dispose). The real Web Worker is exercised in
 * headless Chromium by tests/e2e.
 */
import { describe, expect, it } from 'vitest';
import type { Worker as ThreadWorker } from 'node:worker_threads';
import type { RunEvent, RunRequest } from '../../sandboxes/protocol.ts';
import { startSandboxThread } from '../../sandboxes/node/node-sandbox.ts';
import { createWorkerSandbox } from '../../sandboxes/worker/client.ts';
import type { FromWorker, ToWorker } from '../../sandboxes/worker/wire.ts';

/** The part of the Web Worker API the client uses. */
class StandInWorker {
  onmessage: ((event: MessageEvent<FromWorker>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  terminated = false;
  readonly received: ToWorker[] = [];
  postMessage(message: ToWorker): void {
    this.received.push(message);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(message: FromWorker): void {
    this.onmessage?.({ data: message } as MessageEvent<FromWorker>);
  }
}

/** A stand-in that runs requests for real, in a worker thread with the sandbox's runner. */
class ThreadBackedWorker extends StandInWorker {
  private readonly thread: ThreadWorker = startSandboxThread();
  constructor() {
    super();
    this.thread.ref();
    this.thread.on('message', (message: FromWorker) => this.reply(message));
  }
  override postMessage(message: ToWorker): void {
    super.postMessage(message);
    this.thread.postMessage(message);
  }
  override terminate(): void {
    super.terminate();
    void this.thread.terminate();
  }
}

function request(files: Record<string, string>, timeoutMs = 3000): RunRequest {
  return { exerciseId: 'test/client', files, testFiles: Object.keys(files).filter((f) => f.endsWith('.test.ts')), timeoutMs };
}

const PASSING = {
  'solution.ts': 'export const answer = 42;',
  'answer.test.ts': "import { it, expect } from 'vitest';\nimport { answer } from './solution';\nit('answers', () => { expect(answer).toBe(42); });",
};

describe('createWorkerSandbox', () => {
  it('runs a request in a worker and resolves with the summary', async () => {
    const sandbox = createWorkerSandbox({ createWorker: () => new ThreadBackedWorker() as unknown as Worker });
    const events: RunEvent[] = [];
    const summary = await sandbox.run(request(PASSING), (event) => events.push(event));
    sandbox.dispose();
    expect(summary).toMatchObject({ passed: 1, failed: 0, skipped: 0 });
    expect(events.map((event) => event.type)).toEqual(['test-start', 'test-end', 'done']);
  });

  it('keeps one warm worker: preload starts it, a clean run leaves it warm for the next', async () => {
    const workers: StandInWorker[] = [];
    const sandbox = createWorkerSandbox({
      createWorker: () => {
        const worker = new StandInWorker();
        workers.push(worker);
        return worker as unknown as Worker;
      },
    });
    sandbox.preload();
    expect(workers).toHaveLength(1);
    sandbox.preload();
    expect(workers).toHaveLength(1);

    const first = sandbox.run(request(PASSING), () => {});
    expect(workers).toHaveLength(1);
    expect(workers[0]!.received).toMatchObject([{ type: 'run', request: request(PASSING) }]);
    const { deadline } = workers[0]!.received[0]!;
    expect(deadline).toBeGreaterThan(Date.now() + 2000);
    expect(deadline).toBeLessThan(Date.now() + 3000);
    workers[0]!.reply({ type: 'summary', summary: { passed: 1, failed: 0, skipped: 0, durationMs: 3 } });
    expect(await first).toEqual({ passed: 1, failed: 0, skipped: 0, durationMs: 3 });
    expect(workers[0]!.terminated, 'a worker whose run ended by itself is kept for the next run').toBe(false);

    const second = sandbox.run(request(PASSING), () => {});
    expect(workers).toHaveLength(1);
    expect(workers[0]!.received).toHaveLength(2);
    workers[0]!.reply({ type: 'summary', summary: { passed: 1, failed: 0, skipped: 0, durationMs: 1 } });
    await second;

    sandbox.dispose();
    expect(workers.every((worker) => worker.terminated)).toBe(true);
  });

  it('replaces a worker after so many runs, so that what learner code left in its globals does not pile up', async () => {
    const workers: StandInWorker[] = [];
    const sandbox = createWorkerSandbox({
      createWorker: () => {
        const worker = new StandInWorker();
        workers.push(worker);
        return worker as unknown as Worker;
      },
    });
    for (let i = 0; i < 110; i++) {
      const run = sandbox.run(request(PASSING), () => {});
      workers[workers.length - 1]!.reply({ type: 'summary', summary: { passed: 1, failed: 0, skipped: 0, durationMs: 1 } });
      await run;
    }
    expect(workers.length).toBe(2);
    expect(workers[0]!.terminated).toBe(true);
    expect(workers[0]!.received.length).toBeLessThanOrEqual(100);
    sandbox.dispose();
  });

  it('stops a run that outlives its time limit, in words a learner understands, and runs the next', async () => {
    const workers: StandInWorker[] = [];
    const sandbox = createWorkerSandbox({
      createWorker: () => {
        const worker = new StandInWorker();
        workers.push(worker);
        return worker as unknown as Worker;
      },
    });
    const events: RunEvent[] = [];
    const pending = sandbox.run(request(PASSING, 100), (event) => events.push(event));
    workers[0]!.reply({ type: 'event', event: { type: 'test-end', id: 'a', name: 'a', suite: [], state: 'pass', durationMs: 1 } });
    const summary = await pending;
    expect(summary).toMatchObject({ passed: 1, failed: 0, skipped: 0, stopped: 'timeout' });
    expect(events.at(-1)).toEqual({
      type: 'stopped',
      reason: 'timeout',
      message: 'Your code ran longer than 0.1 s and was stopped. Look for a loop that never ends or an await that never resolves.',
    });
    expect(workers[0]!.terminated).toBe(true);
    // Late words from the stopped worker go nowhere.
    workers[0]!.reply({ type: 'event', event: { type: 'output', stream: 'stdout', text: 'late\n' } });
    expect(events.at(-1)!.type).toBe('stopped');

    const next = sandbox.run(request(PASSING), () => {});
    workers[1]!.reply({ type: 'summary', summary: { passed: 1, failed: 0, skipped: 0, durationMs: 1 } });
    expect(await next).toMatchObject({ passed: 1 });
    sandbox.dispose();
  });

  it('turns a worker that dies into a runtime error and a done, not a hang', async () => {
    const sandbox = createWorkerSandbox({
      createWorker: () => {
        const worker = new StandInWorker();
        worker.postMessage = () => {
          queueMicrotask(() => worker.onerror?.({ message: 'Failed to fetch module', preventDefault() {} } as ErrorEvent));
        };
        return worker as unknown as Worker;
      },
    });
    const events: RunEvent[] = [];
    const summary = await sandbox.run(request(PASSING), (event) => events.push(event));
    sandbox.dispose();
    expect(summary).toMatchObject({ passed: 0, failed: 0, skipped: 0 });
    expect(events).toEqual([
      { type: 'runtime-error', message: 'The sandbox stopped unexpectedly: Failed to fetch module' },
      expect.objectContaining({ type: 'done', passed: 0, failed: 0, skipped: 0 }),
    ]);
  });

  it('reports a browser without workers instead of throwing', async () => {
    const sandbox = createWorkerSandbox({
      createWorker: () => {
        throw new ReferenceError('Worker is not defined');
      },
    });
    const events: RunEvent[] = [];
    expect(await sandbox.run(request(PASSING), (event) => events.push(event))).toMatchObject({ passed: 0 });
    expect(events[0]).toEqual({ type: 'runtime-error', message: 'The sandbox could not start: Worker is not defined' });
  });
});
