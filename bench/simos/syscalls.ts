/**
 * Benchmark workloads that run on simos, bundled by bench/simos.bench.mjs with esbuild so the
 * numbers are for the same JavaScript the browser worker runs.
 */
import { Sim } from '../../sandboxes/simos/index.ts';

/** Simple system calls per second: one process calling getpid in a loop. */
export async function syscallsPerSec(calls: number, trace: boolean): Promise<number> {
  const sim = new Sim({ trace, console: () => {}, limits: { maxSteps: calls + 10 } });
  const t0 = performance.now();
  await sim.run(async (k) => {
    for (let i = 0; i < calls; i++) await k.getpid();
  });
  return calls / ((performance.now() - t0) / 1000);
}

/** Scheduling-heavy: 8 processes ping-ponging through waitpid/kill, calls per second. */
export async function contendedCallsPerSec(rounds: number): Promise<number> {
  const sim = new Sim({ trace: false, console: () => {}, limits: { maxSteps: rounds * 20 } });
  const t0 = performance.now();
  await sim.run(async (k) => {
    for (let r = 0; r < rounds / 8; r++) {
      for (let i = 0; i < 8; i++) await k.fork(async (c) => { await c.getppid(); });
      for (let i = 0; i < 8; i++) await k.waitpid(-1);
    }
  });
  return sim.kernel.scheduler.steps / ((performance.now() - t0) / 1000);
}
