/**
 * The site shell in a real browser: navigation, every lesson reachable, no errors on load,
 * light and dark schemes, the skip link and progress marks.
 */
import { describe, expect, it } from 'vitest';
import { modulesInOrder } from '../../site/modules';
import { PROGRESS_KEY } from '../../components/progress/store';
import { useSite } from './harness/site';

const site = useSite();

describe('home page', () => {
  it('loads without errors and introduces the workbook', async () => {
    const { page, problems, close } = await site.open('/');
    expect(await page.locator('h1').count()).toBe(1);
    expect(await page.locator('h1').innerText()).toBe('Systems Workbook');
    expect(await page.title()).toBe('Systems Workbook');
    await site.screenshot(page, 'home-light');
    expect(problems).toEqual([]);
    await close();
  });

  it('lists the five modules in order, each linking to its page', async () => {
    const { page, close } = await site.open('/');
    const headings = page.locator('.module-grid > li > h3 a');
    expect(await headings.allInnerTexts()).toEqual(modulesInOrder.map((m) => m.title));
    expect(await page.locator('.module-grid > li > .eyebrow').allTextContents()).toEqual(
      modulesInOrder.map((m) => `Module ${m.order}`),
    );
    expect(await headings.evaluateAll((links) => links.map((a) => a.getAttribute('href')))).toEqual(
      modulesInOrder.map((m) => `/${m.id}/`),
    );
    await close();
  });
});

describe('every page linked from home', () => {
  it('returns 200, has one non-empty h1 and logs no errors', async () => {
    const home = await site.open('/');
    const hrefs = await home.page
      .locator('main a[href^="/"]')
      .evaluateAll((links) => [...new Set(links.map((a) => a.getAttribute('href')!.split('#')[0]!))]);
    await home.close();
    const lessonHrefs = hrefs.filter((h) => h.split('/').filter(Boolean).length === 2);
    expect(lessonHrefs.length, 'the home page links to at least one lesson').toBeGreaterThan(0);

    const context = await site.newContext();
    for (const href of hrefs) {
      const { page, problems } = await site.open(href, { context });
      const h1 = page.locator('h1');
      expect(await h1.count(), `${href} has one h1`).toBe(1);
      expect((await h1.innerText()).trim(), `${href} h1 text`).not.toBe('');
      expect(problems, `${href} loads cleanly`).toEqual([]);
      await page.close();
    }
    await context.close();
  });

  it('serves a 404 page for an unknown address', async () => {
    const context = await site.newContext();
    const page = await context.newPage();
    const response = await page.goto(site.url('/no-such-module/no-such-lesson/'));
    expect(response?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('Page not found');
    await context.close();
  });
});

describe('lesson page', () => {
  /** The first lesson with an exercise (the richest page), else the first lesson. */
  async function firstLessonHref(): Promise<string> {
    const home = await site.open('/');
    const withExercise = home.page.locator('.lesson-list > li:has(.exercise-list) > a');
    const anyLesson = home.page.locator('.lesson-list > li > a');
    const href = await ((await withExercise.count()) > 0 ? withExercise : anyLesson).first().getAttribute('href');
    await home.close();
    if (!href) throw new Error('the home page lists no lesson');
    return href;
  }

  it('has the module nav, a sidebar with the current lesson, and objectives', async () => {
    const href = await firstLessonHref();
    const { page, close } = await site.open(href);
    const moduleId = href.split('/')[1];
    expect(await page.locator(`.module-nav a[href="/${moduleId}/"]`).getAttribute('aria-current')).toBe('true');
    expect(await page.locator('.sidebar a[aria-current="page"]').getAttribute('href')).toBe(href);
    expect(await page.locator('.objectives li').count()).toBeGreaterThanOrEqual(2);
    await site.screenshot(page, 'lesson-light');
    await close();
  });

  it('offers a skip link as the first focusable element, which moves focus to main', async () => {
    const href = await firstLessonHref();
    const { page, close } = await site.open(href);
    await page.keyboard.press('Tab');
    const focused = page.locator(':focus');
    expect(await focused.innerText()).toBe('Skip to content');
    // Hidden off-screen until focused, then on screen.
    const box = await focused.boundingBox();
    expect(box && box.y >= 0 && box.x >= 0, 'the focused skip link is on screen').toBe(true);
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await close();
  });

  it('switches to dark colours when the system prefers dark', async () => {
    const href = await firstLessonHref();
    const background = async (scheme: 'light' | 'dark') => {
      const { page, close } = await site.open(href, { colorScheme: scheme });
      const colours = await page.evaluate(() => ({
        body: getComputedStyle(document.body).backgroundColor,
        text: getComputedStyle(document.body).color,
      }));
      await site.screenshot(page, `lesson-${scheme}`);
      await close();
      return colours;
    };
    const light = await background('light');
    const dark = await background('dark');
    expect(dark.body).not.toBe(light.body);
    expect(luminance(dark.body)).toBeLessThan(luminance(light.body));
    expect(luminance(dark.text)).toBeGreaterThan(luminance(dark.body));

    const home = await site.open('/', { colorScheme: 'dark' });
    await site.screenshot(home.page, 'home-dark');
    await home.close();
  });
});

describe('progress marks', () => {
  it('show what the progress store holds for each exercise', async () => {
    const context = await site.newContext();
    const probe = await site.open('/', { context });
    const ids = await probe.page.locator('[data-progress-for]').evaluateAll((els) => els.map((e) => e.getAttribute('data-progress-for')!));
    expect(ids.length, 'the home page lists at least one exercise').toBeGreaterThan(0);
    const mark = probe.page.locator(`[data-progress-for="${ids[0]}"]`).first();
    await expect.poll(() => mark.getAttribute('data-state')).toBe('not-started');
    expect((await mark.textContent())?.trim()).toBe('Not started');

    const updatedAt = new Date().toISOString();
    const stored = { version: 1, exercises: { [ids[0]!]: { hintsRevealed: 0, updatedAt, result: { passed: 3, failed: 0, at: updatedAt } } } };
    await probe.page.evaluate(([key, value]) => localStorage.setItem(key!, value!), [PROGRESS_KEY, JSON.stringify(stored)]);
    await probe.page.reload();
    await expect.poll(() => mark.getAttribute('data-state')).toBe('passed');
    expect((await mark.textContent())?.trim()).toBe('Passed');
    // The symbol is drawn from the state, in the pass colour.
    expect(await mark.evaluate((el) => getComputedStyle(el, '::before').content)).toBe('"✓"');
    expect(probe.problems).toEqual([]);
    await context.close();
  });
});

/** Relative luminance of a CSS rgb()/rgba() colour, 0 (black) to 1 (white). */
function luminance(css: string): number {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number) as [number, number, number];
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
