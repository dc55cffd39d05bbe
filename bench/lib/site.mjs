/**
 * The built site, served and open in Chromium, shared by every benchmark in one `npm run bench`.
 * Started on first use so benches that need no browser (simos ones) pay nothing for it.
 */
import { fileURLToPath } from 'node:url';
import { distDir, ensureBuilt } from '../../site/tools/build-freshness.mjs';
import { startStaticServer } from '../../site/tools/static-server.mjs';
import { launchChromium } from '../../tests/e2e/harness/chromium.mjs';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/**
 * @typedef {{ url: string, browser: import('playwright-core').Browser, lessonUrlFor: (exerciseId: string) => Promise<string> }} BenchSite
 */

/** @returns {{ get: () => Promise<BenchSite>, close: () => Promise<void> }} */
export function lazySite() {
  /** @type {Promise<{ site: BenchSite, close: () => Promise<void> }> | undefined} */
  let started;
  return {
    async get() {
      started ??= start();
      return (await started).site;
    },
    async close() {
      if (started) await (await started).close();
    },
  };
}

async function start() {
  await ensureBuilt({ projectRoot, log: (line) => console.log(`[bench] ${line}`) });
  const server = await startStaticServer({ root: distDir(projectRoot) });
  const browser = await launchChromium();
  /** The lesson page that embeds an exercise, found the way a learner would: from the home page. */
  const lessonUrlFor = async (exerciseId) => {
    const page = await browser.newPage();
    await page.goto(server.url);
    const anchor = `#exercise-${exerciseId.replace(/[^A-Za-z0-9]+/g, '-')}`;
    const href = await page.locator(`a[href$="${anchor}"]`).first().getAttribute('href', { timeout: 5000 });
    await page.close();
    if (!href) throw new Error(`No lesson on the home page links to exercise ${exerciseId}.`);
    return new URL(href.replace(/#.*$/, ''), server.url).href;
  };
  return {
    site: { url: server.url, browser, lessonUrlFor },
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
