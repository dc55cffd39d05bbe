/**
 * The body of every sandbox worker (browser Web Worker or Node worker thread): wait for `run`
 * messages, run them with runTests, send every event and then the summary back.
 */
import type { RunEvent, RunSummary } from '../protocol.ts';
import { runTests } from './runner.ts';
import type { ToWorker, WorkerPort } from './wire.ts';

export function serveRuns(port: WorkerPort, modules: Record<string, unknown>): void {
  port.listen(async (message: ToWorker) => {
    if (message?.type !== 'run') return;
    const emit = (event: RunEvent) => port.post({ type: 'event', event });
    let summary: RunSummary;
    try {
      summary = await runTests(message.request, { modules, emit, deadline: message.deadline });
    } catch (error) {
      // A bug in the runner itself: still end the run the way the protocol promises.
      const stack = error instanceof Error ? error.stack : undefined;
      emit({ type: 'runtime-error', message: `The sandbox failed: ${String(error)}`, ...(stack ? { stack } : {}) });
      summary = { passed: 0, failed: 0, skipped: 0, durationMs: 0 };
      emit({ type: 'done', ...summary });
    }
    port.post({ type: 'summary', summary });
  });
}
