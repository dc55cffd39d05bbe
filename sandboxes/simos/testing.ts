/**
 * Test helpers exercises import as `simos/testing`: sweep seeds so a race shows up
 * deterministically, and when a seed fails, say which seed and show the trace around it so the
 * learner can replay exactly that run.
 */
import { Sim, type ProcessInfo, type SimOptions } from './sim.ts';
import type { TraceRecord } from './trace.ts';

export interface ExploreOptions extends Omit<SimOptions, 'seed'> {
  /** How many seeds to try (1..n), or exactly which. Default 50. */
  seeds?: number | number[];
  /** How many trace lines a failure shows. Default 40. */
  traceLines?: number;
  /** Name for the visualiser's trace tab. */
  label?: string;
}

type TraceSink = (label: string, records: TraceRecord[]) => void;

/** Hand a run's trace to whoever draws it (the sandbox installs the sink; in plain Node there is none). */
export function reportTrace(label: string, records: readonly TraceRecord[]): void {
  const sink = (globalThis as { __workbookTraceSink?: TraceSink }).__workbookTraceSink;
  if (sink) sink(label, records.slice());
}

/**
 * Run `body` once per seed, each with a fresh Sim. The first failing seed stops the sweep; its
 * error gains the seed and the end of that run's trace. The trace of the failing run (or of the
 * last run, when all pass) goes to the visualiser.
 */
export async function explore(opts: ExploreOptions, body: (sim: Sim, seed: number) => Promise<void>): Promise<void> {
  const { seeds = 50, traceLines = 40, label = 'simos run', ...simOpts } = opts;
  const list = typeof seeds === 'number' ? Array.from({ length: seeds }, (_, i) => i + 1) : seeds;
  let last: Sim | undefined;
  for (const seed of list) {
    // Exercise scenarios are small; a lower step limit stops a livelocked solution in well under a second.
    const sim = new Sim({ console: () => {}, ...simOpts, limits: { maxSteps: 20_000, ...simOpts.limits }, seed });
    last = sim;
    try {
      await body(sim, seed);
    } catch (e) {
      reportTrace(`${label} (seed ${seed}, failed)`, sim.trace);
      throw withSeed(e, sim, seed, list.length, traceLines);
    }
  }
  if (last) reportTrace(`${label} (seed ${last.seed})`, last.trace);
}

/** Add the seed, the crashes and the trace tail to an error, keeping its class and diff. */
function withSeed(e: unknown, sim: Sim, seed: number, count: number, traceLines: number): unknown {
  const crashes = sim.kernel.crashes.map((c) => `  pid ${c.pid} threw: ${c.error instanceof Error ? c.error.message : String(c.error)}`);
  const head = `Seed ${seed} (of ${count} tried) fails: replay it with { seeds: [${seed}] }.`;
  const tail = [
    crashes.length ? `\nUncaught errors inside simulated processes:\n${crashes.join('\n')}` : '',
    `\nLast system calls of that run (virtual time, pid, call = result):\n${sim.traceText({ last: traceLines })}`,
  ].join('');
  if (e instanceof Error) {
    e.message = `${head}\n${e.message}${tail}`;
    return e;
  }
  return new Error(`${head}\n${String(e)}${tail}`);
}

/** One line per process, for failure messages: `pid 5 (worker) alive, parent 1, group 5, session 2`. */
export function describeProcesses(procs: readonly ProcessInfo[]): string {
  if (procs.length === 0) return '  (none)';
  return procs
    .map((p) => `  pid ${p.pid} (${p.program}) ${p.state}, parent ${p.ppid}, group ${p.pgid}, session ${p.sid}`)
    .join('\n');
}

export { Sim };
