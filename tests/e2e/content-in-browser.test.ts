/**
 * The content tests again, in the browser: every exercise folder under lessons/ runs in Chromium's
 * worker sandbox (the built site's own bundle) with the reference solution, which must pass every
 * test, and with the starter and every mutant, which must each fail at least one. The checks are
 * the Node content tests' own (tests/content/check-exercise.ts), so a variant judged differently
 * here than on Node means the two sandboxes disagree.
 *
 * Runs go straight to the sandbox (harness/page-sandbox.mjs), not through the editor: the island's
 * Run button is covered per exercise by lessons.test.ts.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_MS, loadExerciseFolder, runExercise, type ExerciseFolder, type Variant } from '../../sandboxes/node/run-exercise.ts';
import type { SupervisedSandbox } from '../../sandboxes/worker/supervisor.ts';
import { distDir } from '../../site/tools/build-freshness.mjs';
import { rejectionProblems, solutionProblems } from '../content/check-exercise.ts';
import { disposePageSandbox, pageSandbox, sandboxClientPath } from './harness/page-sandbox.mjs';
import { useSite, type OpenedPage } from './harness/site';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const LESSONS = join(projectRoot, 'lessons');
/** Room around a run's own limit (meta.json timeoutMs) for the page round trip. */
const SLACK_MS = 15_000;

function exerciseDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      return [...(existsSync(join(path, 'starter.ts')) ? [path] : []), ...exerciseDirs(path)];
    })
    .sort();
}

const dirs = exerciseDirs(LESSONS);
const site = useSite();
let opened: OpenedPage | undefined;
let clientPath = '';

beforeAll(async () => {
  clientPath = sandboxClientPath(distDir(projectRoot.replace(/\/$/, '')));
  // Any page of the site will do: the sandbox chunk and its worker resolve against the origin.
  opened = await site.open('/');
});

afterAll(async () => {
  await opened?.close();
});

function page(): Page {
  if (!opened) throw new Error('the page did not open; see the beforeAll error');
  return opened.page;
}

it('finds the exercise folders under lessons/', () => {
  expect(dirs.length, 'lessons/ holds no folder with a starter.ts').toBeGreaterThan(0);
});

for (const dir of dirs) {
  const id = relative(LESSONS, dir).split(sep).join('/');

  describe(`exercise ${id} in the browser sandbox`, () => {
    let folder: ExerciseFolder;
    let sandbox: SupervisedSandbox;
    const limitMs = runLimitMs(dir) + SLACK_MS;

    beforeAll(async () => {
      folder = await loadExerciseFolder(dir, id);
      // A sandbox per exercise, as a lesson page has: what one exercise's runs leave behind in
      // a reused worker cannot reach the next exercise.
      sandbox = pageSandbox(page(), clientPath);
    });

    afterAll(async () => {
      if (opened) await disposePageSandbox(opened.page);
    });

    // Read at collection time, so that each variant is a test of its own.
    const variants: Variant[] = ['solution', 'starter', ...mutantFiles(dir).map((file): Variant => `mutants/${file}`)];
    for (const variant of variants) {
      const title = variant === 'solution' ? 'the reference solution passes every test' : `${variant} fails at least one test`;
      it(title, async () => {
        const run = await runExercise(folder, variant, sandbox);
        const problems = variant === 'solution' ? solutionProblems(folder, run) : rejectionProblems(folder, run);
        expect(problems, `${id} (${variant}) in Chromium: ${run.summary.passed} passed, ${run.summary.failed} failed`).toEqual([]);
        if (variant === 'solution') expect(run.summary.passed, `${id} (solution): tests ran`).toBeGreaterThan(0);
      }, limitMs);
    }
  });
}

/** The exercise's own run limit from meta.json; a broken meta.json is the content tests' to report. */
function runLimitMs(dir: string): number {
  try {
    const { timeoutMs } = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { timeoutMs?: unknown };
    return typeof timeoutMs === 'number' && timeoutMs > 0 ? timeoutMs : DEFAULT_TIMEOUT_MS;
  } catch {
    return DEFAULT_TIMEOUT_MS;
  }
}

function mutantFiles(dir: string): string[] {
  const mutants = join(dir, 'mutants');
  return existsSync(mutants) ? readdirSync(mutants).filter((file) => file.endsWith('.ts')).sort() : [];
}

// Declared last, so it runs after every variant above.
it('the page logged no errors while the variants ran', () => {
  expect(opened?.problems, 'console errors, uncaught exceptions or failed requests on the page').toEqual([]);
});
