/**
 * Driving one Exercise island the way a learner does, for the e2e tests and the benchmarks.
 * The DOM contract it relies on (components/exercise/Exercise.astro):
 *   section.exercise[data-exercise="<id>"]       the island; data-state is "loading" then "editing"
 *   buttons named Run tests, Reset, Hint, Show solution
 *   [role=status] (data-state running | passed | failed) with the text `N passed, M failed[ — stopped: …]`
 *   [data-role=static-code]                      the code before Monaco replaces it
 *   [data-role=terminal]                         xterm output
 * and on the progress store's localStorage key for putting code in place before a page loads.
 */

const PROGRESS_KEY = 'systems-workbook:progress';

/** @param {import('playwright-core').Page} page @param {string} id */
export function exerciseSection(page, id) {
  return page.locator(`section[data-exercise="${id}"]`);
}

/**
 * Stores `code` as the learner's code for exercise `id` in the page's origin, then reloads so
 * the island shows it, exactly as if the learner had typed it in an earlier visit.
 * @param {import('playwright-core').Page} page @param {string} id @param {string} code
 */
export async function storeCodeAndReload(page, id, code) {
  await page.evaluate(
    ([key, exerciseId, source]) => {
      const doc = JSON.parse(localStorage.getItem(key) ?? 'null') ?? { version: 1, exercises: {} };
      doc.exercises[exerciseId] = { code: source, hintsRevealed: 0, updatedAt: new Date().toISOString() };
      localStorage.setItem(key, JSON.stringify(doc));
    },
    [PROGRESS_KEY, id, code],
  );
  await page.reload({ waitUntil: 'load' });
}

/**
 * Clicks Run tests and waits for the run to end; returns the status text and the time from the
 * click to the final status, measured inside the page.
 * @param {import('playwright-core').Page} page @param {string} id @param {number} [timeoutMs]
 * @returns {Promise<{ text: string, state: string, ms: number }>}
 */
export async function runTests(page, id, timeoutMs = 30_000) {
  const section = exerciseSection(page, id);
  await section.getByRole('button', { name: 'Run tests', exact: true }).waitFor();
  return section.evaluate(
    (root, limitMs) => {
      // Kept reachable from window until it settles: Playwright reports a promise that the page
      // garbage-collected while it was pending ("Resulting promise was garbage collected").
      const pending = new Promise((resolve, reject) => {
        const button = [...root.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Run tests');
        const status = root.querySelector('[role="status"]');
        if (!button || !status) return reject(new Error('Run tests button or [role=status] missing'));
        let sawRunning = false;
        const finish = () => {
          observer.disconnect();
          clearTimeout(timer);
          resolve({ text: status.textContent?.trim() ?? '', state: status.getAttribute('data-state') ?? '', ms: performance.now() - started });
        };
        const check = () => {
          const state = status.getAttribute('data-state');
          if (state === 'running') sawRunning = true;
          else if (sawRunning && /\d+ passed, \d+ failed/.test(status.textContent ?? '')) finish();
        };
        const observer = new MutationObserver(check);
        observer.observe(status, { attributes: true, childList: true, characterData: true, subtree: true });
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`no result ${limitMs} ms after Run tests; status: "${status.textContent}"`));
        }, limitMs);
        const started = performance.now();
        button.click();
        check();
      });
      const keep = (window.__pendingRuns ??= new Set());
      keep.add(pending);
      const release = () => keep.delete(pending);
      pending.then(release, release);
      return pending;
    },
    timeoutMs,
  );
}

/**
 * Clicks the code and waits until Monaco is there and has the keyboard focus; returns the time
 * from the click to that, measured inside the page. Works before and after Monaco has loaded.
 * @param {import('playwright-core').Page} page @param {string} id
 */
export async function openEditor(page, id, timeoutMs = 30_000) {
  const section = exerciseSection(page, id);
  const loaded = (await section.getAttribute('data-state')) === 'editing';
  const target = loaded ? section.locator('.monaco-editor .view-lines') : section.locator('[data-role="static-code"]');
  await section.evaluate((root) => {
    window.__editorClickAt = undefined;
    root.addEventListener('pointerdown', () => (window.__editorClickAt ??= performance.now()), { capture: true, once: true });
  });
  await target.click();
  const handle = await page.waitForFunction(
    (exerciseId) => {
      const root = document.querySelector(`section[data-exercise="${exerciseId}"]`);
      const editing = root?.getAttribute('data-state') === 'editing';
      const focused = document.activeElement?.closest('.monaco-editor') && root?.contains(document.activeElement);
      return editing && focused ? performance.now() - window.__editorClickAt : false;
    },
    id,
    { timeout: timeoutMs, polling: 'raf' },
  );
  return /** @type {number} */ (await handle.jsonValue());
}

/**
 * Replaces all the code in the editor by pasting `code`, as a learner pasting from elsewhere
 * would. (Typing it would let Monaco auto-indent the lines.)
 * @param {import('playwright-core').Page} page @param {string} id @param {string} code
 */
export async function pasteCode(page, id, code) {
  await openEditor(page, id);
  await page.keyboard.press('ControlOrMeta+A');
  await page.evaluate((text) => {
    const data = new DataTransfer();
    data.setData('text/plain', text);
    document.activeElement?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, code);
}

/** The terminal's visible text (xterm's DOM renderer keeps one row element per line). */
export async function terminalText(page, id) {
  return exerciseSection(page, id).locator('[data-role="terminal"]').innerText();
}
