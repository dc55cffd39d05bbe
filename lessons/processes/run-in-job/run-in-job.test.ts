import { describe, expect, it } from 'vitest';
import {
  CREATE_BREAKAWAY_FROM_JOB,
  HANDLE_FLAG_INHERIT,
  JobObjectBasicAccountingInformation,
  SIGKILL,
  SimulationError,
  isWin32Error,
  type HANDLE,
  type ProcessInfo,
  type Sim,
  type Sys,
} from 'simos';
import { describeProcesses, explore } from 'simos/testing';
import { runInJob } from './solution';

/** Handle values a process can have been given in these tests (Windows hands out multiples of 4). */
const HANDLE_PROBE = Array.from({ length: 64 }, (_, i) => 4 * (i + 1));
/** How long after the last process of the job exits runInJob may take to notice, when messages are lost. */
const GRACE_MS = 1000;

/** What the test programs did, as they tell it. */
interface World {
  /** The caller's inheritable log port: programs post a packet to it when they start. */
  log: HANDLE;
  /** Programs that started and could post to the inherited log port. */
  reported: string[];
  /** Programs that could not use the log port handle, and why. */
  noLog: string[];
  /** Programs that ran to their end by themselves. */
  finished: string[];
  /** pid of each program started by another test program, by name. */
  started: Record<string, number>;
  /** How CreateProcess with CREATE_BREAKAWAY_FROM_JOB went for "detacher". */
  breakaway?: 'left the job' | 'refused';
}

const forever = async (k: Sys): Promise<never> => {
  for (;;) await k.sleep(100_000);
};

/**
 * "build" starts "compiler" (30 ms) and "indexer" (60 ms), waits for the compiler only, and exits
 * with code 3 at 30 ms. "eager" starts "helper" (20 ms) on its very first instruction and exits.
 * "detacher" starts "daemon" (40 ms), asking for CREATE_BREAKAWAY_FROM_JOB and, when refused,
 * without it. "tree" starts "branch", which starts "leaf"; all three run forever. Every program
 * creates its children with bInheritHandles TRUE, as a shell does for standard handles.
 */
