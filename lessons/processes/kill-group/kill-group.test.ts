import { describe, expect, it } from 'vitest';
import { SIGKILL, SIGTERM, WEXITSTATUS, WIFEXITED, WIFSIGNALED, WTERMSIG, isErrno, type Sim, type Sys } from 'simos';
import { describeProcesses, explore } from 'simos/testing';
import { killGroup, spawnInGroup } from './solution';

interface Seen {
  pid: number;
  pgid: number;
}

/**
 * Test programs. "server" cleans up for 5 ms when asked to stop; "stubborn" ignores SIGTERM.
 * Each forks a worker that stays in its group, so killing only the leader is not enough.
 */
function registerPrograms(sim: Sim, seen: Seen[]): void {
  sim.register('server', async (k) => {
    seen.push({ pid: await k.getpid(), pgid: await k.getpgid(0) });
    await k.sigaction(SIGTERM, async (_sig, self) => {
      await self.sleep(5); // flush logs, remove the pid file...
      await self.exit(0);
    });
    await k.fork(async (w) => {
      await w.sigaction(SIGTERM, 'default'); // the worker just dies on SIGTERM
      for (;;) await w.pause().catch(() => 0);
    });
    for (;;) await k.pause().catch(() => 0);
  });
  sim.register('stubborn', async (k) => {
    seen.push({ pid: await k.getpid(), pgid: await k.getpgid(0) });
    await k.sigaction(SIGTERM, 'ignore');
    await k.fork(async (w) => {
      for (;;) await w.pause().catch(() => 0);
    });
    for (;;) await k.pause().catch(() => 0);
  });
}

/** The test's own way to start a group, so killGroup is tested even if spawnInGroup is not done. */
async function startGroup(k: Sys, program: string): Promise<number> {
  const pid = await k.fork(async (c) => {
    await c.setpgid(0, 0);
    await c.execve(program, [program]);
  });
  await k.setpgid(pid, pid).catch((e) => {
    if (!isErrno(e, 'EACCES')) throw e;
  });
  await k.sleep(1); // let the program start and fork its worker
  return pid;
}

function leftInGroup(sim: Sim, pgid: number) {
  return sim.processes().filter((p) => p.pgid === pgid);
}

describe('spawnInGroup', () => {
  it('starts the program in a new group whose id is its pid, before its first instruction', async () => {
    await explore({ seeds: 40, label: 'spawnInGroup' }, async (sim, seed) => {
      const seen: Seen[] = [];
      registerPrograms(sim, seen);
      let pid = 0;
      await sim.run(async (k) => {
        pid = await spawnInGroup(k, 'server', ['server']);
        const pgid = await k.getpgid(pid);
        expect(
          pgid,
          `Right after spawnInGroup returned, child ${pid} was still in group ${pgid}. With seed ${seed} the scheduler ran ` +
            `the parent first: the child had not yet moved itself. If only the child calls setpgid, the parent cannot rely on the group existing.`,
        ).toBe(pid);
        await k.sleep(2);
        await k.kill(-pid, SIGKILL);
        while (await k.waitpid(-1).then(() => true, () => false));
      });
      expect(seen[0], 'the program never started').toBeDefined();
      expect(
        seen[0]!.pgid,
        `The program's first instruction ran in group ${seen[0]!.pgid}, not in its own group ${seen[0]!.pid}: with seed ${seed} the child ` +
          `called execve before the parent's setpgid ran. The child must move itself too.`,
      ).toBe(seen[0]!.pid);
    });
  });
});

describe('killGroup', () => {
  it('stops a cooperating group with SIGTERM and lets it clean up', async () => {
    await explore({ seeds: 15, label: 'killGroup: SIGTERM' }, async (sim) => {
      registerPrograms(sim, []);
      let leader = 0;
      let tookMs = 0;
      const { value } = await sim.run(async (k) => {
        leader = await startGroup(k, 'server');
        const t0 = await k.now();
        const r = await killGroup(k, leader, 1000);
        tookMs = (await k.now()) - t0;
        return r;
      });
      const left = leftInGroup(sim, leader);
      expect(left, `After killGroup returned, these processes of group ${leader} were still there (alive or zombie):\n${describeProcesses(left)}`).toEqual([]);
      const mine = (value ?? []).find((r) => r.pid === leader);
      expect(mine, `killGroup should return the status of the leader ${leader} it reaped`).toBeDefined();
      expect(
        WIFEXITED(mine!.status) && WEXITSTATUS(mine!.status),
        `The server handles SIGTERM by cleaning up for 5 ms and exiting 0, but it was ${WIFSIGNALED(mine!.status) ? `killed by signal ${WTERMSIG(mine!.status)}` : 'stopped differently'}: ` +
          `send SIGTERM first and give it the grace period before SIGKILL.`,
      ).toBe(0);
      expect(tookMs, 'The whole group was gone after about 5 ms; killGroup should not sit out the rest of a 1000 ms grace period').toBeLessThan(100);
    });
  });

  it('escalates to SIGKILL when the grace period runs out', async () => {
    await explore({ seeds: 15, label: 'killGroup: SIGKILL' }, async (sim) => {
      registerPrograms(sim, []);
      let leader = 0;
      let tookMs = 0;
      const { value } = await sim.run(async (k) => {
        leader = await startGroup(k, 'stubborn');
        const t0 = await k.now();
        const r = await killGroup(k, leader, 200);
        tookMs = (await k.now()) - t0;
        return r;
      });
      const left = leftInGroup(sim, leader);
      expect(left, `"stubborn" ignores SIGTERM. After killGroup returned, these were still in group ${leader}:\n${describeProcesses(left)}`).toEqual([]);
      expect(tookMs, 'killGroup should wait the grace period (200 ms) before SIGKILL').toBeGreaterThanOrEqual(200);
      expect(tookMs, 'killGroup should send SIGKILL soon after the 200 ms grace period').toBeLessThan(260);
      const mine = (value ?? []).find((r) => r.pid === leader);
      expect(mine && WIFSIGNALED(mine.status) && WTERMSIG(mine.status), 'the leader should have been killed by SIGKILL and reaped').toBe(SIGKILL);
    });
  });

  it('returns an empty list when the group no longer exists', async () => {
    await explore({ seeds: 3, label: 'killGroup: empty group' }, async (sim) => {
      const { value } = await sim.run(async (k) => {
        const pid = await k.fork(async (c) => {
          await c.setpgid(0, 0);
        });
        await k.waitpid(pid);
        return killGroup(k, pid, 100);
      });
      expect(value, 'kill(-pgid) fails with ESRCH when nobody is left in the group: that means there is nothing to do').toEqual([]);
    });
  });
});
