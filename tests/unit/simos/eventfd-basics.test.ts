import { describe, expect, it } from 'vitest';
import {
  Sim, EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, EVENTFD_MAX, F_GETFD, F_SETFL, FD_CLOEXEC, O_NONBLOCK, POLLIN, POLLOUT,
  eventfdValue, u64le,
} from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };

describe('u64le / eventfdValue', () => {
  it('encode little-endian unsigned 64-bit values and round-trip', () => {
    expect(Array.from(u64le(3))).toEqual([3, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(u64le(0x0102030405060708n))).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    for (const v of [0n, 1n, 255n, 256n, 2n ** 53n + 1n, EVENTFD_MAX, 2n ** 64n - 1n]) expect(eventfdValue(u64le(v))).toBe(v);
    expect(eventfdValue(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 99]))).toBe(1n);
  });

  it('refuse values that are not unsigned 64-bit, and short buffers', () => {
    expect(() => u64le(-1)).toThrow(RangeError);
    expect(() => u64le(2n ** 64n)).toThrow(RangeError);
    expect(() => u64le(1.5)).toThrow(RangeError);
    expect(() => eventfdValue(new Uint8Array(7))).toThrow(/at least 8 bytes/);
  });
});

describe('eventfd', () => {
  it('D3d: write 3, read 3; with EFD_SEMAPHORE: 1, 1, 1, then EAGAIN', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const fd = await k.eventfd(0, EFD_NONBLOCK);
      expect(await k.write(fd, u64le(3))).toBe(8);
      expect(eventfdValue(await k.read(fd, 8))).toBe(3n);
      await expect(k.read(fd, 8)).rejects.toMatchObject({ code: 'EAGAIN' });

      const sem = await k.eventfd(0, EFD_SEMAPHORE | EFD_NONBLOCK);
      await k.write(sem, u64le(3));
      expect([await k.eventfdRead(sem), await k.eventfdRead(sem), await k.eventfdRead(sem)]).toEqual([1n, 1n, 1n]);
      await expect(k.eventfdRead(sem)).rejects.toMatchObject({ code: 'EAGAIN' });
    });
  });

  it('writes add up; a read returns the sum and resets to 0; initval counts', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const fd = await k.eventfd(5, EFD_NONBLOCK);
      await k.eventfdWrite(fd, 2);
      await k.eventfdWrite(fd, 10n);
      const bytes = await k.read(fd, 100);
      expect(bytes.length).toBe(8);
      expect(eventfdValue(bytes)).toBe(17n);
      await expect(k.eventfdRead(fd)).rejects.toMatchObject({ code: 'EAGAIN' });
    });
  });

  it('a read at 0 blocks until some process writes', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const fd = await k.eventfd();
      await k.fork(async (c) => {
        await c.sleep(25);
        await c.eventfdWrite(fd, 4);
      });
      expect(await k.eventfdRead(fd)).toBe(4n);
      expect(await k.now()).toBe(25);
    });
  });

  it('buffers under 8 bytes and the value 2^64-1 are EINVAL', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const fd = await k.eventfd(1);
      await expect(k.read(fd, 4)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.write(fd, new Uint8Array(4))).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.write(fd, u64le(2n ** 64n - 1n))).rejects.toMatchObject({ code: 'EINVAL' });
      expect(await k.write(fd, new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]))).toBe(8);
      expect(await k.eventfdRead(fd)).toBe(3n);
    });
  });

  it('the counter stops at 2^64-2: further writes block, or fail with EAGAIN', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const fd = await k.eventfd(0, EFD_NONBLOCK);
      await k.eventfdWrite(fd, EVENTFD_MAX);
      await expect(k.eventfdWrite(fd, 1)).rejects.toMatchObject({ code: 'EAGAIN' });
      expect(await k.write(fd, u64le(0))).toBe(8);
      expect((await k.poll([{ fd, events: POLLIN | POLLOUT }], 0))[0]!.revents).toBe(POLLIN);

      await k.fcntl(fd, F_SETFL, 0); // blocking from now on
      await k.fork(async (c) => {
        await c.sleep(15);
        expect(await c.eventfdRead(fd)).toBe(EVENTFD_MAX);
      });
      await k.eventfdWrite(fd, 9);
      expect(await k.now()).toBe(15);
      await k.fcntl(fd, F_SETFL, O_NONBLOCK);
      expect(await k.eventfdRead(fd)).toBe(9n);
    });
  });

  it('polls readable while the counter is above 0 and writable while a write of 1 would not block', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const fd = await k.eventfd(0, EFD_NONBLOCK);
      const ev = async () => (await k.poll([{ fd, events: POLLIN | POLLOUT }], 0))[0]!.revents;
      expect(await ev()).toBe(POLLOUT);
      await k.eventfdWrite(fd, 1);
      expect(await ev()).toBe(POLLIN | POLLOUT);
      await k.eventfdWrite(fd, EVENTFD_MAX - 2n);
      expect(await ev()).toBe(POLLIN | POLLOUT);
      await k.eventfdWrite(fd, 1);
      expect(await ev()).toBe(POLLIN);
    });
  });

  it('a broadcast wake: every poller sees POLLIN as long as nobody drains it', async () => {
    const sim = new Sim({ seed: 4, ...quiet });
    await sim.run(async (k) => {
      const fd = await k.eventfd(0, EFD_NONBLOCK);
      const woke: number[] = [];
      const tids: number[] = [];
      for (let i = 0; i < 3; i++) {
        tids.push(await k.thread(async (t) => {
          const [r] = await t.poll([{ fd, events: POLLIN }], -1);
          if (r!.revents & POLLIN) woke.push(await t.now());
        }));
      }
      await k.sleep(50);
      await k.eventfdWrite(fd, 1);
      for (const tid of tids) await k.join(tid);
      expect(woke).toEqual([50, 50, 50]);
    });
  });

  it('flags: EFD_CLOEXEC sets FD_CLOEXEC; unknown flags and bad initval are EINVAL; the fd is shared across fork', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const a = await k.eventfd(0, EFD_CLOEXEC);
      expect(await k.fcntl(a, F_GETFD)).toBe(FD_CLOEXEC);
      expect(await k.fcntl(await k.eventfd(), F_GETFD)).toBe(0);
      await expect(k.eventfd(0, 0x2)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.eventfd(-1)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.eventfd(2 ** 32)).rejects.toMatchObject({ code: 'EINVAL' });
      const child = await k.fork(async (c) => {
        await c.eventfdWrite(a, 6);
      });
      await k.waitpid(child);
      expect(await k.eventfdRead(a)).toBe(6n);
    });
  });
});
