/**
 * Compare one system's outcome with a scenario's recorded expectation and say, step by step,
 * what differs. For simos, a step (or the final fates) marked `simosDiffers` is compared with the
 * documented simos value instead, so a deliberate deviation is checked to be exactly that one.
 */
import { isDeepStrictEqual } from 'node:util';
import { stepLabel, type Outcome, type Scenario } from './scenario.ts';

export type Side = 'linux' | 'simos';

export interface Mismatch {
  /** 1-based step number, or 0 for the final fates. */
  step: number;
  text: string;
}

const show = (v: unknown) => JSON.stringify(v);

/** Every difference between `actual` and what `scenario` expects from `side`. */
export function compareOutcome(scenario: Scenario, actual: Outcome, side: Side): Mismatch[] {
  const out: Mismatch[] = [];
  scenario.steps.forEach((s, i) => {
    if (!('expect' in s)) {
      out.push({ step: i + 1, text: `${stepLabel(scenario, i)}: no recorded expectation (run linux_runner.py record)` });
      return;
    }
    const deviation = side === 'simos' ? (s.simosDiffers ?? s.simosBug) : undefined;
    const want = deviation ? deviation.simos : s.expect;
    const got = actual.steps[i];
    if (!isDeepStrictEqual(got, want)) {
      let why = '';
      if (s.simosDiffers && deviation) why = ` (documented simos deviation: ${s.simosDiffers.reason})`;
      if (s.simosBug && deviation) {
        why = isDeepStrictEqual(got, s.expect)
          ? ` (the known simos bug is fixed: simos now gives Linux's answer; delete "simosBug" from this step)`
          : ` (known simos bug: ${s.simosBug.report})`;
      }
      const note = s.note ? `\n      why this step: ${s.note}` : '';
      out.push({ step: i + 1, text: `${stepLabel(scenario, i)}: expected ${show(want)}${why}, got ${show(got)}${note}` });
    }
  });
  if (actual.steps.length !== scenario.steps.length) {
    out.push({ step: 0, text: `ran ${actual.steps.length} of ${scenario.steps.length} steps` });
  }
  const wantFinal = side === 'simos' && scenario.finalSimosDiffers ? scenario.finalSimosDiffers.simos : scenario.final;
  if (!wantFinal) out.push({ step: 0, text: 'no recorded final fates (run linux_runner.py record)' });
  else if (!isDeepStrictEqual(actual.final, wantFinal)) {
    out.push({ step: 0, text: `final fates: expected ${show(wantFinal)}, got ${show(actual.final)}` });
  }
  return out;
}

/** The failure message for a mismatch: which side moved, which steps, and how to re-record. */
export function describeMismatches(scenario: Scenario, side: Side, mismatches: Mismatch[]): string {
  const head =
    side === 'linux'
      ? `${scenario.id}: this machine's Linux no longer behaves as recorded (recorded on ${show(scenario.recordedOn ?? 'unknown')}).\n` +
        `  If the kernel or filesystem legitimately differs, re-record with: python3 tests/fidelity/linux_runner.py record tests/fidelity/scenarios/${scenario.id}.json`
      : `${scenario.id}: simos differs from Linux ("${scenario.title}").`;
  return `${head}\n${mismatches.map((m) => `  - ${m.text}`).join('\n')}`;
}
