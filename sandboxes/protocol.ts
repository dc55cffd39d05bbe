/**
 * The one interface between the page and every sandbox: files go in, events come out.
 *
 * A sandbox (today the Web Worker in `worker/`, later WebContainer) takes a RunRequest and
 * streams RunEvents back. UI code imports only this file and the chooser, never a backend.
 */

/** Everything one Run needs. Paths are exercise-relative, e.g. `solution.ts`, `decode-log.test.ts`. */
export interface RunRequest {
  /** Exercise id: its folder under `lessons/`, e.g. `wal/decode-log`. */
  exerciseId: string;
  /** Source files by name. The learner's code is always `solution.ts`. */
  files: Record<string, string>;
  /** Which files are test files to run, in order. */
  testFiles: string[];
  /** Wall-clock limit for the whole run; the watchdog kills the worker after it. */
  timeoutMs: number;
}

/** Where a compile error or a failure points in the learner's code. */
export interface SourcePosition {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
}

export interface TestFailure {
  message: string;
  /** Coloured (ANSI) expected/actual diff, when the assertion had one. */
  diff?: string;
  stack?: string;
  /** First frame of the stack that lies in the learner's file, when known. */
  position?: SourcePosition;
}

/** A simos trace record (a system call or a kernel event), as the visualisers consume it. */
export type { TraceRecord } from './simos/trace.ts';
import type { TraceRecord } from './simos/trace.ts';

export type RunEvent =
  /** Program or test output (console.log/info/warn/error), in order. */
  | { type: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'compile-error'; message: string; position: SourcePosition }
  | { type: 'test-start'; id: string; name: string; suite: string[] }
  | {
      type: 'test-end';
      id: string;
      name: string;
      suite: string[];
      state: 'pass' | 'fail' | 'skip';
      durationMs: number;
      failure?: TestFailure;
    }
  /** An error outside any test: a throw at module load, an unhandled rejection. Never swallowed. */
  | { type: 'runtime-error'; message: string; stack?: string; position?: SourcePosition }
  /** A simos run finished inside a test; visualisers draw the last one. */
  | { type: 'trace'; label: string; records: TraceRecord[] }
  /** The run was stopped from outside: the watchdog fired or the learner pressed Run again. */
  | { type: 'stopped'; reason: 'timeout' | 'cancelled'; message: string }
  | { type: 'done'; passed: number; failed: number; skipped: number; durationMs: number };

/** A sandbox backend. One run at a time; a new run cancels the one in flight. */
export interface Sandbox {
  run(request: RunRequest, onEvent: (event: RunEvent) => void): Promise<RunSummary>;
  dispose(): void;
}

export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
  /** Why the run ended without a normal `done`, if it did. */
  stopped?: 'timeout' | 'cancelled' | 'compile-error';
}
