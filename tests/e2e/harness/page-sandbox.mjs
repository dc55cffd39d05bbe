/**
 * The browser's worker sandbox, driven from a test without the editor: the bundled sandbox client
 * (the chunk the exercise island imports on first Run) is imported into a page of the built site
 * and given RunRequests directly. The code, supervisor, worker bundle and watchdog are the ones
 * a learner's Run uses; only the island around them is skipped, so checking ~100 variants costs
 * their run time and not a paste and a redraw each.
 *
 * The page keeps its own sandbox instance (not the island's), so a run here never cancels one
 * the page started, and `disposePageSandbox` leaves the page's exercises untouched.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The page-side slot for the test's sandbox; the name only has to avoid the site's own globals. */
const SLOT = '__workbookTestSandbox';

/**
 * What runs in the page, as source text: vitest rewrites a dynamic `import()` in a test's own
 * modules into a helper that exists only on Node, so the function cannot be written inline.
 * Playwright evaluates a string as an expression, so the arguments go into the text as JSON.
 */
const RUN_IN_PAGE = `async ([path, slot, request]) => {
  const { createWorkerSandbox } = await import(path);
  const sandbox = (window[slot] ??= createWorkerSandbox());
  const events = [];
  const summary = await sandbox.run(request, (event) =>
    events.push(event.type === 'trace' ? { type: 'trace', label: event.label, records: [], recordCount: event.records.length } : event),
  );
  return { summary, events };
}`;

/**
 * The site path of the built chunk that exports `createWorkerSandbox` (sandboxes/worker/client.ts),
 * found in dist/_astro. Throws when there is not exactly one, saying what was found.
 * @param {string} distDir
 */
export function sandboxClientPath(distDir) {
  const assets = join(distDir, '_astro');
  const exportsIt = /export\s*\{[^}]*\bcreateWorkerSandbox\s*\}/;
  const found = readdirSync(assets)
    .filter((name) => name.endsWith('.js'))
    .filter((name) => exportsIt.test(readFileSync(join(assets, name), 'utf8').slice(-2000)));
  if (found.length !== 1) {
    throw new Error(
      `Expected one chunk in ${assets} exporting createWorkerSandbox (the bundled sandboxes/worker/client.ts), ` +
        `found ${found.length}${found.length ? `: ${found.join(', ')}` : ''}. Rebuild the site; if the export was renamed, update this finder.`,
    );
  }
  return `/_astro/${found[0]}`;
}

/**
 * A Sandbox (sandboxes/protocol.ts) whose runs happen in `page`'s worker sandbox. Trace events
 * arrive with their records left out (`records: []`, `recordCount` says how many): they are for
 * the visualisers, and copying them out of the page would cost more than the run.
 * @param {import('playwright-core').Page} page
 * @param {string} clientPath from sandboxClientPath
 */
export function pageSandbox(page, clientPath) {
  return {
    async run(request, onEvent) {
      const { summary, events } = await page.evaluate(`(${RUN_IN_PAGE})(${JSON.stringify([clientPath, SLOT, request])})`);
      for (const event of events) onEvent(event);
      return summary;
    },
    preload() {},
    dispose() {
      void disposePageSandbox(page);
    },
  };
}

/**
 * Ends the page's test sandbox and its worker; the next run starts a fresh one.
 * @param {import('playwright-core').Page} page
 */
export async function disposePageSandbox(page) {
  if (page.isClosed()) return;
  await page.evaluate((slot) => {
    window[slot]?.dispose();
    window[slot] = undefined;
  }, SLOT);
}
