import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Exercises import the simulated OS by package name, as in the browser sandbox.
    alias: [
      { find: /^simos\/testing$/, replacement: here('./sandboxes/simos/testing.ts') },
      { find: /^simos$/, replacement: here('./sandboxes/simos/index.ts') },
    ],
  },
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/content/**/*.test.ts', 'lessons/**/*.test.ts'],
    // e2e and fidelity tests have their own configs; fixtures are exercises for testing the checks.
    exclude: [...configDefaults.exclude, 'tests/e2e/**', 'tests/fidelity/**', 'tests/content/fixtures/**'],
  },
});
