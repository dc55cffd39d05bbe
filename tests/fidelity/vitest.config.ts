import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The fidelity suite: scenarios played on this machine's Linux and on simos (docs/fidelity.md). */
export default defineConfig({
  root: here('../..'),
  resolve: {
    // The same aliases as the root config: the runner imports the simulated OS by package name.
    alias: [
      { find: /^simos\/testing$/, replacement: here('../../sandboxes/simos/testing.ts') },
      { find: /^simos$/, replacement: here('../../sandboxes/simos/index.ts') },
    ],
  },
  test: {
    include: ['tests/fidelity/**/*.test.ts'],
    // The Linux side runs every scenario in one python3 process before the tests compare.
    hookTimeout: 240_000,
    // One file at a time: the check that the Linux runner left no process behind must not see
    // another file's runner at work.
    fileParallelism: false,
    testTimeout: 30_000,
  },
});
