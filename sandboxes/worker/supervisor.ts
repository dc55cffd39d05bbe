/**
 * Runs requests in workers and stops the ones that do not finish: the part of a sandbox that
 * lives outside the worker. Shared by the browser client (Web Workers) and the Node sandbox
 * (worker threads); each passes a `spawn` that starts its kind of worker.
 *
 * - A worker is reused for the next run after a run that ended by itself, up to REUSE_RUNS (100) runs:
 *   a warm worker runs a test file 5-7x faster than a fresh one (the JIT has seen sucrase, the
 *   runner and simos; measured 30-40 ms instead of 190-280 ms for wal/decode-log). Every run
 *   loads the learner's modules afresh; what can leak is a change learner code makes to shared
 *   globals (Array.prototype, say), which is why the worker is replaced after a stopped or
 *   crashed run and after REUSE_RUNS runs. The first worker is started ahead ("warm").
 * - One run at a time: a new run stops the one in flight (`stopped: cancelled`).
 * - A watchdog: after `request.timeoutMs` the worker is terminated, `stopped: timeout` is sent,
 *   and the summary resolves with what had finished. The runner inside stops loops and skips
 *   tests a little earlier (DEADLINE_MARGIN_MS), so the watchdog is only the last resort for code
 *   no guard reaches; it matters because Chromium keeps a terminated worker's thread busy ~2 s.
 */
import type { RunEvent, RunRequest, RunSummary, Sandbox } from '../protocol.ts';
import { formatSeconds } from './loop-guard.ts';
import type { FromWorker, ToWorker } from './wire.ts';

/** The supervisor's view of one worker. */
export interface WorkerHandle {
  post(message: ToWorker): void;
  /** Calls `listener` for every message, and with `crashed` if the worker dies on its own. */
  listen(listener: (message: FromWorker) => void, crashed: (error: unknown) => void): void;
  terminate(): void;
}

export interface SupervisedSandbox extends Sandbox {
  /** Starts the next run's worker now, so that the first Run does not wait for it. */
  preload(): void;
}

const DEADLINE_MARGIN_MS = 250;
const REUSE_RUNS = 100;

interface ActiveRun {
  worker: WorkerHandle;
  request: RunRequest;
  onEvent: (event: RunEvent) => void;
  resolve: (summary: RunSummary) => void;
  startedAt: number;
  tally: { passed: number; failed: number; skipped: number };
  watchdog: ReturnType<typeof setTimeout>;
}

export function createSupervisedSandbox(spawn: () => WorkerHandle): SupervisedSandbox {
  let warm: WorkerHandle | undefined;
  let active: ActiveRun | undefined;
  let disposed = false;
  const runsOn = new WeakMap<WorkerHandle, number>();

  const preload = () => {
    if (!warm && !disposed) warm = spawn();
  };

  /** Ends the active run, at most once; `stopped` is sent only when the run did not finish itself. */
  const end = (run: ActiveRun, outcome: { summary: RunSummary } | { stopped: 'timeout' | 'cancelled'; message: string }, clean = true) => {
    if (active !== run) return;
    active = undefined;
    clearTimeout(run.watchdog);
    const runs = (runsOn.get(run.worker) ?? 0) + 1;
    if ('summary' in outcome && clean && !warm && !disposed && runs < REUSE_RUNS) {
      runsOn.set(run.worker, runs);
      warm = run.worker; // it finished by itself: keep it, warm, for the next run
    } else {
      run.worker.terminate();
      // A replacement starts now, so the next run does not wait for it.
      try {
        preload();
      } catch {
        warm = undefined;
      }
    }
    if ('summary' in outcome) {
      run.resolve(outcome.summary);
      return;
    }
    run.onEvent({ type: 'stopped', reason: outcome.stopped, message: outcome.message });
    run.resolve({ ...run.tally, durationMs: Date.now() - run.startedAt, stopped: outcome.stopped });
  };

  const handle = (run: ActiveRun, message: FromWorker) => {
    if (active !== run) return; // a stopped run's worker may still be talking
    if (message.type === 'summary') return end(run, { summary: message.summary });
    const { event } = message;
    if (event.type === 'test-end') run.tally[event.state === 'pass' ? 'passed' : event.state === 'fail' ? 'failed' : 'skipped']++;
    run.onEvent(event);
  };

  const crashed = (run: ActiveRun, error: unknown) => {
    if (active !== run) return;
    run.onEvent({ type: 'runtime-error', message: `The sandbox stopped unexpectedly: ${describeCrash(error)}` });
    const summary = { ...run.tally, durationMs: Date.now() - run.startedAt };
    run.onEvent({ type: 'done', ...summary });
    end(run, { summary }, false);
  };

  return {
    preload,

    run(request, onEvent) {
      if (active) end(active, { stopped: 'cancelled', message: 'Stopped because a new run started.' });
      if (disposed) return Promise.reject(new Error('This sandbox was disposed.'));
      try {
        preload();
      } catch (error) {
        return Promise.resolve(cannotStart(error, onEvent));
      }
      const worker = warm!;
      warm = undefined;
      return new Promise<RunSummary>((resolve) => {
        const run: ActiveRun = {
          worker,
          request,
          onEvent,
          resolve,
          startedAt: Date.now(),
          tally: { passed: 0, failed: 0, skipped: 0 },
          watchdog: setTimeout(() => {
            end(run, {
              stopped: 'timeout',
              message:
                `Your code ran longer than ${formatSeconds(request.timeoutMs)} and was stopped. ` +
                'Look for a loop that never ends or an await that never resolves.',
            });
          }, request.timeoutMs),
        };
        active = run;
        worker.listen(
          (message) => handle(run, message),
          (error) => crashed(run, error),
        );
        const margin = Math.min(DEADLINE_MARGIN_MS, request.timeoutMs / 5);
        worker.post({ type: 'run', request, deadline: run.startedAt + request.timeoutMs - margin });
      });
    },

    dispose() {
      if (active) end(active, { stopped: 'cancelled', message: 'Stopped because the sandbox was closed.' });
      disposed = true;
      warm?.terminate();
      warm = undefined;
    },
  };
}

function cannotStart(error: unknown, onEvent: (event: RunEvent) => void): RunSummary {
  const summary = { passed: 0, failed: 0, skipped: 0, durationMs: 0 };
  onEvent({ type: 'runtime-error', message: `The sandbox could not start: ${describeCrash(error)}` });
  onEvent({ type: 'done', ...summary });
  return summary;
}

function describeCrash(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}
