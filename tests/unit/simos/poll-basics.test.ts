import { describe, expect, it } from 'vitest';
import {
  Sim, SimulationError, SIGUSR1, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDNORM, formatPollEvents,
} from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };

describe('poll timeouts (virtual time)', () => {
  it('a timeout advances virtual time by exactly that much and reports nothing ready', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r] = await k.pipe();
      await k.sleep(7);
      const res = await k.poll([{ fd: r, events: POLLIN }], 250);
      expect(res).toEqual([{ fd: r, events: POLLIN, revents: 0 }]);
      expect(await k.now()).toBe(257);
    });
  });

  it('timeout 0 only checks', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r] = await k.pipe();
      expect((await k.poll([{ fd: r, events: POLLIN }], 0))[0]!.revents).toBe(0);
      expect(await k.now()).toBe(0);
    });
  });

  it('wakes when data arrives, before the timeout', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      await k.fork(async (c) => {
        await c.sleep(30);
        await c.write(w, 'x');
      });
      const res = await k.poll([{ fd: r, events: POLLIN }], -1);
      expect(res[0]!.revents).toBe(POLLIN);
      expect(await k.now()).toBe(30);
    });
  });

  it('unrelated activity does not stretch the deadline', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r] = await k.pipe();
      const [, w2] = await k.pipe();
      await k.fork(async (c) => {
        for (let i = 0; i < 20; i++) {
          await c.sleep(9);
          await c.write(w2, 'noise');
        }
      });
      const res = await k.poll([{ fd: r, events: POLLIN }], 100);
      expect(res[0]!.revents).toBe(0);
      expect(await k.now()).toBe(100);
    });
  });

  it('EINTR when a signal handler runs during the wait', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r] = await k.pipe();
      let handled = false;
      await k.sigaction(SIGUSR1, () => { handled = true; });
      const me = await k.getpid();
      await k.fork(async (c) => {
        await c.sleep(40);
        await c.kill(me, SIGUSR1);
      });
      await expect(k.poll([{ fd: r, events: POLLIN }], 1000)).rejects.toMatchObject({ code: 'EINTR' });
      expect(handled).toBe(true);
      expect(await k.now()).toBe(40);
    });
  });
});

describe('poll revents', () => {
  it('an fd that is not open gives POLLNVAL at once, requested or not', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const res = await k.poll([{ fd: 42, events: 0 }], -1);
      expect(res).toEqual([{ fd: 42, events: 0, revents: POLLNVAL }]);
      expect(await k.now()).toBe(0);
    });
  });

  it('a negative fd is ignored: revents 0 and the call still waits', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const res = await k.poll([{ fd: -1, events: POLLIN }, { fd: -5, events: POLLOUT }], 60);
      expect(res.map((r) => r.revents)).toEqual([0, 0]);
      expect(await k.now()).toBe(60);
    });
  });

  it('POLLHUP is reported without being asked for, with POLLIN while data remains', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      await k.write(w, 'ab');
      await k.close(w);
      expect((await k.poll([{ fd: r, events: POLLIN }], 0))[0]!.revents).toBe(POLLIN | POLLHUP);
      expect((await k.poll([{ fd: r, events: 0 }], 0))[0]!.revents).toBe(POLLHUP);
      await k.read(r, 10);
      expect((await k.poll([{ fd: r, events: POLLIN }], -1))[0]!.revents).toBe(POLLHUP);
    });
  });

  it('the write end of a pipe with no reader reports POLLERR (and stays writable)', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      expect((await k.poll([{ fd: w, events: POLLOUT }], 0))[0]!.revents).toBe(POLLOUT);
      await k.close(r);
      expect((await k.poll([{ fd: w, events: POLLOUT }], 0))[0]!.revents).toBe(POLLOUT | POLLERR);
      expect((await k.poll([{ fd: w, events: POLLIN }], 0))[0]!.revents).toBe(POLLERR);
    });
  });

  it('is level-triggered: readiness is reported until the data is read', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      await k.write(w, 'x');
      for (let i = 0; i < 3; i++) expect((await k.poll([{ fd: r, events: POLLIN | POLLRDNORM }], 0))[0]!.revents).toBe(POLLIN | POLLRDNORM);
      await k.read(r, 1);
      expect((await k.poll([{ fd: r, events: POLLIN }], 0))[0]!.revents).toBe(0);
    });
  });

  it('returns every entry in order and only the requested events', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r1, w1] = await k.pipe();
      const [r2, w2] = await k.pipe();
      await k.write(w2, 'y');
      const res = await k.poll(
        [
          { fd: r1, events: POLLIN },
          { fd: r2, events: POLLIN | POLLPRI },
          { fd: w1, events: POLLIN },
          { fd: 1, events: POLLIN | POLLOUT },
        ],
        -1,
      );
      expect(res.map((x) => x.revents)).toEqual([0, POLLIN, 0, POLLOUT]);
      expect(res.map((x) => x.fd)).toEqual([r1, r2, w1, 1]);
      expect(res.filter((x) => x.revents).length).toBe(2);
    });
  });

  it('closing a watched fd from another thread does not wake poll; the timeout rescan says POLLNVAL', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r] = await k.pipe();
      const tid = await k.thread(async (t) => {
        await t.sleep(10);
        await t.close(r);
      });
      const res = await k.poll([{ fd: r, events: POLLIN }], 2000);
      expect(await k.now()).toBe(2000);
      expect(res[0]!.revents).toBe(POLLNVAL);
      await k.join(tid);
    });
  });

  it('rejects malformed arguments with EINVAL', async () => {
    const sim = new Sim({ ...quiet, limits: { maxFds: 4 } });
    await sim.run(async (k) => {
      await expect(k.poll('nope' as any, 0)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.poll([{ fd: 0 } as any], 0)).rejects.toThrow(/fds\[0\]\.events/);
      await expect(k.poll([null as any], 0)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.poll([{ fd: 0, events: 0x10000 }], 0)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.poll([{ fd: 0, events: POLLIN }], 1.5)).rejects.toMatchObject({ code: 'EINVAL' });
      const five = Array.from({ length: 5 }, () => ({ fd: -1, events: 0 }));
      await expect(k.poll(five, 0)).rejects.toThrow(/descriptor limit/);
    });
  });

  it('a poll nobody can satisfy shows up in the deadlock report with its fds', async () => {
    const sim = new Sim(quiet);
    const err = await sim
      .run(async (k) => {
        const [r] = await k.pipe();
        await k.poll([{ fd: r, events: POLLIN }], -1);
      })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SimulationError);
    expect((err as Error).message).toContain('in poll(), waiting for fd 3 (pipe:[1] (read end)) for POLLIN with no timeout');
  });

  it('formatPollEvents names the bits', () => {
    expect(formatPollEvents(POLLIN | POLLHUP)).toBe('POLLIN|POLLHUP');
    expect(formatPollEvents(0)).toBe('0');
    expect(formatPollEvents(0x8000 | POLLOUT)).toBe('POLLOUT|0x8000');
  });
});
