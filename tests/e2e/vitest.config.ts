// End-to-end tests: the built site in headless Chromium. Run with `npm run test:e2e`.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['tests/e2e/**/*.test.ts'],
    globalSetup: ['tests/e2e/global-setup.ts'],
    // One browser, one server: files run one after another so timings stay meaningful on 2 cores.
    fileParallelism: false,
    testTimeout: 60_000,
    // The first setup may build the site.
    hookTimeout: 180_000,
  },
});
