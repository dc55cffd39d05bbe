/**
 * How fast a learner gets results: Run tests on the decode-log exercise with the reference
 * solution in the page, against the same test file through the vitest CLI on Node.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTests, storeCodeAndReload } from '../tests/e2e/harness/exercise-driver.mjs';
import { round1 } from './lib/stats.mjs';

export const description = 'Run tests in the browser vs. the vitest CLI (wal/decode-log, reference solution)';

export const targets = {
  runWarmMedianMs: { max: 50, unit: 'ms' },
  speedupVsVitestCli: { min: 20, unit: 'x' },
};

const EXERCISE = 'wal/decode-log';
const WARM_RUNS = 15;
const CLI_RUNS = 3;

export async function run(ctx) {
  const solution = readFileSync(join(ctx.projectRoot, 'lessons', EXERCISE, 'solution.ts'), 'utf8');
  const site = await ctx.site();
  const lessonUrl = await site.lessonUrlFor(EXERCISE);
  const context = await site.browser.newContext();
  const page = await context.newPage();
  await page.goto(lessonUrl, { waitUntil: 'load' });
  await storeCodeAndReload(page, EXERCISE, solution);

  // Cold: the first click right after the load event, while the idle preload may still be running.
  const cold = await expectPass(runTests(page, EXERCISE));
  ctx.log(`cold run: ${cold.ms.toFixed(1)} ms (${cold.text})`);

  // First run after the page settled: the preload has fetched the sandbox, its worker is fresh.
  await page.reload({ waitUntil: 'networkidle' });
  const afterIdle = await expectPass(runTests(page, EXERCISE));
  ctx.log(`first run after idle: ${afterIdle.ms.toFixed(1)} ms`);

  const warm = [];
  for (let i = 0; i < WARM_RUNS; i++) warm.push((await expectPass(runTests(page, EXERCISE))).ms);
  const runWarmMedianMs = ctx.median(warm);
  ctx.log(`warm runs (${WARM_RUNS}): median ${runWarmMedianMs.toFixed(1)} ms, min ${Math.min(...warm).toFixed(1)}, max ${Math.max(...warm).toFixed(1)}`);
  await context.close();

  const cli = [];
  for (let i = 0; i < CLI_RUNS; i++) cli.push(vitestCliOnce(ctx.projectRoot));
  const vitestCliMedianMs = ctx.median(cli);
  ctx.log(`npx vitest run lessons/${EXERCISE} (${CLI_RUNS}): ${cli.map((ms) => ms.toFixed(0)).join(', ')} ms`);

  return {
    runColdMs: round1(cold.ms),
    runFirstAfterIdleMs: round1(afterIdle.ms),
    runWarmMedianMs: round1(runWarmMedianMs),
    vitestCliMedianMs: round1(vitestCliMedianMs),
    speedupVsVitestCli: round1(vitestCliMedianMs / runWarmMedianMs),
  };
}

/** A benchmark of a failing run would measure the wrong thing; stop instead. */
async function expectPass(running) {
  const result = await running;
  if (!/^\d+ passed, 0 failed$/.test(result.text)) throw new Error(`expected the reference solution to pass, got "${result.text}"`);
  return result;
}

/** Wall time of one `npx vitest run lessons/<exercise>`, the command a learner would type. */
function vitestCliOnce(projectRoot) {
  const started = performance.now();
  const result = spawnSync('npx', ['vitest', 'run', `lessons/${EXERCISE}`], { cwd: projectRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`vitest CLI failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return ms;
}
