/**
 * What a lesson page costs before the learner does anything, and how long the editor takes to
 * become usable after the first click.
 */
import { gzipSync } from 'node:zlib';
import { openEditor } from '../tests/e2e/harness/exercise-driver.mjs';
import { round1 } from './lib/stats.mjs';

export const description = 'Lesson page weight before interaction, and click-to-editable Monaco (wal/decode-log)';

export const targets = {
  lessonPageGzBytes: { max: 60 * 1024, unit: 'B' },
  editorReadyMs: { max: 1500, unit: 'ms' },
};

const EXERCISE = 'wal/decode-log';
const COUNTED = new Set(['document', 'script', 'stylesheet']);
const EDITOR_RUNS = 3;

export async function run(ctx) {
  const site = await ctx.site();
  const lessonUrl = await site.lessonUrlFor(EXERCISE);

  const weight = await measureWeight(site.browser, lessonUrl);
  for (const [type, bytes] of Object.entries(weight.beforeLoadByType)) ctx.log(`before load, ${type}: ${(bytes / 1024).toFixed(1)} KB gzip`);
  ctx.log(`fetched by the idle preload, without interaction: ${(weight.idleGz / 1024).toFixed(1)} KB gzip in ${weight.idleCount} files`);

  const ready = [];
  for (let i = 0; i < EDITOR_RUNS; i++) {
    const context = await site.browser.newContext();
    const page = await context.newPage();
    await page.goto(lessonUrl, { waitUntil: 'load' });
    ready.push(await openEditor(page, EXERCISE));
    await context.close();
  }
  ctx.log(`click to editable Monaco, right after load (${EDITOR_RUNS} fresh pages): ${ready.map((ms) => ms.toFixed(0)).join(', ')} ms`);

  return {
    lessonPageGzBytes: weight.beforeLoadGz,
    idlePreloadGzBytes: weight.idleGz,
    editorReadyMs: round1(ctx.median(ready)),
  };
}

/**
 * Gzip size (zlib level 6, what most static hosts use) of every HTML, JS and CSS response, split
 * into those requested before the load event and those the page fetched afterwards on its own.
 */
async function measureWeight(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  let loaded = false;
  page.on('load', () => (loaded = true));
  const pending = [];
  page.on('request', (request) => {
    const beforeLoad = !loaded;
    if (!COUNTED.has(request.resourceType()) && !/\.(m?js|css)(\?|$)/.test(request.url())) return;
    pending.push(
      request.response().then(async (response) => {
        const body = response ? await response.body().catch(() => Buffer.alloc(0)) : Buffer.alloc(0);
        return { type: request.resourceType(), beforeLoad, gz: gzipSync(body, { level: 6 }).length };
      }),
    );
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1000);
  const responses = await Promise.all(pending);
  await context.close();
  const beforeLoad = responses.filter((r) => r.beforeLoad);
  const idle = responses.filter((r) => !r.beforeLoad);
  const beforeLoadByType = {};
  for (const r of beforeLoad) beforeLoadByType[r.type] = (beforeLoadByType[r.type] ?? 0) + r.gz;
  return {
    beforeLoadGz: beforeLoad.reduce((n, r) => n + r.gz, 0),
    beforeLoadByType,
    idleGz: idle.reduce((n, r) => n + r.gz, 0),
    idleCount: idle.length,
  };
}
