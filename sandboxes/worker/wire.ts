/**
 * The messages between a sandbox's supervisor (page or Node main thread) and the worker that runs
 * one request. Kept apart from ../protocol.ts: that is the UI's contract, this is our plumbing.
 */
import type { RunEvent, RunRequest, RunSummary } from '../protocol.ts';

export type ToWorker = {
  type: 'run';
  request: RunRequest;
  /** Epoch ms when the runner stops loops and skips remaining tests; just before the watchdog. */
  deadline: number;
};

export type FromWorker =
  | { type: 'event'; event: RunEvent }
  /** The run finished; the last event before it was `done`. */
  | { type: 'summary'; summary: RunSummary };

/** The worker's side of the channel. */
export interface WorkerPort {
  post(message: FromWorker): void;
  listen(handler: (message: ToWorker) => void): void;
}
