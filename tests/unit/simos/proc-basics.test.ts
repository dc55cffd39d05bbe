import { describe, expect, it } from 'vitest';
import {
  Sim, SIGKILL, SIGTERM, SIGUSR1, WEXITSTATUS, WIFEXITED, WIFSIGNALED, WNOHANG, WTERMSIG,
  PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG, SysError, SimulationError,
} from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };

describe('fork, exit, waitpid', () => {
  it('reaps a child and decodes its exit status', async () => {
    const sim = new Sim({ seed: 1, ...quiet });
    const r = await sim.run(async (k) => {
      const pid = await k.fork(async (c) => 7);
      const w = await k.waitpid(pid);
      expect(w.pid).toBe(pid);
      expect(WIFEXITED(w.status)).toBe(true);
      expect(WEXITSTATUS(w.status)).toBe(7);
      return 3;
    });
    expect(WEXITSTATUS(r.status!)).toBe(3);
  });

  it('waitpid(-1) with no children fails with ECHILD', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      await expect(k.waitpid(-1)).rejects.toMatchObject({ code: 'ECHILD' });
    });
  });

  it('WNOHANG returns pid 0 while the child runs', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const pid = await k.fork(async (c) => { await c.sleep(100); });
      expect((await k.waitpid(pid, WNOHANG)).pid).toBe(0);
      expect((await k.waitpid(pid)).pid).toBe(pid);
      expect(await k.now()).toBe(100);
    });
  });

  it('a zombie stays until reaped', async () => {
    const sim = new Sim(quiet);
    let child = 0;
    await sim.run(async (k) => {
      child = await k.fork(async () => 0);
      await k.sleep(10);
      expect(sim.process(child)?.state).toBe('zombie');
      await k.waitpid(child);
      expect(sim.process(child)).toBeUndefined();
    });
  });

  it('orphans go to init, or to the nearest subreaper', async () => {
    for (const subreaper of [false, true]) {
      const sim = new Sim(quiet);
      let seenPpid = -1;
      let me = 0;
      await sim.run(async (k) => {
        me = await k.getpid();
        if (subreaper) await k.prctl(PR_SET_CHILD_SUBREAPER, 1);
        const mid = await k.fork(async (c) => {
          await c.fork(async (g) => { await g.sleep(50); seenPpid = await g.getppid(); });
          return 0;
        });
        await k.waitpid(mid);
        if (subreaper) {
          const w = await k.waitpid(-1);
          expect(w.pid).toBeGreaterThan(mid);
        } else {
          await expect(k.waitpid(-1)).rejects.toMatchObject({ code: 'ECHILD' });
          await k.sleep(100);
        }
      });
      expect(seenPpid).toBe(subreaper ? me : 1);
    }
  });
});

describe('signals', () => {
  it('SIGTERM kills by default; a handler interrupts a blocking call with EINTR', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const a = await k.fork(async (c) => { await c.sleep(1000); });
      await k.kill(a, SIGTERM);
      const w = await k.waitpid(a);
      expect(WIFSIGNALED(w.status) && WTERMSIG(w.status)).toBe(SIGTERM);

      let got = 0;
      const b = await k.fork(async (c) => {
        await c.sigaction(SIGUSR1, (s) => { got = s; });
        try { await c.sleep(1000); return 1; } catch (e) { return (e as SysError).code === 'EINTR' ? 42 : 2; }
      });
      await k.sleep(10);
      await k.kill(b, SIGUSR1);
      expect(WEXITSTATUS((await k.waitpid(b)).status)).toBe(42);
      expect(got).toBe(SIGUSR1);
    });
  });

  it('SA_RESTART restarts waitpid but never sleep or pause (signal(7))', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const me = await k.getpid();
      await k.sigaction(SIGUSR1, () => {}, { restart: true });
      const pinger = await k.fork(async (c) => {
        await c.sleep(5);
        await c.kill(me, SIGUSR1);
        await c.sleep(5);
        await c.kill(me, SIGUSR1);
      });
      await expect(k.sleep(100)).rejects.toMatchObject({ code: 'EINTR' });
      expect((await k.waitpid(pinger)).pid).toBe(pinger); // restarted across the second signal
      expect(await k.now()).toBe(10);
    });
  });

  it('kill(-pgid) reaches the whole group and ESRCH for an empty one', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const leader = await k.fork(async (c) => {
        await c.setpgid(0, 0);
        await c.fork(async (g) => { await g.pause(); });
        await c.pause();
      });
      await k.setpgid(leader, leader).catch(() => 0);
      await k.sleep(10);
      await k.kill(-leader, SIGKILL);
      const w = await k.waitpid(leader);
      expect(WTERMSIG(w.status)).toBe(SIGKILL);
      await k.sleep(10);
      await expect(k.kill(-leader, SIGKILL)).rejects.toMatchObject({ code: 'ESRCH' });
    });
  });

  it('PDEATHSIG fires when the creating thread exits, not the process', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      let child = 0;
      const tid = await k.thread(async (t) => {
        child = await t.fork(async (c) => { await c.prctl(PR_SET_PDEATHSIG, SIGKILL); await c.pause(); });
        await t.sleep(50);
      });
      await k.join(tid);
      await k.sleep(10);
      const w = await k.waitpid(child);
      expect(WTERMSIG(w.status)).toBe(SIGKILL);
      expect(await k.now()).toBe(60);
    });
  });
});

