import { describe, expect, it } from 'vitest';
import { F_GETFD, SIGKILL, SimulationError, WIFSIGNALED, WTERMSIG, formatStatus, isErrno, signalName, type EventRecord, type Sim } from 'simos';
import { explore } from 'simos/testing';
import { watchdog } from './solution';

/** The test calls watchdog at this virtual time, once the stage below is set up. */
const START = 1;
/** How long after the moment it could know the answer watchdog may take to return. */
const SOON = 5;
/**
 * Few pids, so that the number of a reaped process is handed out again at once; few descriptors,
 * so that looking through the descriptor table is cheap.
 */
const LIMITS = { pidMax: 16, maxFds: 16 };

interface Stage {
  timeoutMs: number;
  /** When the target exits by itself (code 0), in virtual ms since boot; if absent, it never does. */
  endsAt?: number;
  /** How long its parent leaves it a zombie before reaping it (default: reaps it at once). */
  reapAfter?: number;
  /** Once the target is reaped, its parent starts "stranger", which gets the freed pid number. */
  reuse?: boolean;
  /** Note which descriptors the caller has open before and after the call. */
  probeFds?: boolean;
}

interface Outcome {
  /** The caller of watchdog: the test's main process. */
  caller: number;
  target: number;
  /** What watchdog returned, or what it threw, and when. */
  result?: unknown;
  error?: unknown;
  returnedAt?: number;
  /** Why the run never finished (simos's deadlock or livelock report), if it did not. */
  stuck?: string;
  fdsBefore: number[];
  fdsAfter: number[];
  /** From the trace: when and how the target ended, who signalled it, when its parent reaped it. */
  endedAt?: number;
  endStatus?: number;
  targetHits: EventRecord[];
  reapedAt?: number;
  /** The unrelated process that got the number afterwards, and the signals it received. */
  stranger?: number;
  strangerSince?: number;
  strangerHits: EventRecord[];
}

/**
 * "target" exits with code 0 at the virtual time in argv[1], or never. "stranger" and "filler" are
 * unrelated processes that just sit there.
 */
function registerPrograms(sim: Sim): void {
  sim.register('target', async (k, argv) => {
    if (argv[1] === 'never') for (;;) await k.pause().catch(() => 0);
    const left = Number(argv[1]) - (await k.now());
    if (left > 0) await k.sleep(left);
    return 0;
  });
  for (const name of ['stranger', 'filler']) {
    sim.register(name, async (k) => {
      for (;;) await k.pause().catch(() => 0);
    });
  }
}

/** The caller's open descriptors, found by asking fcntl about each possible one. */
async function openFds(k: Parameters<typeof watchdog>[0]): Promise<number[]> {
  const open: number[] = [];
  for (let fd = 0; fd < LIMITS.maxFds; fd++) {
    try {
      await k.fcntl(fd, F_GETFD);
      open.push(fd);
    } catch (e) {
      if (!isErrno(e, 'EBADF')) throw e;
    }
  }
  return open;
}

/**
 * Set the stage and call watchdog from the test's main process at START. The target is the child
 * of another program, "launcher", which reaps it and, with `reuse`, starts a stranger that takes
 * over its pid number: every other pid is in use by then.
 */