function registerPrograms(sim: Sim, w: World): void {
  const report = async (k: Sys, name: string) => {
    try {
      await k.PostQueuedCompletionStatus(w.log, 1, name, await k.getpid());
      w.reported.push(name);
    } catch (e) {
      w.noLog.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const start = async (k: Sys, name: string, flags = 0) => {
    const pi = await k.CreateProcess(name, [name], true, flags);
    w.started[name] = pi.dwProcessId;
    return pi;
  };
  sim.register('build', async (k) => {
    await report(k, 'build');
    const compiler = await start(k, 'compiler');
    await start(k, 'indexer');
    await k.WaitForSingleObject(compiler.hProcess);
    w.finished.push('build');
    return 3;
  });
  sim.register('compiler', async (k) => {
    await report(k, 'compiler');
    await k.sleep(30);
    w.finished.push('compiler');
  });
  sim.register('indexer', async (k) => {
    await report(k, 'indexer');
    await k.sleep(60);
    w.finished.push('indexer');
  });
  sim.register('eager', async (k) => {
    await start(k, 'helper'); // the very first instruction
  });
  sim.register('helper', async (k) => {
    await k.sleep(20);
    w.finished.push('helper');
  });
  sim.register('detacher', async (k) => {
    try {
      await start(k, 'daemon', CREATE_BREAKAWAY_FROM_JOB);
      w.breakaway = 'left the job';
    } catch (e) {
      if (!isWin32Error(e, 'ERROR_ACCESS_DENIED')) throw e;
      w.breakaway = 'refused';
      await start(k, 'daemon');
    }
  });
  sim.register('daemon', async (k) => {
    await k.sleep(40);
    w.finished.push('daemon');
  });
  sim.register('tree', async (k) => {
    await start(k, 'branch');
    await forever(k);
  });
  sim.register('branch', async (k) => {
    await start(k, 'leaf');
    await forever(k);
  });
  sim.register('leaf', forever);
}

/** An inheritable completion port for the programs to report to, standing in for redirected stdout. */
async function openLog(k: Sys): Promise<HANDLE> {
  const h = await k.CreateIoCompletionPort();
  await k.SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
  return h;
}

/** The handles open in the calling process, found by asking about each possible value. */
async function openHandles(k: Sys): Promise<HANDLE[]> {
  const open: HANDLE[] = [];
  for (const h of HANDLE_PROBE) {
    try {
      await k.GetHandleInformation(h);
      open.push(h);
    } catch (e) {
      if (!isWin32Error(e, 'ERROR_INVALID_HANDLE')) throw e;
    }
  }
  return open;
}

/** What kind of object handle `h` refers to, by which calls accept it. */
async function kindOf(k: Sys, h: HANDLE): Promise<string> {
  if (await k.QueryInformationJobObject(h, JobObjectBasicAccountingInformation).then(() => true, () => false)) return 'a job object';
  if (await k.GetProcessId(h).then(() => true, () => false)) return 'a process';
  const port = await k.GetQueuedCompletionStatus(h, 0).then(() => true, (e: unknown) => isWin32Error(e, 'WAIT_TIMEOUT'));
  return port ? 'a completion port' : 'a thread';
}

interface Outcome {
  caller: number;
  result?: number;
  error?: unknown;
  calledAt?: number;
  returnedAt?: number;
  stuck?: string;
  /** Live processes other than the test's own, the instant runInJob returned (or the run stopped). */
  others: ProcessInfo[];
  /** Handles opened by runInJob and still open after it returned, with their kind. */
  leaked: string[];
  /** Zombies left in the process table after runInJob returned. */
  left: ProcessInfo[];
}

/** Call runInJob(k, cmd) from the test process, with an inheritable log port open. */
async function play(sim: Sim, w: World, cmd: string, opts: { probeHandles?: boolean } = {}): Promise<Outcome> {
  registerPrograms(sim, w);
  const o: Outcome = { caller: 0, others: [], leaked: [], left: [] };
  const others = () => sim.alive().filter((p) => p.pid !== o.caller);
  try {
    await sim.run(async (k) => {
      o.caller = await k.getpid();
      w.log = await openLog(k);
      const before = opts.probeHandles ? await openHandles(k) : [];
      o.calledAt = await k.now();
      try {
        o.result = await runInJob(k, cmd);
      } catch (e) {
        o.error = e;
      }
      o.others = others(); // synchronously: nothing has run since runInJob returned
      o.returnedAt = await k.now();
      if (opts.probeHandles) {
        for (const h of (await openHandles(k)).filter((h) => !before.includes(h))) o.leaked.push(`handle ${h} (${await kindOf(k, h)})`);
        o.left = sim.processes().filter((p) => p.pid !== o.caller && p.state === 'zombie');
      }
    });
  } catch (e) {
    if (!(e instanceof SimulationError)) throw e;
    o.stuck = e.message;
    o.others = others();
  }
  return o;
}

function newWorld(): World {
  return { log: 0, reported: [], noLog: [], finished: [], started: {} };
}

function expectReturned(o: Outcome, cmd: string): void {
  expect(
    o.stuck,
    `runInJob(k, "${cmd}") never returned, and the simulation stopped:\n${o.stuck}\n` + `Processes still running then:\n${describeProcesses(o.others)}`,
  ).toBeUndefined();
  const threw = o.error instanceof Error ? o.error.message : String(o.error);
  expect(o.error === undefined, `runInJob(k, "${cmd}") should return the program's exit code, but it threw:\n  ${threw}`).toBe(true);
}

/** The programs could use the caller's inheritable log port, so handles were inherited. */
function expectInherited(w: World): void {
  expect(
    w.noLog,
    `The programs could not post to handle ${w.log}, the caller's inheritable log port: CreateProcess must pass ` +
      `bInheritHandles TRUE so that the program inherits the caller's inheritable handles (on Windows this is how ` +
      `redirected standard handles reach a child).`,
  ).toEqual([]);
}

/**
 * Every process of the job did its work and exited by itself: none was still running when
 * runInJob returned, and none was cut short by the job closing (KILL_ON_JOB_CLOSE) as it returned.
 */
function expectAllFinished(o: Outcome, w: World, seed: number, programs: Record<string, string>, story: string): void {
  expect(
    o.others,
    `With seed ${seed}, runInJob returned at ${o.returnedAt} ms while these processes were still running:\n` +
      `${describeProcesses(o.others)}\n${story}`,
  ).toEqual([]);
  const cut = Object.keys(programs)
    .filter((name) => !w.finished.includes(name))
    .map((name) => `"${name}"${w.started[name] ? ` (pid ${w.started[name]})` : ''}, which ${programs[name]}`);
  expect(
    cut.length,
    `With seed ${seed}, runInJob returned at ${o.returnedAt} ms, and these processes never finished their work:\n  ` +
      `${cut.join('\n  ')}\nThey were terminated when runInJob closed the job (or never started). ${story}`,
  ).toBe(0);
}

describe('runInJob', () => {
  it("returns the program's exit code once every process it started has exited", async () => {
    await explore({ seeds: 20, label: 'runInJob: build' }, async (sim, seed) => {
      const w = newWorld();
      const o = await play(sim, w, 'build');
      expectReturned(o, 'build');
      expectInherited(w);
      expectAllFinished(
        o,
        w,
        seed,
        { build: 'exits with code 3 at 30 ms', compiler: 'runs until 30 ms', indexer: 'runs until 60 ms' },
        '"build" exits at 30 ms, but the "indexer" it started runs until 60 ms. The program\'s exit is not the end of ' +
          'its work: wait until the job has no process left.',
      );
      expect(o.result, '"build" exits with code 3; runInJob should return what GetExitCodeProcess says for it').toBe(3);
    });
  });

  it('has the program in the job before its first instruction', async () => {
    await explore({ seeds: 60, label: 'runInJob: start on first instruction' }, async (sim, seed) => {
      const w = newWorld();
      const o = await play(sim, w, 'eager');
      expectReturned(o, 'eager');
      expectAllFinished(
        o,
        w,
        seed,
        { helper: 'runs until 20 ms' },
        '"eager" creates "helper" on its very first instruction and exits. A new process joins its creator\'s job ' +
          'only if the creator is in the job at that moment; if "eager" ran before it was assigned, "helper" was born ' +
          'outside the job, and nothing about the job (its process count, its kill) covers it.',
      );
    });
  });

  it('lets no process break away from the job', async () => {
    await explore({ seeds: 10, label: 'runInJob: breakaway' }, async (sim, seed) => {
      const w = newWorld();
      const o = await play(sim, w, 'detacher');
      expectReturned(o, 'detacher');
      expect(
        w.breakaway,
        `With seed ${seed}, "detacher" asked CreateProcess for CREATE_BREAKAWAY_FROM_JOB, and the job let "daemon" ` +
          `(pid ${w.started.daemon}) leave: runInJob then returned at ${o.returnedAt} ms with it outside the job. A job ` +
          'lets children leave only if it sets JOB_OBJECT_LIMIT_BREAKAWAY_OK or SILENT_BREAKAWAY_OK; without them ' +
          'CreateProcess fails with ERROR_ACCESS_DENIED and the program starts the child inside the job.',
      ).toBe('refused');
      expectAllFinished(o, w, seed, { daemon: 'runs until 40 ms' }, '"detacher" exits at once; the "daemon" it starts runs until 40 ms.');
    });
  });

  it('takes the whole tree down when the caller dies while it waits (KILL_ON_JOB_CLOSE)', async () => {
    await explore({ seeds: 20, label: 'runInJob: caller killed' }, async (sim, seed) => {
      const w = newWorld();
      registerPrograms(sim, w);
      let caller = 0;
      let left: ProcessInfo[] = [];
      let returned = false;
      await sim.run(async (k) => {
        const me = await k.getpid();
        caller = await k.fork(async (c) => {
          w.log = await openLog(c);
          await runInJob(c, 'tree');
          returned = true;
        });
        await k.sleep(20);
        await k.kill(caller, SIGKILL); // the user pressed Ctrl+C, or the launcher crashed
        await k.waitpid(caller);
        await k.sleep(1);
        left = sim.alive().filter((p) => p.pid !== me);
      });
      expect(
        w.started.leaf,
        '"tree" starts "branch", which starts "leaf", at once; by 20 ms that had not happened, so the tree was not ' +
          'running when the caller was killed (was it terminated early, or never resumed?)',
      ).toBeDefined();
      expect(returned, '"tree" runs forever: runInJob should still be waiting when its caller is killed at 20 ms').toBe(false);
      expect(
        left,
        `With seed ${seed}, the caller of runInJob (pid ${caller}) was killed at 20 ms, and its exit closed its handles. ` +
          `These processes of the tree it had started were still running afterwards:\n${describeProcesses(left)}\n` +
          'Closing the last handle of a job with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE terminates every process in it. ' +
          'Was the limit set, was every process in the job, and was the caller\'s handle really the last one ' +
          '(an inheritable job handle is copied into every child created with bInheritHandles TRUE)?',
      ).toEqual([]);
    });
  });

  it("finishes even when the job's notifications never arrive", async () => {
    for (const [label, drop, seeds] of [
      ['all messages lost', true, 5],
      ['half the messages lost', 0.5, 15],
    ] as const) {
      await explore({ seeds, label: `runInJob: ${label}`, win32: { dropJobMessages: drop } }, async (sim, seed) => {
        const w = newWorld();
        const o = await play(sim, w, 'build');
        expectReturned(o, 'build');
        expectAllFinished(o, w, seed, { build: 'exits with code 3 at 30 ms', indexer: 'runs until 60 ms' }, `(${label})`);
        expect(o.result, '"build" exits with code 3').toBe(3);
        expect(
          o.returnedAt! - o.calledAt!,
          `The job's last process exited 60 ms after the call; with the notifications lost (${label}), runInJob noticed ` +
            `only at ${o.returnedAt! - o.calledAt!} ms. Messages to a completion port "are not guaranteed": ask the job ` +
            `(ActiveProcesses) when none has come for a while, and not rarely (within ${GRACE_MS} ms).`,
        ).toBeLessThanOrEqual(60 + GRACE_MS);
      });
    }
  });

  it('closes every handle it opens, and leaves no zombie behind', async () => {
    await explore({ seeds: 3, label: 'runInJob: handles' }, async (sim) => {
      const w = newWorld();
      const o = await play(sim, w, 'build', { probeHandles: true });
      expectReturned(o, 'build');
      expect(
        o.leaked,
        `After runInJob returned, the caller still had these handles open that runInJob had opened:\n  ${o.leaked.join('\n  ')}\n` +
          'A launcher that runs a thousand commands would hold a thousand of each. Close what you open (CloseHandle).',
      ).toEqual([]);
      expect(
        o.left,
        `After runInJob returned, these processes had exited but were still in the process table:\n${describeProcesses(o.left)}\n` +
          'A process object outlives the process while any handle to it is open (simos shows it as a zombie): close ' +
          'the process and thread handles CreateProcess gave you.',
      ).toEqual([]);
    });
  });

  it('passes on the error when the program cannot be started, and closes what it opened', async () => {
    await explore({ seeds: 2, label: 'runInJob: no such program' }, async (sim) => {
      const w = newWorld();
      const o = await play(sim, w, 'no-such-program', { probeHandles: true });
      expect(o.stuck, `runInJob(k, "no-such-program") never returned:\n${o.stuck}`).toBeUndefined();
      expect(
        isWin32Error(o.error, 'ERROR_FILE_NOT_FOUND') ? 'ERROR_FILE_NOT_FOUND' : o.error === undefined ? `returned ${o.result}` : String(o.error),
        'There is no program "no-such-program": CreateProcess fails with ERROR_FILE_NOT_FOUND, and runInJob should let that error reach its caller',
      ).toBe('ERROR_FILE_NOT_FOUND');
      expect(o.leaked, `When CreateProcess failed, runInJob left these handles open:\n  ${o.leaked.join('\n  ')}`).toEqual([]);
    });
  });
});
