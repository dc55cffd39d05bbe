import { describe, expect, it } from 'vitest';
import { F_GETFD, O_WRONLY, SimulationError, isErrno, type ProcessInfo, type Sim, type Sys } from 'simos';
import { describeProcesses, explore } from 'simos/testing';
import { killCgroup } from './solution';

const CG = '/sys/fs/cgroup';
/** The cgroup the tests hand to killCgroup, nested so that it has a parent and a sibling. */
const JOB = `${CG}/ci/job`;
/** Few descriptors, so that looking through the descriptor table is cheap. */
const LIMITS = { maxFds: 16 };

/** The test's own `echo text > path`. */
async function echo(k: Sys, path: string, text: string): Promise<void> {
  const fd = await k.open(path, O_WRONLY);
  try {
    await k.write(fd, text);
  } finally {
    await k.close(fd);
  }
}

/**
 * "bomb" forks copies of itself every millisecond, forever (pids.max turns the excess forks into
 * EAGAIN, and it keeps trying). "sleeper" just sits there. Neither ever exits by itself.
 */
function registerPrograms(sim: Sim): void {
  const bomb = async (k: Sys): Promise<void> => {
    for (;;) {
      try {
        await k.fork(bomb);
      } catch (e) {
        if (!isErrno(e, 'EAGAIN')) throw e;
      }
      await k.sleep(1);
    }
  };
  sim.register('bomb', bomb);
  sim.register('sleeper', async (k) => {
    for (;;) await k.pause().catch(() => 0);
  });
}

/** Start `program` in the cgroup whose directory is `dir`: the child moves itself there first. */
async function startIn(k: Sys, dir: string, program: string): Promise<number> {
  return k.fork(async (c) => {
    await echo(c, `${dir}/cgroup.procs`, '0');
    await c.execve(program, [program]);
  });
}

interface Stage {
  /** cgroups to create under /sys/fs/cgroup/ci/job, e.g. ['a', 'a/b']. */
  subgroups?: string[];
  /** What to start where: [directory relative to the job ('' is the job itself), program]. */
  start?: [string, string][];
  /** pids.max for the job (the whole subtree). */
  pidsMax?: number;
  /** Processes the job holds that have exited but that nobody has reaped. */
  zombies?: number;
  /** Virtual ms to let things run before killCgroup is called. */
  warmupMs?: number;
  /** Note which descriptors the caller has open before and after the call. */
  probeFds?: boolean;
}

interface Outcome {
  /** The test process (the caller of killCgroup), and the bystanders outside the job. */
  caller: number;
  bystanders: ProcessInfo[];
  calledAt?: number;
  returnedAt?: number;
  error?: unknown;
  /** Why the run never finished (simos's deadlock or livelock report), if it did not. */
  stuck?: string;
  /** Live processes of the job, taken the instant killCgroup returned (or when the run stopped). */
  survivors: ProcessInfo[];
  /** How many live processes the job had when killCgroup was called. */
  before: number;
  bystandersAfter: ProcessInfo[];
  fdsBefore: number[];
  fdsAfter: number[];
}

/** The caller's open descriptors, found by asking fcntl about each possible one. */
async function openFds(k: Sys): Promise<number[]> {
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
 * Build /sys/fs/cgroup/ci/{job,other}, start a bystander in ci and one in ci/other, start the
 * stage's processes in the job, then call killCgroup(k, JOB) from the test process (which stays
 * in the root cgroup).
 */
