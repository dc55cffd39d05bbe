/**
 * Every lesson page in Chromium, the way a learner who has solved everything sees it: the page
 * loads with one h1 and no errors, and each exercise on it, with its reference solution as the
 * learner's code, reads "N passed, 0 failed" after Run tests and draws the views its tests feed
 * (process timeline, disk with its crash-point slider). One full-page screenshot per lesson goes
 * to tests/e2e/screenshots/<module>-<lesson>.png.
 *
 * The lessons come from lessons/<module>/<lesson>.mdx, each a test of its own; a first test checks
 * that the home page links exactly those pages, with the exercises each one embeds.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_MS } from '../../sandboxes/node/run-exercise.ts';
import { exerciseSection, runTests, storeCodeAndReload } from './harness/exercise-driver.mjs';
import { useSite } from './harness/site';

const LESSONS = fileURLToPath(new URL('../../lessons/', import.meta.url));
/** Beyond an exercise's own limit: the first Run on a page also loads the sandbox and Monaco. */
const RUN_SLACK_MS = 15_000;
/** Page load, reloads with the solutions stored, the screenshot. */
const PAGE_SLACK_MS = 30_000;
/** A view is drawn after the status line, once its module has loaded (the first time on a page). */
const VIEW_WAIT_MS = 10_000;

interface LessonExercise {
  id: string;
  solution: string;
  timeoutMs: number;
  /** What the exercise's tests feed the views, read from their source (see viewsFed). */
  views: { processes: boolean; disk: boolean; crashPoints: boolean };
}

interface Lesson {
  module: string;
  slug: string;
  path: string;
  exercises: LessonExercise[];
}

const lessons = findLessons();
const site = useSite();

describe('lesson discovery', () => {
  it('finds lessons under lessons/', () => {
    expect(lessons.length, 'lessons/<module>/<lesson>.mdx').toBeGreaterThan(0);
  });

  it('the home page links every lesson, listing the exercises each one embeds', async () => {
    const { page, close } = await site.open('/');
    const linked = await page.locator('.lesson-list > li').evaluateAll((items) =>
      items.map((item) => ({
        path: item.querySelector(':scope > a')?.getAttribute('href') ?? '',
        exercises: [...item.querySelectorAll('[data-progress-for]')].map((mark) => mark.getAttribute('data-progress-for') ?? ''),
      })),
    );
    await close();
    const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
    expect(linked.sort(byPath)).toEqual(lessons.map((l) => ({ path: l.path, exercises: l.exercises.map((e) => e.id) })).sort(byPath));
  });
});

describe('every lesson page with every exercise solved', () => {
  for (const lesson of lessons) {
    const limitMs = PAGE_SLACK_MS + lesson.exercises.reduce((sum, e) => sum + e.timeoutMs + RUN_SLACK_MS, 0);
    const what = lesson.exercises.length ? `passes ${lesson.exercises.map((e) => e.id).join(', ')} with the reference solution` : 'has no exercise';
    it(`${lesson.path} loads cleanly and ${what}`, async () => {
      const { page, problems, close } = await site.open(lesson.path);
      const h1 = page.locator('h1');
      expect(await h1.count(), `${lesson.path} has one h1`).toBe(1);
      expect((await h1.innerText()).trim(), `${lesson.path} h1 text`).not.toBe('');
      const onPage = await page.locator('section[data-exercise]').evaluateAll((sections) => sections.map((s) => s.getAttribute('data-exercise')));
      expect(onPage, `${lesson.path} shows the exercises its .mdx embeds`).toEqual(lesson.exercises.map((e) => e.id));

      for (const exercise of lesson.exercises) await storeCodeAndReload(page, exercise.id, exercise.solution);
      const timings: string[] = [];
      for (const exercise of lesson.exercises) {
        const result = await runTests(page, exercise.id, exercise.timeoutMs + RUN_SLACK_MS);
        const label = `${exercise.id} on ${lesson.path} with its reference solution`;
        expect(result.text, label).toMatch(/^\d+ passed, 0 failed$/);
        expect(Number(/^(\d+)/.exec(result.text)?.[1]), `${label}: tests ran`).toBeGreaterThan(0);
        expect(result.state, label).toBe('passed');
        timings.push(`${exercise.id} ${result.text} in ${Math.round(result.ms)} ms`);
        await expectViews(exerciseSection(page, exercise.id), exercise, label);
      }
      if (timings.length) console.log(`${lesson.path}: ${timings.join('; ')}`);

      await site.screenshot(page, `${lesson.module}-${lesson.slug}`);
      expect(problems, `${lesson.path} logs no errors`).toEqual([]);
      await close();
    }, limitMs);
  }
});

