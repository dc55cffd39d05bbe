/**
 * Checks of the fidelity machinery itself: a wrong expectation is caught and named by step, a
 * documented deviation must be exactly the documented one, malformed scenarios are refused with a
 * message, missing simos calls make a scenario pending, and the Linux runner reports scenario
 * errors, runs without namespaces, and leaves no process behind.
 */
import { readFileSync, readdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareOutcome } from './compare.ts';
import { runOnLinux } from './linux.ts';
import { loadScenario, validateScenario, type Scenario } from './scenario.ts';
import { missingSyscalls, runOnSimos } from './simos-runner.ts';

const scenarioPath = (id: string) => fileURLToPath(new URL(`./scenarios/${id}.json`, import.meta.url));
const copy = (sc: Scenario): Scenario => JSON.parse(JSON.stringify(sc));

describe('comparison', () => {
  it('names the step whose outcome moved', async () => {
    const sc = copy(loadScenario(scenarioPath('D1a')));
    const outcome = await runOnSimos(sc);
    if (!('steps' in outcome)) throw new Error(JSON.stringify(outcome));
    expect(compareOutcome(sc, outcome, 'simos')).toEqual([]);
    sc.steps[11]!.expect = { pid: 'C', status: { exited: 0 } };
    const m = compareOutcome(sc, outcome, 'simos');
    expect(m.map((x) => x.step)).toEqual([12]);
    expect(m[0]!.text).toContain('step 12 (P: waitpid {"pid":"C"})');
    expect(m[0]!.text).toContain('"signaled":"SIGTERM"');
  });

  it('checks a documented simos deviation exactly, and the Linux side against the recording', async () => {
    const sc = copy(loadScenario(scenarioPath('D3d')));
    const outcome = await runOnSimos(sc);
    if (!('steps' in outcome)) throw new Error(JSON.stringify(outcome));
    sc.steps[2]!.simosDiffers = { reason: 'test', simos: 3 };
    expect(compareOutcome(sc, outcome, 'simos')).toEqual([]);
    sc.steps[2]!.simosDiffers = { reason: 'a made-up deviation', simos: 4 };
    const m = compareOutcome(sc, outcome, 'simos');
    expect(m).toHaveLength(1);
    expect(m[0]!.text).toContain('documented simos deviation: a made-up deviation');
    // The deviation says nothing about Linux: it is still held to the recorded value.
    expect(compareOutcome(sc, outcome, 'linux')).toEqual([]);
  });

  it('reports changed final fates and a missing recording', () => {
    const sc = copy(loadScenario(scenarioPath('P02-echild-wnohang')));
    const steps = sc.steps.map((s) => s.expect);
    expect(compareOutcome(sc, { steps, final: { ...sc.final!, C: 'zombie' } }, 'linux').map((m) => m.text)).toEqual([
      'final fates: expected {"P":"alive","Q":"alive","C":"reaped"}, got {"P":"alive","Q":"alive","C":"zombie"}',
    ]);
    delete sc.steps[0]!.expect;
    expect(compareOutcome(sc, { steps, final: sc.final! }, 'linux')[0]!.text).toContain('no recorded expectation');
  });
});

describe('scenario validation', () => {
  const base = { id: 'x', title: 'x' };
  const bad: [string, unknown, string][] = [
    ['unknown op', { ...base, steps: [{ actor: 'P', op: 'frok' }] }, 'unknown op "frok"'],
    ['unknown argument', { ...base, steps: [{ actor: 'P', op: 'kill', args: { pid: 'P', signal: 9 } }] }, 'kill takes no argument "signal"'],
    ['actor not created yet', { ...base, steps: [{ actor: 'C', op: 'getpid' }] }, 'actor "C" does not exist yet'],
    ['await without a blocking step', { ...base, steps: [{ actor: 'P', op: 'await' }] }, 'no earlier step marked "blocks"'],
    ['blocked at the end', { ...base, steps: [{ actor: 'P', op: 'waitpid', args: { pid: -1 }, blocks: true }] }, 'still blocked at the end'],
    ['unbound fd name', { ...base, steps: [{ actor: 'P', op: 'close', args: { fd: 'nope' } }] }, 'fd "nope" was not named'],
    ['unknown pid name', { ...base, steps: [{ actor: 'P', op: 'kill', args: { pid: 'Z', sig: 'SIGTERM' } }] }, 'pid "Z" names no process actor'],
    ['thread_exit in a process', { ...base, steps: [{ actor: 'P', op: 'thread_exit' }] }, 'thread_exit is for thread actors'],
    ['actor used after exit', { ...base, steps: [{ actor: 'P', op: 'exit' }, { actor: 'P', op: 'getpid' }] }, 'has already exited'],
  ];
  it.each(bad)('refuses %s', (_what, raw, message) => {
    expect(() => validateScenario(raw, 'test.json')).toThrow(message);
  });

  it('every checked-in scenario has a recorded expectation for every step', () => {
    const dir = fileURLToPath(new URL('./scenarios/', import.meta.url));
    const unrecorded = readdirSync(dir).flatMap((f) => {
      const sc = loadScenario(join(dir, f));
      return sc.steps.some((s) => !('expect' in s)) || !sc.final ? [sc.id] : [];
    });
    expect(unrecorded).toEqual([]);
  });
});

describe('pending scenarios', () => {
  it('lists exactly the simos calls a scenario needs and simos lacks', () => {
    const sc = loadScenario(scenarioPath('D2b'));
    expect(missingSyscalls(sc)).toEqual([]);
    const withoutLocks = { fork: 1, open: 1, close: 1, lockf: 1, 'fcntl:37': 1 };
    expect(missingSyscalls(sc, withoutLocks).sort()).toEqual(['fcntl:5', 'flock']);
  });

  it('does not run a pending scenario', async () => {
    const sc = loadScenario(scenarioPath('D1a'));
    const result = await runOnSimos(sc, { fork: 1 });
    expect(result).toEqual({ pending: ['setpgid', 'setsid', 'getpgid', 'pidfd_open', 'kill', 'poll', 'waitpid', 'getppid'] });
  });
});

describe('Linux runner', () => {
  it('reports a scenario error instead of an outcome', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidelity-harness-'));
    try {
      const file = join(dir, 'bad.json');
      // Valid JSON the TS validator would refuse; the Python side must fail loudly too.
      writeFileSync(file, JSON.stringify({ id: 'bad', title: 'bad', steps: [{ actor: 'P', op: 'frobnicate' }] }));
      const r = runOnLinux([file]).results.bad!;
      expect('error' in r && r.error).toContain("unknown op 'frobnicate'");
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('gives the same outcomes without namespaces (subreaper mode), and refuses kill(-1) there', () => {
    const ids = ['D1b', 'P08-reparent', 'P04-kill-all'];
    const run = runOnLinux(ids.map(scenarioPath), { mode: 'subreaper' });
    for (const id of ids.slice(0, 2)) {
      const sc = loadScenario(scenarioPath(id));
      const r = run.results[id]!;
      expect(r.mode).toBe('subreaper');
      expect(compareOutcome(sc, r as never, 'linux')).toEqual([]);
    }
    expect(run.results['P04-kill-all']).toMatchObject({ unavailable: expect.stringContaining('PID namespace') });
  });

  it('leaves no process behind', () => {
    runOnLinux([scenarioPath('D1a'), scenarioPath('P12-pdeathsig')]);
    const runner = fileURLToPath(new URL('./linux_runner.py', import.meta.url));
    const leftovers = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(runner);
      } catch {
        return false; // it exited while we looked
      }
    });
    expect(leftovers).toEqual([]);
  });
});
