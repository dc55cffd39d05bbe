/**
 * Emits simos's declarations (sandboxes/simos/dist-types/) so the editor gives completion and type
 * errors for `simos` and `simos/testing` from .d.ts files instead of the sources. Runs when Astro
 * sets up a build or the dev server; if it fails, the editor falls back to the sources, so a
 * failure is reported but does not stop the build.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outDir = `${root}sandboxes/simos/dist-types`;

export function emitSimosTypes(log = console) {
  rmSync(outDir, { recursive: true, force: true });
  try {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}sandboxes/simos/tsconfig.types.json`], { stdio: 'pipe' });
  } catch (error) {
    rmSync(outDir, { recursive: true, force: true });
    log.warn(`simos declarations could not be emitted; the editor will read simos's sources instead.\n${error.stdout ?? error.message}`);
  }
}

/** The Astro integration. */
export function simosTypes() {
  return {
    name: 'simos-types',
    hooks: {
      'astro:config:setup': ({ logger }) => emitSimosTypes(logger),
    },
  };
}
