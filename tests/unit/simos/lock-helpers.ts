/**
 * Shared by the lock-*.test.ts files: run a simulation and fail the test on any uncaught error
 * inside a simulated process (an `expect` that fails in a child is such an error; the kernel
 * would otherwise just exit that process with status 1).
 */
import { Sim, type ProgramMain } from '../../../sandboxes/simos/index.ts';

export interface RunOpts {
  seed?: number;
  /** 'main' (default): until the main program exits; a deadlock before that fails the test. */
  until?: 'main' | 'idle';
  register?: Record<string, ProgramMain>;
}

export async function runSim(main: ProgramMain, opts: RunOpts = {}): Promise<Sim> {
  const sim = new Sim({ seed: opts.seed ?? 1, console: () => {} });
  for (const [name, prog] of Object.entries(opts.register ?? {})) sim.register(name, prog);
  await sim.run(main, { until: opts.until ?? 'main' });
  failOnCrash(sim);
  return sim;
}

export function failOnCrash(sim: Sim): void {
  const crash = sim.kernel.crashes[0];
  if (!crash) return;
  const e = crash.error instanceof Error ? crash.error : new Error(String(crash.error));
  e.message = `pid ${crash.pid} threw (seed ${sim.seed}): ${e.message}\n--- trace ---\n${sim.traceText({ last: 40 })}`;
  throw e;
}

/** The errno code a promise rejects with, or 'ok' — for compact assertions in simulated code. */
export async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}
