import { describe, expect, it } from 'vitest';
import {
  Sim, F_GETFD, FD_CLOEXEC, PIDFD_NONBLOCK, POLLHUP, POLLIN, SIGKILL, SIGTERM, SIGUSR1, WTERMSIG, WIFSIGNALED,
} from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };

describe('pidfd_open', () => {
  it('poll reports POLLIN when the process terminates, POLLIN|POLLHUP once it is reaped', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const child = await k.fork(async (c) => {
        await c.sleep(70);
        return 3;
      });
      const fd = await k.pidfdOpen(child);
      expect((await k.poll([{ fd, events: POLLIN }], 0))[0]!.revents).toBe(0);
      const [r] = await k.poll([{ fd, events: POLLIN }], -1);
      expect(r!.revents).toBe(POLLIN);
      expect(await k.now()).toBe(70);
      expect(sim.process(child)?.state).toBe('zombie');
      await k.waitpid(child);
      expect((await k.poll([{ fd, events: POLLIN }], 0))[0]!.revents).toBe(POLLIN | POLLHUP);
    });
  });

  it('a zombie can be opened and is readable at once; the descriptor is close-on-exec', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const child = await k.fork(async () => 0);
      await k.sleep(5);
      const fd = await k.pidfdOpen(child);
      expect((await k.poll([{ fd, events: POLLIN }], -1))[0]!.revents).toBe(POLLIN);
      expect(await k.fcntl(fd, F_GETFD)).toBe(FD_CLOEXEC);
      await expect(k.read(fd, 8)).rejects.toMatchObject({ code: 'EINVAL' });
      expect(await k.pidfdOpen(child, PIDFD_NONBLOCK)).toBeGreaterThan(fd);
    });
  });

  it('a poll on a pidfd and a timeout: whichever comes first', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const child = await k.fork(async (c) => { await c.sleep(500); });
      const fd = await k.pidfdOpen(child);
      expect((await k.poll([{ fd, events: POLLIN }], 200))[0]!.revents).toBe(0);
      expect(await k.now()).toBe(200);
      expect((await k.poll([{ fd, events: POLLIN }], 1000))[0]!.revents).toBe(POLLIN);
      expect(await k.now()).toBe(500);
    });
  });

  it('ESRCH for no such process, EINVAL for bad pids, thread ids and flags', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      await expect(k.pidfdOpen(9999)).rejects.toMatchObject({ code: 'ESRCH' });
      await expect(k.pidfdOpen(0)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.pidfdOpen(-3)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.pidfdOpen(await k.getpid(), 1)).rejects.toMatchObject({ code: 'EINVAL' });
      const tid = await k.thread(async (t) => { await t.sleep(10); });
      await expect(k.pidfdOpen(tid)).rejects.toThrow(/is a thread of process/);
      await k.join(tid);
      const child = await k.fork(async () => 0);
      await k.waitpid(child);
      await expect(k.pidfdOpen(child)).rejects.toMatchObject({ code: 'ESRCH' });
    });
  });
});

describe('pidfd_send_signal', () => {
  it('signals the process; sig 0 checks it; a zombie accepts signals; a reaped one is ESRCH', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const child = await k.fork(async (c) => { await c.pause(); });
      const fd = await k.pidfdOpen(child);
      expect(await k.pidfdSendSignal(fd, 0)).toBe(0);
      expect(await k.pidfdSendSignal(fd, SIGTERM)).toBe(0);
      await k.sleep(1);
      expect(sim.process(child)?.state).toBe('zombie');
      expect(await k.pidfdSendSignal(fd, SIGUSR1)).toBe(0);
      const w = await k.waitpid(child);
      expect(WIFSIGNALED(w.status) && WTERMSIG(w.status)).toBe(SIGTERM);
      await expect(k.pidfdSendSignal(fd, SIGKILL)).rejects.toMatchObject({ code: 'ESRCH' });
      await expect(k.pidfdSendSignal(fd, 0)).rejects.toMatchObject({ code: 'ESRCH' });
    });
  });

  it('EBADF for descriptors that are not pidfds, EINVAL for bad signals and flags', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r] = await k.pipe();
      await expect(k.pidfdSendSignal(r, SIGTERM)).rejects.toThrow(/not a pidfd/);
      await expect(k.pidfdSendSignal(r, SIGTERM)).rejects.toMatchObject({ code: 'EBADF' });
      await expect(k.pidfdSendSignal(77, SIGTERM)).rejects.toMatchObject({ code: 'EBADF' });
      const fd = await k.pidfdOpen(await k.getpid());
      await expect(k.pidfdSendSignal(fd, 99)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.pidfdSendSignal(fd, 0, 1)).rejects.toMatchObject({ code: 'EINVAL' });
    });
  });

  it('never reaches a new process that reuses the pid number', async () => {
    // pids wrap below pidMax, so a reaped pid number comes back after a few forks.
    const sim = new Sim({ ...quiet, limits: { pidMax: 8 } });
    await sim.run(async (k) => {
      const victim = await k.fork(async (c) => { await c.pause(); });
      const fd = await k.pidfdOpen(victim);
      await k.kill(victim, SIGKILL);
      await k.waitpid(victim);
      let stranger = 0;
      for (let i = 0; i < 20 && stranger !== victim; i++) {
        stranger = await k.fork(async (c) => { await c.pause(); });
        if (stranger !== victim) (await k.kill(stranger, SIGKILL), await k.waitpid(stranger));
      }
      expect(stranger).toBe(victim);
      await expect(k.pidfdSendSignal(fd, SIGKILL)).rejects.toMatchObject({ code: 'ESRCH' });
      expect(sim.process(stranger)?.state).toBe('alive');
      expect((await k.poll([{ fd, events: POLLIN }], 0))[0]!.revents).toBe(POLLIN | POLLHUP);
      await k.kill(stranger, SIGKILL); // by number, the stranger is what you hit
      expect(WTERMSIG((await k.waitpid(stranger)).status)).toBe(SIGKILL);
    });
  });
});
