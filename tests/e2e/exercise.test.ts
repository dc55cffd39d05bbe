/**
 * One exercise island end to end, in Chromium on the built site: the reference solution passes,
 * Reset brings back a starter that fails, a runaway loop is stopped and the sandbox recovers,
 * code and result survive a reload, and a syntax error points at its line and column.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { exerciseSection, openEditor, pasteCode, runTests, storeCodeAndReload, terminalText } from './harness/exercise-driver.mjs';
import { useSite } from './harness/site';

const ID = 'wal/decode-log';
const folder = fileURLToPath(new URL(`../../lessons/${ID}/`, import.meta.url));
const solution = readFileSync(`${folder}solution.ts`, 'utf8');
const starter = readFileSync(`${folder}starter.ts`, 'utf8');
const COUNTS = /^(\d+) passed, (\d+) failed/;

const site = useSite();
let lessonPath = '';

beforeAll(async () => {
  const home = await site.open('/');
  const href = await home.page.locator(`a[href$="#exercise-${ID.replace(/[^A-Za-z0-9]+/g, '-')}"]`).first().getAttribute('href');
  await home.close();
  if (!href) throw new Error(`the home page does not link to exercise ${ID}`);
  lessonPath = href.replace(/#.*$/, '');
});

function counts(text: string): { passed: number; failed: number } {
  const match = COUNTS.exec(text);
  if (!match) throw new Error(`status "${text}" is not "N passed, M failed"`);
  return { passed: Number(match[1]), failed: Number(match[2]) };
}

async function resetToStarter(page: Page): Promise<void> {
  page.once('dialog', (dialog) => void dialog.accept());
  await exerciseSection(page, ID).getByRole('button', { name: 'Reset', exact: true }).click();
  // Reset puts the starter in the editor and saves it at once.
  await expect.poll(() => storedCode(page)).toBe(starter);
}

/** The learner's code for the exercise as the progress store saved it. */
function storedCode(page: Page): Promise<string | undefined> {
  return page.evaluate((id) => {
    const doc = JSON.parse(localStorage.getItem('systems-workbook:progress') ?? 'null');
    return doc?.exercises?.[id]?.code;
  }, ID);
}

describe(`exercise ${ID}`, () => {
  it("links no Monaco styles from the page; they arrive with the editor", async () => {
    const { page, close } = await site.open(lessonPath);
    const monacoRules = (owner: 'LINK' | 'STYLE') =>
      page.evaluate(
        (tag) =>
          [...document.styleSheets]
            .filter((sheet) => sheet.ownerNode?.nodeName === tag)
            .reduce((n, sheet) => n + [...sheet.cssRules].filter((rule) => rule.cssText.includes('.monaco-editor')).length, 0),
        owner,
      );
    expect(await monacoRules('LINK')).toBe(0);
    await openEditor(page, ID);
    expect(await monacoRules('STYLE')).toBeGreaterThan(50);
    await close();
  });

  it('passes every test with the reference solution', async () => {
    const { page, problems, close } = await site.open(lessonPath);
    await storeCodeAndReload(page, ID, solution);
    const result = await runTests(page, ID);
    const { passed, failed } = counts(result.text);
    expect(failed).toBe(0);
    expect(passed).toBeGreaterThan(0);
    expect(result.state).toBe('passed');
    await site.screenshot(exerciseSection(page, ID), 'exercise-solution-passed');
    expect(problems).toEqual([]);
    await close();
  });

  it('fails with the starter after Reset, on the same number of tests', async () => {
    const { page, close } = await site.open(lessonPath);
    await storeCodeAndReload(page, ID, solution);
    const withSolution = counts((await runTests(page, ID)).text);
    await resetToStarter(page);
    const result = await runTests(page, ID);
    const withStarter = counts(result.text);
    expect(withStarter.failed).toBeGreaterThan(0);
    expect(withStarter.passed + withStarter.failed).toBe(withSolution.passed + withSolution.failed);
    expect(result.state).toBe('failed');
    await close();
  });

  it('stops an endless loop with a message that points at it, and the next run works', async () => {
    const { page, close } = await site.open(lessonPath);
    const code = `${solution}\nwhile (true) {}\n`;
    const loopLine = code.split('\n').indexOf('while (true) {}') + 1;
    await storeCodeAndReload(page, ID, code);
    const stopped = await runTests(page, ID, 60_000);
    expect(stopped.state).toBe('failed');
    await expect.poll(() => terminalText(page, ID)).toMatch(new RegExp(`Stopped a loop[\\s\\S]*solution\\.ts:${loopLine}:`));
    await site.screenshot(exerciseSection(page, ID), 'exercise-loop-stopped');

    await resetToStarter(page);
    const next = await runTests(page, ID);
    expect(next.text).not.toMatch(/stopped/i);
    expect(counts(next.text).failed).toBeGreaterThan(0);
    await close();
  });

  it('stops a run that outlives its time limit (no loop to guard), and the next run works', async () => {
    const { page, close } = await site.open(lessonPath);
    // Catastrophic backtracking: seconds of work inside one regex call, which no loop guard sees.
    await storeCodeAndReload(page, ID, `${solution}\n/(a+)+$/.test('a'.repeat(40) + '!');\n`);
    const stopped = await runTests(page, ID, 60_000);
    expect(stopped.text).toMatch(/stopped: ran longer than/);
    expect(stopped.state).toBe('failed');

    await resetToStarter(page);
    const next = await runTests(page, ID);
    expect(next.text).not.toMatch(/stopped/i);
    expect(counts(next.text).failed).toBeGreaterThan(0);
    // A fresh worker answers at once; the killed one is not waited for.
    expect(next.ms).toBeLessThan(stopped.ms);
    await close();
  });

  it('keeps the code typed in the editor and the last result across a reload', async () => {
    const context = await site.newContext();
    const { page } = await site.open(lessonPath, { context });
    await storeCodeAndReload(page, ID, solution);
    await openEditor(page, ID);
    const marker = `// reload check ${Date.now()}`;
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText(`\n${marker}\n`);
    const before = await runTests(page, ID);
    expect(counts(before.text).failed).toBe(0);

    await page.reload({ waitUntil: 'load' });
    const section = exerciseSection(page, ID);
    expect(await section.locator('[data-role="static-code"]').innerText()).toContain(marker);
    await expect.poll(() => section.locator('[data-role="badge"]').textContent()).toBe('✓ Passed');
    await context.close();
  });

  it('reports a syntax error at its line and column', async () => {
    const { page, close } = await site.open(lessonPath);
    // Line 3, column 13 is the stray semicolon.
    await pasteCode(page, ID, 'export function decodeLog(bytes: Uint8Array) {\n  bytes;\n  const x = ;\n}\n');
    const result = await runTests(page, ID);
    expect(result.text).toMatch(/did not compile/);
    await expect.poll(() => terminalText(page, ID)).toMatch(/solution\.ts:3:13\b/);
    await site.screenshot(exerciseSection(page, ID), 'exercise-syntax-error');
    await close();
  });
});
