/**
 * Builds the site only when dist/ is older than its sources, so `npm start`, the end-to-end
 * tests and the benchmarks can each ask for a built site without paying for a build every time.
 * A successful build leaves `dist/.build-stamp`; the site is fresh when that stamp is newer than
 * every source file.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the build reads, relative to the project root. */
const SOURCES = ['site', 'lessons', 'components', 'sandboxes', 'astro.config.mjs', 'package.json', 'tsconfig.json'];
const STAMP = '.build-stamp';

/** @param {string} projectRoot @returns {string} */
export function distDir(projectRoot) {
  return join(projectRoot, 'dist');
}

/**
 * The newest source file, or undefined when the stamp is newer than all of them.
 * @param {string} projectRoot
 * @returns {{ fresh: boolean, reason: string }}
 */
export function distFreshness(projectRoot) {
  const stampPath = join(distDir(projectRoot), STAMP);
  if (!existsSync(stampPath)) return { fresh: false, reason: 'dist/ has not been built by this script yet' };
  const stampMs = statSync(stampPath).mtimeMs;
  for (const source of SOURCES) {
    const newer = findNewer(join(projectRoot, source), stampMs);
    if (newer) return { fresh: false, reason: `${newer.slice(projectRoot.length + 1)} changed since the last build` };
  }
  return { fresh: true, reason: 'dist/ is newer than every source' };
}

/** @param {string} path @param {number} thanMs @returns {string | undefined} */
function findNewer(path, thanMs) {
  if (!existsSync(path)) return undefined;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs > thanMs ? path : undefined;
  // A deleted file changes its directory's mtime.
  if (info.mtimeMs > thanMs) return path;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const found = findNewer(join(path, entry), thanMs);
    if (found) return found;
  }
  return undefined;
}

/**
 * Runs `astro build` unless dist/ is fresh (or `force` is set). Rejects when the build fails,
 * with the build's own output already printed.
 * @param {{ projectRoot: string, force?: boolean, log?: (line: string) => void }} options
 * @returns {Promise<{ built: boolean, durationMs: number }>}
 */
export async function ensureBuilt({ projectRoot, force = false, log = (line) => console.log(line) }) {
  const { fresh, reason } = distFreshness(projectRoot);
  if (fresh && !force) {
    log(`Using the existing build: ${reason}.`);
    return { built: false, durationMs: 0 };
  }
  log(`Building the site (${force ? 'forced' : reason})...`);
  const started = performance.now();
  await runAstroBuild(projectRoot);
  writeFileSync(join(distDir(projectRoot), STAMP), new Date().toISOString() + '\n');
  const durationMs = performance.now() - started;
  log(`Built in ${(durationMs / 1000).toFixed(1)} s.`);
  return { built: true, durationMs };
}

/** @param {string} projectRoot */
function runAstroBuild(projectRoot) {
  const astro = join(projectRoot, 'node_modules', 'astro', 'bin', 'astro.mjs');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [astro, 'build'], {
      cwd: projectRoot,
      stdio: 'inherit',
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(undefined);
      else reject(new Error(`astro build failed (${signal ?? `exit code ${code}`}); see its output above.`));
    });
  });
}
