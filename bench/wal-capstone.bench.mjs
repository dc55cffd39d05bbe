/**
 * The heaviest exercise a learner runs: wal/capstone with the reference solution, from the click
 * on Run tests to "N passed, 0 failed" in headless Chromium (the whole crash-state exploration of
 * its tests), and how many crash states those tests check per second of that run.
 *
 * The test file reports no count, so the count comes from Node: the same capstone.test.ts, run
 * against the same solution.ts and the same simos sources bundled by esbuild, with its `Failures`
 * class's `checked` counter (one per disk a test boots and judges) summed over every test. simos
 * is deterministic, so the browser's run checks exactly as many.
 */
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runTests, storeCodeAndReload } from '../tests/e2e/harness/exercise-driver.mjs';
import { round1 } from './lib/stats.mjs';

export const description = 'wal/capstone: Run tests to a passing status in Chromium, and crash states checked per second';

export const targets = {
  walCapstoneExploreMs: { max: 1000, unit: 'ms' },
};

const EXERCISE = 'wal/capstone';
const WARM_RUNS = 5;
/** The exercise's own limit is 10 s; past that the run was stopped, and the status says so. */
const RUN_LIMIT_MS = 30_000;

export async function run(ctx) {
  const folder = join(ctx.projectRoot, 'lessons', EXERCISE);
  const solution = readFileSync(join(folder, 'solution.ts'), 'utf8');

  const counted = await countCheckedInNode(ctx.projectRoot, folder);
  ctx.log(`Node: capstone.test.ts (${counted.tests} tests) checks ${counted.checked} crash states with the solution, in ${counted.ms.toFixed(0)} ms`);

  const site = await ctx.site();
  const context = await site.browser.newContext();
  const page = await context.newPage();
  await page.goto(await site.lessonUrlFor(EXERCISE), { waitUntil: 'load' });
  await storeCodeAndReload(page, EXERCISE, solution);

  // Cold: the first click right after the load event; the sandbox and its worker may still be on their way.
  const cold = await expectPass(runTests(page, EXERCISE, RUN_LIMIT_MS));
  ctx.log(`cold run: ${cold.ms.toFixed(0)} ms (${cold.text})`);
  const warm = [];
  for (let i = 0; i < WARM_RUNS; i++) warm.push((await expectPass(runTests(page, EXERCISE, RUN_LIMIT_MS))).ms);
  await context.close();
  const warmMedian = ctx.median(warm);
  ctx.log(`warm runs (${WARM_RUNS}): ${warm.map((ms) => ms.toFixed(0)).join(', ')} ms; median ${warmMedian.toFixed(0)} ms`);

  const perSec = counted.checked / (warmMedian / 1000);
  ctx.log(
    `walCrashStatesCheckedPerSec = ${counted.checked} states (counted in Node, see above) / ${warmMedian.toFixed(0)} ms (browser warm median) = ${perSec.toFixed(0)}/s; ` +
      `Node alone: ${(counted.checked / (counted.ms / 1000)).toFixed(0)}/s`,
  );
  return {
    walCapstoneExploreMs: round1(warmMedian),
    walCapstoneExploreColdMs: round1(cold.ms),
    walCrashStatesCheckedPerSec: Math.round(perSec),
  };
}

/** A benchmark of a failing run would measure the wrong thing; stop instead. */
async function expectPass(running) {
  const result = await running;
  if (!/^\d+ passed, 0 failed$/.test(result.text)) throw new Error(`expected the reference solution to pass, got "${result.text}"`);
  return result;
}

/**
 * Runs the exercise's test file on Node with a minimal `vitest` (describe runs its body, it
 * collects, expect is the sandbox's own) and returns the sum of every `Failures.checked`.
 */
async function countCheckedInNode(projectRoot, folder) {
  const testFile = join(folder, 'capstone.test.ts');
  const dir = mkdtempSync(join(tmpdir(), 'wb-bench-capstone-'));
  const outfile = join(dir, 'bundle.mjs');
  try {
    await build({
      stdin: {
        contents: `
          import { tests } from 'vitest';
          import ${JSON.stringify(testFile)};
          export async function runAll() {
            globalThis.__crashStatesChecked = 0;
            const started = performance.now();
            for (const test of tests) await test.body();
            return { tests: tests.length, checked: globalThis.__crashStatesChecked, ms: performance.now() - started };
          }`,
        resolveDir: projectRoot,
        loader: 'js',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      logLevel: 'warning',
      plugins: [capstonePlugin(projectRoot, testFile)],
    });
    const { runAll } = await import(pathToFileURL(outfile).href);
    return await runAll();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `vitest`, `simos` and `simos/testing` as the sandbox provides them, and a counting `Failures`. */
function capstonePlugin(projectRoot, testFile) {
  return {
    name: 'capstone-count',
    setup(b) {
      b.onResolve({ filter: /^vitest$/ }, () => ({ path: 'vitest', namespace: 'capstone-vitest' }));
      b.onLoad({ filter: /.*/, namespace: 'capstone-vitest' }, () => ({
        contents: `
          import { createExpect } from ${JSON.stringify(join(projectRoot, 'sandboxes/worker/vitest-api.ts'))};
          export const expect = createExpect();
          export const tests = [];
          export function describe(name, body) { body(); }
          export function it(name, body) { tests.push({ name, body }); }`,
        resolveDir: projectRoot,
        loader: 'ts',
      }));
      b.onResolve({ filter: /^simos$/ }, () => ({ path: join(projectRoot, 'sandboxes/simos/index.ts') }));
      b.onResolve({ filter: /^simos\/testing$/ }, () => ({ path: join(projectRoot, 'sandboxes/simos/testing.ts') }));
      b.onLoad({ filter: /capstone\.test\.ts$/ }, ({ path }) => {
        if (path !== testFile) return undefined;
        const source = readFileSync(path, 'utf8');
        const field = /^(\s*)checked = 0;$/m;
        const classAt = source.indexOf('class Failures');
        const match = classAt >= 0 ? field.exec(source.slice(classAt)) : null;
        if (!match) {
          throw new Error(`${path} no longer has "class Failures { … checked = 0; }", which this benchmark counts; update bench/wal-capstone.bench.mjs.`);
        }
        const indent = match[1];
        const counting =
          `${indent}#checked = 0;\n` +
          `${indent}get checked(): number { return this.#checked; }\n` +
          `${indent}set checked(n: number) { (globalThis as any).__crashStatesChecked += n - this.#checked; this.#checked = n; }`;
        const at = classAt + match.index;
        return { contents: source.slice(0, at) + counting + source.slice(at + match[0].length), loader: 'ts' };
      });
    },
  };
}
