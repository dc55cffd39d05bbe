/**
 * Runs once per e2e run: builds the site if its sources changed, serves dist/ on a free port and
 * starts one Chromium that every test file connects to. Test files get both through `inject`.
 */
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { distDir, ensureBuilt } from '../../site/tools/build-freshness.mjs';
import { startStaticServer } from '../../site/tools/static-server.mjs';
import { launchChromiumServer } from './harness/chromium.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where dist/ is served, with a trailing slash, e.g. http://127.0.0.1:40123/ */
    siteUrl: string;
    browserWsEndpoint: string;
  }
}

const projectRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

export default async function setup(project: TestProject) {
  await ensureBuilt({ projectRoot, log: (line) => console.log(`[e2e] ${line}`) });
  const server = await startStaticServer({ root: distDir(projectRoot) });
  const browser = await launchChromiumServer().catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  project.provide('siteUrl', server.url);
  project.provide('browserWsEndpoint', browser.wsEndpoint());
  return async () => {
    await browser.close();
    await server.close();
  };
}
