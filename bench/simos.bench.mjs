/**
 * simos speed: system calls per second on Node (the scheduler's per-call cost), with and without
 * the trace being recorded, and under contention (forks, waits, many runnable processes).
 */
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const description = 'simulated OS: system calls per second on Node';
export const targets = {
  simosSyscallsPerSec: { min: 1_000_000, unit: 'calls/s' },
  simosSyscallsPerSecTraced: { min: 500_000, unit: 'calls/s' },
  simosContendedCallsPerSec: { min: 100_000, unit: 'calls/s' },
};

export async function loadBundle(projectRoot, entry) {
  const dir = mkdtempSync(join(tmpdir(), 'wb-bench-'));
  const outfile = join(dir, 'bundle.mjs');
  await build({ entryPoints: [join(projectRoot, entry)], bundle: true, platform: 'node', format: 'esm', outfile, logLevel: 'warning' });
  const mod = await import(pathToFileURL(outfile).href);
  rmSync(dir, { recursive: true, force: true });
  return mod;
}

export async function run(ctx) {
  const b = await loadBundle(ctx.projectRoot, 'bench/simos/syscalls.ts');
  await b.syscallsPerSec(100_000, false); // warm up the JIT
  const plain = [];
  const traced = [];
  const contended = [];
  for (let i = 0; i < 5; i++) {
    plain.push(await b.syscallsPerSec(1_000_000, false));
    traced.push(await b.syscallsPerSec(300_000, true));
    contended.push(await b.contendedCallsPerSec(40_000));
  }
  const m = {
    simosSyscallsPerSec: Math.round(ctx.median(plain)),
    simosSyscallsPerSecTraced: Math.round(ctx.median(traced)),
    simosContendedCallsPerSec: Math.round(ctx.median(contended)),
  };
  ctx.log(`median of 5 runs each: ${JSON.stringify(m)}`);
  return m;
}
