/**
 * The differential fidelity suite (docs/fidelity.md): every scenario in scenarios/ is played on
 * this machine's Linux kernel and on simos, and each must match the outcome recorded from Linux.
 * A Linux mismatch means the machine moved (re-record if that is legitimate); a simos mismatch is
 * a simos bug or an undocumented deviation. Scenarios whose simos calls do not exist yet are
 * reported as todo ("pending"), with the missing call names, and still run on Linux.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareOutcome, describeMismatches } from './compare.ts';
import { runOnLinux, type LinuxRun } from './linux.ts';
import { loadScenario, scenarioFiles, ScenarioError, type Scenario } from './scenario.ts';
import { missingSyscalls, runOnSimos } from './simos-runner.ts';

const dir = fileURLToPath(new URL('./scenarios/', import.meta.url));
const files = scenarioFiles(dir);

const loaded: { file: string; scenario?: Scenario; error?: string }[] = files.map((file) => {
  try {
    return { file, scenario: loadScenario(file) };
  } catch (e) {
    if (e instanceof ScenarioError) return { file, error: e.message };
    throw e;
  }
});
const scenarios = loaded.flatMap((l) => (l.scenario ? [l.scenario] : []));

let linux: LinuxRun | undefined;
/** Why the Linux side could not run at all (no python3, ...): every Linux test fails with it. */
let linuxFailure: unknown;
const summary: { id: string; linux: string; simos: string; simosMs: number }[] = [];

beforeAll(() => {
  try {
    linux = runOnLinux(scenarios.map((s) => `${dir}${s.id}.json`));
  } catch (e) {
    linuxFailure = e;
  }
});

afterAll(() => {
  if (!linux) return;
  const env = linux.environment;
  const rows = summary.map((r) => `  ${r.id.padEnd(6)} linux: ${r.linux.padEnd(12)} simos: ${r.simos.padEnd(40)} ${r.simosMs.toFixed(0)} ms`);
  console.log(
    `fidelity: Linux ${env.kernel} (${env.machine}), scratch dir ${env.tmpdir} on ${env.fs}, python ${env.python}; ` +
      `Linux side ${(linux.wallMs / 1000).toFixed(1)} s for ${scenarios.length} scenarios\n${rows.join('\n')}`,
  );
});

function row(id: string) {
  let r = summary.find((x) => x.id === id);
  if (!r) summary.push((r = { id, linux: '?', simos: '?', simosMs: 0 }));
  return r;
}

describe('scenario files', () => {
  it.each(loaded.map((l) => [l.file.slice(dir.length), l] as const))('%s is a valid scenario', (_name, l) => {
    expect(l.error ?? '', 'the scenario file is malformed').toBe('');
    expect(`${l.scenario!.id}.json`, 'the file name must be the scenario id').toBe(_name);
  });

  it('docs/fidelity.md lists every scenario', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/fidelity.md', import.meta.url)), 'utf8');
    const unlisted = scenarios.filter((s) => !doc.includes(`| ${s.id} |`)).map((s) => s.id);
    expect(unlisted, 'add a row "| <id> | ... |" to the scenario table in docs/fidelity.md').toEqual([]);
  });
});

for (const sc of scenarios) {
  describe(`${sc.id}: ${sc.title}`, () => {
    it('Linux behaves as recorded', (ctx) => {
      if (!linux) throw linuxFailure;
      const r = linux.results[sc.id];
      if (!r) throw new Error(`linux_runner.py returned nothing for ${sc.id}`);
      if ('unavailable' in r) {
        row(sc.id).linux = 'unavailable';
        ctx.skip(`not runnable on this machine: ${r.unavailable}`);
      }
      if ('error' in r) {
        row(sc.id).linux = 'error';
        throw new Error(`${sc.id} failed to run on Linux:\n${r.error}`);
      }
      const mismatches = compareOutcome(sc, r as never, 'linux');
      row(sc.id).linux = mismatches.length ? 'MISMATCH' : `ok (${r.mode})`;
      expect(mismatches.map((m) => m.text), describeMismatches(sc, 'linux', mismatches)).toEqual([]);
    });

    const missing = missingSyscalls(sc);
    if (missing.length) {
      row(sc.id).simos = `pending: ${missing.join(', ')}`;
      it.todo(`simos matches Linux — pending: simos lacks ${missing.join(', ')}`);
      return;
    }
    it('simos matches Linux', async () => {
      const t0 = performance.now();
      const r = await runOnSimos(sc);
      row(sc.id).simosMs = performance.now() - t0;
      if ('pending' in r) throw new Error(`unexpectedly pending: ${r.pending.join(', ')}`);
      if ('error' in r) {
        row(sc.id).simos = 'error';
        throw new Error(`${sc.id} failed to run on simos:\n${r.error}`);
      }
      const mismatches = compareOutcome(sc, r, 'simos');
      const deviations = sc.steps.filter((s) => s.simosDiffers).length + (sc.finalSimosDiffers ? 1 : 0);
      const bugs = sc.steps.filter((s) => s.simosBug).length;
      const notes = [deviations ? `${deviations} documented deviation${deviations > 1 ? 's' : ''}` : '', bugs ? `${bugs} KNOWN BUG${bugs > 1 ? 'S' : ''}` : ''].filter(Boolean);
      row(sc.id).simos = mismatches.length ? 'MISMATCH' : `ok${notes.length ? ` (${notes.join(', ')})` : ''}`;
      expect(mismatches.map((m) => m.text), describeMismatches(sc, 'simos', mismatches)).toEqual([]);
    });
  });
}
