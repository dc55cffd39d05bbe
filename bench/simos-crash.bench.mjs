/**
 * The crash-state enumerator's speed on a WAL-shaped workload (50 updates, a checkpoint every
 * 12): distinct durable images per second, and the same with a fresh machine booted on each
 * image and every file read back, which is what a recovery check costs at the least.
 */
import { loadBundle } from './simos.bench.mjs';

export const description = 'simos crash-state enumeration on a 50-update WAL workload';
export const targets = {
  crashStatesPerSec: { min: 1000, unit: 'states/s' },
  crashStatesCheckedPerSec: { min: 500, unit: 'states/s' },
};

export async function run(ctx) {
  const b = await loadBundle(ctx.projectRoot, 'bench/simos/crash-states.ts');
  await b.crashStatesPerSec(20); // warm up
  const enumerated = [];
  const checked = [];
  let states = 0;
  for (let i = 0; i < 5; i++) {
    const e = await b.crashStatesPerSec(50);
    const c = await b.crashStatesCheckedPerSec(50);
    enumerated.push(e.perSec);
    checked.push(c.perSec);
    states = e.states;
  }
  ctx.log(`${states} distinct crash states per run; median of 5 runs`);
  return { crashStatesPerSec: Math.round(ctx.median(enumerated)), crashStatesCheckedPerSec: Math.round(ctx.median(checked)) };
}