async function play(sim: Sim, stage: Stage): Promise<Outcome> {
  registerPrograms(sim);
  const o: Outcome = { caller: 0, target: 0, fdsBefore: [], fdsAfter: [], targetHits: [], strangerHits: [] };
  // "launcher" starts the target, reaps it and (with `reuse`) starts the stranger.
  sim.register('launcher', async (parent) => {
    o.target = await parent.spawn('target', ['target', stage.endsAt === undefined ? 'never' : String(stage.endsAt)]);
    for (;;) {
      try {
        await parent.spawn('filler');
      } catch (e) {
        if (isErrno(e, 'EAGAIN')) break; // every pid is taken
        throw e;
      }
    }
    if (stage.endsAt !== undefined && stage.reapAfter) await parent.sleep(stage.endsAt + stage.reapAfter - (await parent.now()));
    await parent.waitpid(o.target);
    if (stage.reuse) o.stranger = await parent.spawn('stranger');
    for (;;) await parent.pause().catch(() => 0);
  });
  try {
    await sim.run(async (k) => {
      o.caller = await k.getpid();
      await k.spawn('launcher');
      await k.sleep(START);
      if (stage.probeFds) o.fdsBefore = await openFds(k);
      try {
        o.result = await watchdog(k, o.target, stage.timeoutMs);
      } catch (e) {
        o.error = e;
      }
      o.returnedAt = await k.now();
      if (stage.probeFds) o.fdsAfter = await openFds(k);
    });
  } catch (e) {
    if (!(e instanceof SimulationError)) throw e;
    o.stuck = e.message;
  }
  const events = sim.trace.filter((r): r is EventRecord => r.kind === 'event' && r.pid === o.target);
  const exit = events.find((e) => e.event === 'exit');
  const reap = events.find((e) => e.event === 'reap');
  o.endedAt = exit?.timeMs;
  o.endStatus = exit?.detail.status as number | undefined;
  o.targetHits = events.filter((e) => e.event === 'signal' && (!exit || e.seq < exit.seq));
  o.reapedAt = reap?.timeMs;
  if (reap) {
    const later = events.filter((e) => e.seq > reap.seq);
    o.strangerSince = later.find((e) => e.event === 'spawn')?.timeMs;
    o.strangerHits = later.filter((e) => e.event === 'signal');
  }
  return o;
}

function signals(o: Outcome, hits: EventRecord[]): string {
  return hits
    .map((h) => {
      const from = h.detail.from as number;
      return `${signalName(h.detail.sig as number)} at ${h.timeMs} ms from pid ${from}${from === o.caller ? ' (the caller of watchdog)' : ''}`;
    })
    .join(', ');
}

/** watchdog came back, without throwing; `why` says why an exception is wrong here. */
function expectReturned(o: Outcome, call: string, why: string): void {
  expect(o.stuck, `${call} never returned, and the simulation stopped:\n${o.stuck}`).toBeUndefined();
  expect(o.error === undefined ? 'returned' : `threw ${o.error instanceof Error ? o.error.message : String(o.error)}`, `${call} ${why}`).toBe(
    'returned',
  );
}

/** watchdog did not give up on a process that was still running. */
function expectWaited(o: Outcome, endsAt: number): void {
  expect(
    o.returnedAt,
    `watchdog returned ${String(o.result)} at ${o.returnedAt} ms, while pid ${o.target} was still running (it exits at ${endsAt} ms). ` +
      `It has to wait until the process ends or the time is up.`,
  ).toBeGreaterThanOrEqual(endsAt);
}

function expectNoStrangerHit(o: Outcome, seed: number, context: string): void {
  if (o.stranger !== undefined) {
    expect(
      o.stranger,
      `Test setup: "stranger" should have got pid ${o.target}, the only free number, but got ${o.stranger}. ` +
        `Does watchdog start processes or threads? It needs none.`,
    ).toBe(o.target);
  }
  expect(
    signals(o, o.strangerHits),
    `${context} From ${o.strangerSince} ms on, the number ${o.target} belonged to "stranger", an unrelated process ` +
      `that some other program had just started — and with seed ${seed} it received: ${signals(o, o.strangerHits)}.\n` +
      `A pid number names whoever has it now; a pidfd names the process it was opened for, for good.`,
  ).toBe('');
}