async function play(sim: Sim, stage: Stage): Promise<Outcome> {
  registerPrograms(sim);
  const o: Outcome = { caller: 0, bystanders: [], survivors: [], before: 0, bystandersAfter: [], fdsBefore: [], fdsAfter: [] };
  const outside = new Set<number>();
  const inJob = () => sim.alive().filter((p) => !outside.has(p.pid));
  try {
    await sim.run(async (k) => {
      o.caller = await k.getpid();
      outside.add(o.caller);
      for (const dir of ['ci', 'ci/job', 'ci/other', ...(stage.subgroups ?? []).map((s) => `ci/job/${s}`)]) await k.mkdir(`${CG}/${dir}`);
      if (stage.pidsMax !== undefined) await echo(k, `${JOB}/pids.max`, String(stage.pidsMax));
      for (const dir of [`${CG}/ci`, `${CG}/ci/other`]) outside.add(await startIn(k, dir, 'sleeper'));
      for (const [dir, program] of stage.start ?? []) await startIn(k, dir ? `${JOB}/${dir}` : JOB, program);
      const doomed: number[] = [];
      for (let i = 0; i < (stage.zombies ?? 0); i++) doomed.push(await startIn(k, JOB, 'sleeper'));
      if (doomed.length > 0) {
        await k.sleep(1); // they are in the job now
        for (const pid of doomed) await k.kill(pid, 9); // and die; the test process never reaps them
      }
      await k.sleep(stage.warmupMs ?? 2);
      o.bystanders = sim.alive().filter((p) => outside.has(p.pid) && p.pid !== o.caller);
      if (stage.probeFds) o.fdsBefore = await openFds(k);
      o.before = inJob().length;
      o.calledAt = await k.now();
      try {
        await killCgroup(k, JOB);
      } catch (e) {
        o.error = e;
      }
      o.survivors = inJob(); // synchronously: nothing has run since killCgroup returned
      o.returnedAt = await k.now();
      if (stage.probeFds) o.fdsAfter = await openFds(k);
      o.bystandersAfter = sim.alive().filter((p) => outside.has(p.pid) && p.pid !== o.caller);
    });
  } catch (e) {
    if (!(e instanceof SimulationError)) throw e;
    o.stuck = e.message;
    o.survivors = inJob();
  }
  return o;
}

/** At most `max` lines of describeProcesses, and how many more there were. */
function listProcesses(procs: ProcessInfo[], max = 8): string {
  const more = procs.length > max ? `\n  ... and ${procs.length - max} more` : '';
  return describeProcesses(procs.slice(0, max)) + more;
}

/** killCgroup came back normally; `what` says what it was asked to do. */
function expectReturned(o: Outcome, what: string): void {
  const left =
    o.survivors.length > 0
      ? `Live processes left in the job then:\n${listProcesses(o.survivors)}`
      : 'Nothing was alive in the job any more: killCgroup was waiting for "populated" to change after it had ' +
        'already become 0. Look at the current state after you start watching for changes, and before you wait.';
  expect(o.stuck, `killCgroup("${JOB}") ${what}, but it never returned, and the simulation stopped:\n${o.stuck}\n${left}`).toBeUndefined();
  const threw = o.error instanceof Error ? o.error.message : String(o.error);
  expect(o.error === undefined, `killCgroup("${JOB}") ${what}, and should have returned normally, but it threw:\n  ${threw}`).toBe(true);
}

function expectNoSurvivors(o: Outcome, seed: number, why: string): void {
  expect(
    o.survivors,
    `With seed ${seed}, at the moment killCgroup returned (${o.returnedAt} ms), these processes of the job ` +
      `(${o.before} when it was called) were still alive:\n${listProcesses(o.survivors)}\n` +
      `so cgroup.events still said "populated 1". ${why}`,
  ).toEqual([]);
}

function expectBystandersAlive(o: Outcome): void {
  const gone = o.bystanders.filter((b) => !o.bystandersAfter.some((p) => p.pid === b.pid));
  expect(
    gone,
    `These processes were outside the job (one in ${CG}/ci, its parent cgroup, one in ${CG}/ci/other, its sibling) ` +
      `and were killed too:\n${describeProcesses(gone)}\nOnly the job's own subtree may be touched.`,
  ).toEqual([]);
}

