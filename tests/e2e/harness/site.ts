/**
 * What a test file needs to look at the site: the shared browser (started by global-setup.ts),
 * URLs on the test server, pages that record every console error, failed request and uncaught
 * exception, and screenshots in tests/e2e/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';

const SCREENSHOT_DIR = fileURLToPath(new URL('../screenshots/', import.meta.url));

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, uncaught exceptions and failed or 4xx/5xx same-origin requests, in order. */
  problems: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  colorScheme?: 'light' | 'dark';
  /** Reuse a context, e.g. to reload with the same localStorage. */
  context?: BrowserContext;
  viewport?: { width: number; height: number };
}

export interface Site {
  url(path?: string): string;
  open(path: string, options?: OpenOptions): Promise<OpenedPage>;
  newContext(options?: Omit<OpenOptions, 'context'>): Promise<BrowserContext>;
  /** A whole page (full length) or one element, saved as tests/e2e/screenshots/<name>.png. */
  screenshot(target: Page | Locator, name: string): Promise<string>;
}

/** Call once at the top of a test file: connects in beforeAll, disconnects in afterAll. */
export function useSite(): Site {
  let browser: Browser | undefined;
  const base = inject('siteUrl');
  beforeAll(async () => {
    browser = await chromium.connect(inject('browserWsEndpoint'));
  });
  afterAll(async () => {
    await browser?.close();
  });

  const url = (path = '/') => new URL(path.replace(/^\/+/, ''), base).href;
  const newContext = async (options: Omit<OpenOptions, 'context'> = {}) => {
    if (!browser) throw new Error('useSite(): the browser is not connected yet; open pages inside tests or hooks.');
    return browser.newContext({
      colorScheme: options.colorScheme ?? 'light',
      viewport: options.viewport ?? { width: 1280, height: 900 },
    });
  };

  return {
    url,
    newContext,
    async open(path, options = {}) {
      const ownContext = !options.context;
      const context = options.context ?? (await newContext(options));
      const page = await context.newPage();
      if (options.colorScheme) await page.emulateMedia({ colorScheme: options.colorScheme });
      const problems = recordProblems(page, base);
      const response = await page.goto(url(path), { waitUntil: 'load' });
      if (!response) throw new Error(`No response for ${path}`);
      return {
        page,
        context,
        problems,
        close: () => (ownContext ? context.close() : page.close()),
      };
    },
    async screenshot(target, name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = `${SCREENSHOT_DIR}${name}.png`;
      if ('goto' in target) await target.screenshot({ path, fullPage: true });
      else await target.screenshot({ path });
      return path;
    },
  };
}

function recordProblems(page: Page, base: string): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) => {
    // A navigation away aborts pending requests; that is not a fault of the page.
    if (request.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && response.url().startsWith(base)) {
      problems.push(`HTTP ${response.status()}: ${response.url()}`);
    }
  });
  return problems;
}