/** The views under an exercise after a passing run, against what its tests feed them. */
async function expectViews(section: Locator, exercise: LessonExercise, label: string): Promise<void> {
  const visual = section.locator('[data-role="visual"]');
  const { processes, disk, crashPoints } = exercise.views;
  if (!processes && !disk) {
    // Nothing signals that views are done; give one that is drawn by mistake the time to load and appear.
    await section.page().waitForTimeout(250);
    expect(await visual.isVisible(), `${label}: its tests feed no view, so none is shown`).toBe(false);
    return;
  }
  if (processes) {
    const view = visual.locator('[data-visualiser="process-tree"]');
    await expect.poll(() => view.isVisible(), { message: `${label}: the process timeline is shown`, timeout: VIEW_WAIT_MS }).toBe(true);
    const svg = view.locator('svg').first();
    expect(await svg.isVisible(), `${label}: the process timeline draws an SVG`).toBe(true);
    // The SVG is labelled by its caption and by the list of sentences that says the same in words.
    const descId = (await svg.getAttribute('aria-labelledby'))?.split(/\s+/).pop() ?? '';
    const sentences = view.locator(`details > ol[id="${descId}"] > li`);
    expect(await sentences.count(), `${label}: the timeline's text alternative (details > ol, named by the SVG) has sentences`).toBeGreaterThan(0);
    expect((await sentences.first().textContent())?.trim(), `${label}: a sentence of the text alternative`).toMatch(/\S/);
  }
  if (disk) {
    const view = visual.locator('[data-visualiser="disk"]');
    await expect.poll(() => view.isVisible(), { message: `${label}: the disk view is shown`, timeout: VIEW_WAIT_MS }).toBe(true);
    expect(await view.locator('details > ol > li').count(), `${label}: the disk view's text alternative has sentences`).toBeGreaterThan(0);
    if (crashPoints) {
      const slider = view.locator('input[type="range"]');
      expect(await slider.isVisible(), `${label}: the disk view offers the crash-point slider`).toBe(true);
      expect(Number(await slider.getAttribute('max')), `${label}: the slider has crash points to move over`).toBeGreaterThan(0);
    }
  }
}

/**
 * Which views an exercise's tests feed, read from their source: `explore`/`reportTrace` send a
 * simos trace (the process timeline), `reportDisk`/`reportDiskAfterRuns` a disk snapshot, and a
 * sim booted with `record: true` has crash points for the slider (docs/exercise-format.md).
 */
function viewsFed(testSources: string[]): LessonExercise['views'] {
  const source = testSources.join('\n');
  const disk = /\breportDisk(AfterRuns)?\s*\(/.test(source);
  return {
    processes: /\b(explore|reportTrace)\s*\(/.test(source),
    disk,
    crashPoints: disk && /\brecord:\s*true\b/.test(source),
  };
}

function findLessons(): Lesson[] {
  const found: Lesson[] = [];
  for (const module of readdirSync(LESSONS, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    for (const file of readdirSync(join(LESSONS, module)).filter((f) => f.endsWith('.mdx')).sort()) {
      const slug = file.replace(/\.mdx$/, '');
      const mdx = readFileSync(join(LESSONS, module, file), 'utf8');
      const ids = [...mdx.matchAll(/<Exercise\s+id="([^"]+)"/g)].map((m) => m[1]!);
      found.push({ module, slug, path: `/${module}/${slug}/`, exercises: ids.map(loadExercise) });
    }
  }
  return found;
}

function loadExercise(id: string): LessonExercise {
  const dir = join(LESSONS, id);
  if (!existsSync(join(dir, 'solution.ts'))) throw new Error(`a lesson embeds exercise ${id}, but lessons/${id}/solution.ts does not exist`);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { timeoutMs?: number };
  const tests = readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => readFileSync(join(dir, f), 'utf8'));
  return {
    id,
    solution: readFileSync(join(dir, 'solution.ts'), 'utf8'),
    timeoutMs: meta.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    views: viewsFed(tests),
  };
}