describe('killCgroup', () => {
  it('kills a fork bomb completely, however its forks interleave with the kill', async () => {
    await explore({ seeds: 60, label: 'killCgroup: fork bomb' }, async (sim, seed) => {
      const o = await play(sim, { start: [['', 'bomb']], pidsMax: 24, warmupMs: 3 });
      expect(o.before, 'test setup: the bomb should have grown before killCgroup was called').toBeGreaterThan(3);
      expectReturned(o, `was asked to kill a fork bomb of ${o.before} processes`);
      expectNoSurvivors(
        o,
        seed,
        'The bomb keeps forking while you work: a child forked after you listed cgroup.procs is not on your list, and ' +
          'killing its parent does not kill it. The kernel can kill a whole cgroup in one operation that no fork ' +
          'escapes (and whose victims die when they next run: wait for "populated 0").',
      );
      expectBystandersAlive(o);
    });
  });

  it('reaches processes in child cgroups, at any depth', async () => {
    await explore({ seeds: 30, label: 'killCgroup: nested cgroups' }, async (sim, seed) => {
      const o = await play(sim, {
        subgroups: ['a', 'a/b', 'c'],
        start: [
          ['', 'sleeper'],
          ['a', 'sleeper'],
          ['a/b', 'sleeper'],
          ['a/b', 'sleeper'],
          ['c', 'sleeper'],
        ],
      });
      expectReturned(o, 'was asked to kill a job whose processes sit in job, job/a, job/a/b and job/c');
      expectNoSurvivors(
        o,
        seed,
        `The job's processes were spread over ${JOB}, ${JOB}/a, ${JOB}/a/b and ${JOB}/c. A cgroup's cgroup.procs lists ` +
          'only its own processes, not those of its child cgroups; "populated" covers the whole subtree.',
      );
      expectBystandersAlive(o);
    });
  });

  it('returns only once every victim has died (cgroup.kill is asynchronous)', async () => {
    await explore({ seeds: 30, label: 'killCgroup: wait for populated 0' }, async (sim, seed) => {
      const o = await play(sim, { subgroups: ['a'], start: [...Array<[string, string]>(6).fill(['', 'sleeper']), ['a', 'sleeper'], ['a', 'sleeper']] });
      expectReturned(o, 'was asked to kill 8 sleeping processes');
      expectNoSurvivors(
        o,
        seed,
        'Writing "1" to cgroup.kill only sends SIGKILL; each victim dies when it is next scheduled, which may be after ' +
          'your write has returned. Wait until cgroup.events says "populated 0".',
      );
    });
  });

  it('returns at once for a cgroup with nothing alive in it (empty, or zombies only)', async () => {
    for (const [label, stage] of [
      ['empty', { subgroups: ['a'] }],
      ['only zombies', { zombies: 2 }],
    ] as [string, Stage][]) {
      await explore({ seeds: 5, label: `killCgroup: ${label}` }, async (sim) => {
        const o = await play(sim, stage);
        expectReturned(
          o,
          `was asked to kill a job with no live process in it (${label}: cgroup.events already said "populated 0", and nothing will ever change it)`,
        );
        expect(o.returnedAt, 'Nothing was alive in the job, so killCgroup had nothing to wait for').toBe(o.calledAt);
      });
    }
  });

  it('closes every descriptor it opens', async () => {
    await explore({ seeds: 5, limits: LIMITS, label: 'killCgroup: descriptors' }, async (sim) => {
      const o = await play(sim, { start: [['', 'sleeper'], ['', 'sleeper']], probeFds: true });
      expectReturned(o, 'was asked to kill two sleeping processes');
      const leaked = o.fdsAfter.filter((fd) => !o.fdsBefore.includes(fd));
      expect(
        leaked,
        `Before the call the caller had descriptors [${o.fdsBefore.join(', ')}] open; afterwards [${o.fdsAfter.join(', ')}]. ` +
          `Descriptor ${leaked.join(', ')} was left open: a supervisor that stops a job every minute runs out of descriptors (EMFILE).`,
      ).toEqual([]);
    });
  });
});