describe('process groups and sessions', () => {
  it('setsid fails with EPERM in a group leader; setpgid after exec is EACCES', async () => {
    const sim = new Sim(quiet);
    sim.register('idle', async (k) => { await k.pause(); });
    await sim.run(async (k) => {
      await expect(k.setsid()).rejects.toMatchObject({ code: 'EPERM' });
      const pid = await k.spawn('idle');
      await k.sleep(5);
      await expect(k.setpgid(pid, pid)).rejects.toMatchObject({ code: 'EACCES' });
      await k.kill(pid, SIGKILL);
      await k.waitpid(pid);
    });
  });
});

describe('determinism and safety nets', () => {
  async function race(seed: number): Promise<string> {
    const sim = new Sim({ seed, ...quiet });
    await sim.run(async (k) => {
      for (let i = 0; i < 3; i++) await k.fork(async (c) => { await c.getpid(); await c.getppid(); });
      for (let i = 0; i < 3; i++) await k.waitpid(-1);
    });
    return sim.traceText();
  }

  it('the same seed gives the same trace; different seeds differ', async () => {
    expect(await race(7)).toBe(await race(7));
    const traces = new Set(await Promise.all([1, 2, 3, 4, 5, 6].map(race)));
    expect(traces.size).toBeGreaterThan(1);
  });

  it('a deadlock ends the run with the wait-for graph', async () => {
    const sim = new Sim(quiet);
    await expect(sim.run(async (k) => {
      await k.fork(async (c) => { await c.pause(); });
      await k.waitpid(-1);
    })).rejects.toThrow(/Deadlock[\s\S]*waitpid\(\), waiting for any child to change state[\s\S]*pause/);
  });

  it('a fork bomb gets EAGAIN', async () => {
    const sim = new Sim({ limits: { maxProcesses: 10 }, ...quiet });
    let err = '';
    await sim.run(async (k) => {
      try { for (;;) await k.fork(async (c) => { await c.pause(); }); } catch (e) { err = (e as SysError).code; }
      await k.kill(0, SIGKILL);
    });
    expect(err).toBe('EAGAIN');
  });

  it('awaiting something outside simos is reported, not hung', async () => {
    const sim = new Sim(quiet);
    await expect(sim.run(async (k) => {
      await new Promise((r) => setTimeout(r, 50));
      await k.getpid();
    })).rejects.toBeInstanceOf(SimulationError);
  });

  it('bad arguments are EINVAL/EBADF, not TypeErrors', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      await expect(k.kill('x' as any, 9)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.kill(2, 1234)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.waitpid(-1, 999)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.fork(42 as any)).rejects.toMatchObject({ code: 'EINVAL' });
    });
  });

  it('using the parent k inside a child is explained', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      await k.fork(async () => { await k.getpid(); });
      await k.waitpid(-1);
    });
    expect(sim.kernel.crashes[0]?.error).toBeInstanceOf(Error);
    expect(String(sim.kernel.crashes[0]?.error)).toMatch(/use the `k` its own function receives/);
  });
});