describe('watchdog', () => {
  it('kills a process that is still running when the time is up, and returns true', async () => {
    await explore({ seeds: 10, limits: LIMITS, label: 'watchdog: time is up' }, async (sim) => {
      const o = await play(sim, { timeoutMs: 100 });
      const deadline = START + 100;
      expectReturned(o, `watchdog(k, ${o.target}, 100)`, `should return true once it has killed the process (pid ${o.target} never ends by itself)`);
      expect(
        o.endStatus === undefined ? 'still running' : formatStatus(o.endStatus),
        `pid ${o.target} never ends by itself: at ${deadline} ms, 100 ms after the call, watchdog should have killed it with SIGKILL ` +
          `(it returned ${String(o.result)} at ${o.returnedAt} ms)`,
      ).toBe('killed by SIGKILL');
      expect(o.endedAt, `pid ${o.target} was killed at ${o.endedAt} ms, before its 100 ms were up (at ${deadline} ms)`).toBeGreaterThanOrEqual(deadline);
      expect(o.result, `watchdog killed pid ${o.target} when its time was up, so it should return true`).toBe(true);
      expect(
        o.returnedAt,
        `The time was up at ${deadline} ms and watchdog killed pid ${o.target} at ${o.endedAt} ms, but it returned only at ${o.returnedAt} ms`,
      ).toBeLessThanOrEqual(deadline + SOON);
    });
  });

  it('returns false as soon as the process ends by itself, without waiting out the timeout', async () => {
    await explore({ seeds: 10, limits: LIMITS, label: 'watchdog: ends early' }, async (sim) => {
      const endsAt = START + 30;
      const reapedAt = endsAt + 20;
      const o = await play(sim, { timeoutMs: 1000, endsAt, reapAfter: reapedAt - endsAt });
      const story = `pid ${o.target} exited by itself at ${endsAt} ms (code 0) and stayed a zombie until its parent reaped it at ${reapedAt} ms.`;
      expectReturned(o, `watchdog(k, ${o.target}, 1000)`, `should return false. ${story}`);
      expectWaited(o, endsAt);
      expect(
        o.targetHits.length ? `killed: ${signals(o, o.targetHits)}` : o.endStatus === undefined ? 'still running' : formatStatus(o.endStatus),
        `pid ${o.target} was meant to exit by itself at ${endsAt} ms, long before its 1000 ms were up`,
      ).toBe('exited 0');
      expect(
        o.result,
        `${story} It was not killed, so watchdog should return false` +
          (o.result === true ? ': a zombie accepts signals and ignores them, so a signal that "succeeds" proves nothing.' : '.'),
      ).toBe(false);
      expect(
        o.returnedAt,
        `${story} watchdog returned only at ${o.returnedAt} ms. A pidfd becomes readable the moment its process terminates, ` +
          `zombie or not: no need to wait for the reaping, let alone for the whole 1000 ms.`,
      ).toBeLessThanOrEqual(endsAt + SOON);
    });
  });

  it('returns false at once when the process is already gone, reaped or zombie', async () => {
    await explore({ seeds: 5, limits: LIMITS, label: 'watchdog: already reaped' }, async (sim) => {
      const o = await play(sim, { timeoutMs: 100, endsAt: 0 });
      expectReturned(
        o,
        `watchdog(k, ${o.target}, 100)`,
        `was called when pid ${o.target} had already exited and been reaped (at ${o.reapedAt} ms). ` +
          `pidfd_open's ESRCH says just that — the process is gone, there is nothing to kill — so return false`,
      );
      expect(o.result, `pid ${o.target} exited by itself and was reaped before the call: return false`).toBe(false);
      expect(o.returnedAt, `pid ${o.target} was gone when watchdog was called at ${START} ms; it returned only at ${o.returnedAt} ms`).toBeLessThanOrEqual(
        START + SOON,
      );
    });
    await explore({ seeds: 5, limits: LIMITS, label: 'watchdog: zombie' }, async (sim) => {
      const o = await play(sim, { timeoutMs: 100, endsAt: 0, reapAfter: 500 });
      const state = `pid ${o.target} exited at 0 ms; at the call (${START} ms) it was a zombie, which its parent reaps only at 500 ms.`;
      expectReturned(o, `watchdog(k, ${o.target}, 100)`, `should return false. ${state}`);
      expect(o.result, `${state} It has ended by itself: return false`).toBe(false);
      expect(o.returnedAt, `${state} A pidfd for it is readable at once, but watchdog returned only at ${o.returnedAt} ms`).toBeLessThanOrEqual(START + SOON);
    });
  });

  it('never signals the process that gets the number after the original has ended', async () => {
    await explore({ seeds: 20, limits: LIMITS, label: 'watchdog: pid reused' }, async (sim, seed) => {
      const endsAt = START + 25;
      const o = await play(sim, { timeoutMs: 100, endsAt, reuse: true });
      expectReturned(o, `watchdog(k, ${o.target}, 100)`, `should return false: pid ${o.target} ended by itself at ${endsAt} ms`);
      expectWaited(o, endsAt);
      expectNoStrangerHit(o, seed, `pid ${o.target} ("target") exited by itself at ${endsAt} ms and its parent reaped it at once.`);
      expect(o.result, `pid ${o.target} ended by itself at ${endsAt} ms, 75 ms before its time was up: return false`).toBe(false);
      expect(o.returnedAt, `pid ${o.target} ended at ${endsAt} ms, but watchdog returned only at ${o.returnedAt} ms`).toBeLessThanOrEqual(endsAt + SOON);
    });
  });

  it('never signals a stranger, even when the process ends just as the time runs out', async () => {
    // The race is narrow (the number must change hands between the end of the wait and the
    // signal), so this sweeps many seeds.
    await explore({ seeds: 150, limits: LIMITS, label: 'watchdog: ends at the deadline' }, async (sim, seed) => {
      const deadline = START + 100;
      const o = await play(sim, { timeoutMs: 100, endsAt: deadline, reuse: true });
      const race =
        `With seed ${seed}, pid ${o.target} ("target") was due to exit by itself at ${deadline} ms, exactly when its 100 ms ` +
        `were up; as soon as it ended, its parent reaped it and started "stranger", which got the number ${o.target}.`;
      expectReturned(
        o,
        `watchdog(k, ${o.target}, 100)`,
        `should return normally. ${race} If that happened before your signal, ESRCH from pidfd_send_signal says just ` +
          `that: the process is gone, there is nothing to kill — return false`,
      );
      expectNoStrangerHit(o, seed, race);
      expect(typeof o.result, `watchdog should return a boolean, not ${String(o.result)}`).toBe('boolean');
      const killed = o.endStatus !== undefined && WIFSIGNALED(o.endStatus) && WTERMSIG(o.endStatus) === SIGKILL;
      if (killed) {
        expect(o.result, `${race} This time watchdog killed it first (${signals(o, o.targetHits)}), so it should return true`).toBe(true);
      }
    });
  });

  it('closes every descriptor it opens, whichever way it ends', async () => {
    // [path, stage, seeds]: ending at the deadline takes several seeds to reach every path there.
    const paths: [string, Stage, number][] = [
      ['it killed the process when the time was up', { timeoutMs: 50 }, 3],
      ['the process ended by itself first', { timeoutMs: 100, endsAt: START + 20 }, 3],
      ['the process was already gone', { timeoutMs: 100, endsAt: 0 }, 3],
      ['the process was a zombie at the call', { timeoutMs: 100, endsAt: 0, reapAfter: 500 }, 3],
      ['the process ended just as the time ran out', { timeoutMs: 50, endsAt: START + 50, reuse: true }, 20],
    ];
    for (const [path, stage, seeds] of paths) {
      await explore({ seeds, limits: LIMITS, label: `watchdog: descriptors (${path})` }, async (sim) => {
        const o = await play(sim, { ...stage, probeFds: true });
        expectReturned(o, `watchdog(k, ${o.target}, ${stage.timeoutMs})`, `should return normally (${path})`);
        const leaked = o.fdsAfter.filter((fd) => !o.fdsBefore.includes(fd));
        expect(
          leaked,
          `Before the call the caller had descriptors ${o.fdsBefore.join(', ')} open; after watchdog returned (${path}) it had ` +
            `${o.fdsAfter.join(', ')}. Descriptor ${leaked.join(', ')} was left open: a watchdog that runs once a minute would run ` +
            `out of descriptors (EMFILE) within a day.`,
        ).toEqual([]);
      });
    }
  });
});
