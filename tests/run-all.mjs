#!/usr/bin/env node
/**
 * `npm test`: every suite, one after another, each run even when an earlier one failed, then
 * one summary. The last line is `N passed, M failed` over all suites (the typecheck counts as
 * one check). Exits non-zero when anything failed or a required suite is missing.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const bin = (name) => join(projectRoot, 'node_modules', '.bin', name);

/**
 * `config` is the vitest config a suite needs; a suite whose config is missing fails when
 * `required`, and is reported as "not present" otherwise.
 */
const SUITES = [
  { name: 'typecheck', kind: 'command', command: ['npm', 'run', '--silent', 'typecheck'], limitMin: 5 },
  { name: 'unit + content', kind: 'vitest', config: 'vitest.config.ts', required: true, limitMin: 15 },
  { name: 'fidelity', kind: 'vitest', config: 'tests/fidelity/vitest.config.ts', required: true, limitMin: 15 },
  { name: 'e2e', kind: 'vitest', config: 'tests/e2e/vitest.config.ts', required: true, limitMin: 20 },
];

let running;
// The suites run in their own process groups, which Ctrl+C does not reach: pass it on.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (running) killGroup(running);
    process.exit(130);
  });
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/**
 * Runs a command in its own process group; past `limitMin` minutes the whole group is killed
 * (vitest's own timeouts cannot interrupt a synchronous endless loop in a test).
 */
function run(command, args, limitMin) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: projectRoot,
      stdio: 'inherit',
      detached: true,
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
    });
    running = child;
    const timer = setTimeout(() => {
      console.error(`\n${command} ${args.join(' ')}: still running after ${limitMin} min; stopping it.`);
      killGroup(child);
    }, limitMin * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      console.error(`${command}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/** Runs one vitest suite and reads its counts from the JSON reporter. */
async function runVitest(suite, scratch) {
  const report = join(scratch, `${suite.name.replace(/\W+/g, '-')}.json`);
  const args = ['run', '--config', suite.config, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
  const code = await run(bin('vitest'), args, suite.limitMin);
  if (!existsSync(report)) return { passed: 0, failed: 1, note: `vitest exited with ${code} before reporting` };
  const json = JSON.parse(readFileSync(report, 'utf8'));
  let failed = json.numFailedTests ?? 0;
  // A file that fails to load has no tests to count; count it as one failure.
  const brokenFiles = (json.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
  failed += brokenFiles;
  if (code !== 0 && failed === 0) failed = 1;
  return { passed: json.numPassedTests ?? 0, failed, note: brokenFiles ? `${brokenFiles} file(s) failed to load` : '' };
}

const scratch = mkdtempSync(join(tmpdir(), 'workbook-test-'));
const results = [];
const started = performance.now();
for (const suite of SUITES) {
  console.log(`\n━━ ${suite.name} ━━`);
  const t0 = performance.now();
  let result;
  if (suite.kind === 'vitest' && !existsSync(join(projectRoot, suite.config))) {
    result = suite.required
      ? { passed: 0, failed: 1, note: `${suite.config} is missing` }
      : { passed: 0, failed: 0, note: `not present yet (${suite.config})` };
    console.log(result.note);
  } else if (suite.kind === 'vitest') {
    result = await runVitest(suite, scratch);
  } else {
    const [command, ...args] = suite.command;
    const code = await run(command, args, suite.limitMin);
    result = code === 0 ? { passed: 1, failed: 0, note: '' } : { passed: 0, failed: 1, note: `exit code ${code}` };
  }
  results.push({ ...suite, ...result, seconds: (performance.now() - t0) / 1000 });
}
rmSync(scratch, { recursive: true, force: true });

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log('\n━━ summary ━━');
for (const r of results) {
  const counts = `${r.passed} passed, ${r.failed} failed`.padEnd(24);
  console.log(`${r.failed ? '✗' : '✓'} ${r.name.padEnd(16)} ${counts} ${r.seconds.toFixed(1).padStart(6)} s  ${r.note}`);
}
console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
