import { describe, expect, it } from 'vitest';
import {
  Sim, F_GETFD, F_GETFL, F_SETFL, FD_CLOEXEC, F_GETPIPE_SZ, F_SETPIPE_SZ, O_CLOEXEC, O_NONBLOCK, O_RDONLY, O_WRONLY,
  PIPE_BUF, PIPE_DEFAULT_SIZE, POLLIN, POLLOUT, type Sys,
} from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Non-blocking writes of `chunk` bytes until EAGAIN; returns the bytes that went in. */
async function fill(k: Sys, w: number, chunk: number): Promise<number> {
  const data = new Uint8Array(chunk).fill(0x61);
  let total = 0;
  for (;;) {
    try {
      total += await k.write(w, data);
    } catch (e) {
      expect(e).toMatchObject({ code: 'EAGAIN' });
      return total;
    }
  }
}

describe('pipe2', () => {
  it('returns the two lowest free fds, read end first, and carries bytes in order', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      await k.close(0);
      const [r, w] = await k.pipe();
      expect([r, w]).toEqual([0, 3]);
      expect(await k.write(w, 'hello ')).toBe(6);
      expect(await k.write(w, 'world')).toBe(5);
      expect(text(await k.read(r, 3))).toBe('hel');
      expect(text(await k.read(r, 100))).toBe('lo world');
      expect((await k.fcntl(r, F_GETFL)) & 3).toBe(O_RDONLY);
      expect((await k.fcntl(w, F_GETFL)) & 3).toBe(O_WRONLY);
    });
  });

  it('rejects the wrong end, unknown flags and packet mode', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      await expect(k.write(r, 'x')).rejects.toMatchObject({ code: 'EBADF' });
      await expect(k.read(w, 1)).rejects.toMatchObject({ code: 'EBADF' });
      await expect(k.pipe(0x1)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.pipe(0o40000)).rejects.toThrow(/O_DIRECT/);
      await expect(k.pipe('x' as any)).rejects.toMatchObject({ code: 'EINVAL' });
    });
  });

  it('O_CLOEXEC marks both descriptors, O_NONBLOCK both descriptions', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe(O_CLOEXEC | O_NONBLOCK);
      for (const fd of [r, w]) {
        expect(await k.fcntl(fd, F_GETFD)).toBe(FD_CLOEXEC);
        expect((await k.fcntl(fd, F_GETFL)) & O_NONBLOCK).toBe(O_NONBLOCK);
      }
      const [r2] = await k.pipe();
      expect(await k.fcntl(r2, F_GETFD)).toBe(0);
    });
  });

  it('fails with EMFILE without installing half a pipe', async () => {
    const sim = new Sim({ ...quiet, limits: { maxFds: 5 } });
    await sim.run(async (k) => {
      expect(await k.dup(0)).toBe(3); // fds 0-3 used, only 4 free
      await expect(k.pipe()).rejects.toMatchObject({ code: 'EMFILE' });
      expect(await k.dup(0)).toBe(4);
    });
  });

  it('a read of 0 bytes returns at once; an empty non-blocking read is EAGAIN; no writers is EOF', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe(O_NONBLOCK);
      expect((await k.read(r, 0)).length).toBe(0);
      await expect(k.read(r, 10)).rejects.toMatchObject({ code: 'EAGAIN' });
      await k.write(w, 'ab');
      await k.close(w);
      expect(text(await k.read(r, 10))).toBe('ab');
      expect((await k.read(r, 10)).length).toBe(0);
      expect((await k.read(r, 10)).length).toBe(0);
    });
  });

  it('F_SETFL can make an end non-blocking later', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r] = await k.pipe();
      await k.fcntl(r, F_SETFL, O_NONBLOCK);
      await expect(k.read(r, 1)).rejects.toMatchObject({ code: 'EAGAIN' });
    });
  });
});

describe('pipe capacity (pipe(7), fs/pipe.c)', () => {
  it('D3a: POLLIN appears after a 1-byte write; filling until EAGAIN writes exactly F_GETPIPE_SZ bytes', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe(O_NONBLOCK);
      expect((await k.poll([{ fd: r, events: POLLIN }], 0))[0]!.revents).toBe(0);
      await k.write(w, 'x');
      expect((await k.poll([{ fd: r, events: POLLIN }], 0))[0]!.revents).toBe(POLLIN);
      expect(text(await k.read(r, 10))).toBe('x');
      expect(await k.fcntl(w, F_GETPIPE_SZ)).toBe(65536);
      expect(await fill(k, w, 1024)).toBe(65536);
      expect(PIPE_DEFAULT_SIZE).toBe(65536);
    });
  });

  it('fills after exactly 65536 one-byte writes', async () => {
    const sim = new Sim({ ...quiet, trace: false });
    await sim.run(async (k) => {
      const [, w] = await k.pipe(O_NONBLOCK);
      expect(await fill(k, w, 1)).toBe(65536);
    });
  });

  it('capacity counts pages: 1000-byte writes fill it at 64000 bytes', async () => {
    // Each 1000-byte write merges into the last page only if it fits whole, so each page holds 4000.
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [, w] = await k.pipe(O_NONBLOCK);
      expect(await fill(k, w, 1000)).toBe(64000);
    });
  });

  it('a non-blocking write larger than PIPE_BUF writes what fits, then EAGAIN', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe(O_NONBLOCK);
      expect(await k.write(w, new Uint8Array(100_000))).toBe(65536);
      await expect(k.write(w, new Uint8Array(5000))).rejects.toMatchObject({ code: 'EAGAIN' });
      expect((await k.read(r, 10_000)).length).toBe(10_000);
      // Two pages (8192 bytes) were freed; the 10000-byte write's odd 1808 bytes cannot merge
      // into the full last page, so it takes two fresh pages: 8192 bytes.
      expect(await k.write(w, new Uint8Array(10_000))).toBe(8192);
    });
  });

  it('a non-blocking write of at most PIPE_BUF bytes goes in whole or fails with EAGAIN', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [, w] = await k.pipe(O_NONBLOCK);
      expect(await k.write(w, new Uint8Array(15 * 4096))).toBe(15 * 4096);
      expect(await k.write(w, new Uint8Array(4000))).toBe(4000); // the 16th page
      // 96 bytes are free in the last page and no page is: 200 bytes do not fit whole.
      await expect(k.write(w, new Uint8Array(200))).rejects.toMatchObject({ code: 'EAGAIN' });
      await expect(k.write(w, new Uint8Array(PIPE_BUF))).rejects.toMatchObject({ code: 'EAGAIN' });
      expect(await k.write(w, new Uint8Array(96))).toBe(96);
      await expect(k.write(w, new Uint8Array(1))).rejects.toMatchObject({ code: 'EAGAIN' });
    });
  });

  it('the write end polls writable only while a page is free', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe(O_NONBLOCK);
      const writable = async () => (await k.poll([{ fd: w, events: POLLOUT }], 0))[0]!.revents === POLLOUT;
      expect(await writable()).toBe(true);
      await fill(k, w, 4096);
      expect(await writable()).toBe(false);
      await k.read(r, 1); // the first page is not empty yet
      expect(await writable()).toBe(false);
      await k.read(r, 4095);
      expect(await writable()).toBe(true);
    });
  });

  it('F_SETPIPE_SZ rounds up to a power-of-two number of pages, with EPERM and EBUSY limits', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe(O_NONBLOCK);
      expect(await k.fcntl(r, F_SETPIPE_SZ, 10_000)).toBe(16384);
      expect(await k.fcntl(w, F_GETPIPE_SZ)).toBe(16384);
      expect(await k.fcntl(w, F_SETPIPE_SZ, 1)).toBe(4096);
      expect(await fill(k, w, 4096)).toBe(4096);
      expect(await k.fcntl(w, F_SETPIPE_SZ, 1 << 20)).toBe(1 << 20);
      await expect(k.fcntl(w, F_SETPIPE_SZ, (1 << 20) + 1)).rejects.toMatchObject({ code: 'EPERM' });
      expect(await fill(k, w, 4096)).toBe((1 << 20) - 4096);
      await expect(k.fcntl(w, F_SETPIPE_SZ, 65536)).rejects.toMatchObject({ code: 'EBUSY' });
      await expect(k.fcntl(w, F_SETPIPE_SZ, -1)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.fcntl(1, F_GETPIPE_SZ)).rejects.toMatchObject({ code: 'EBADF' });
    });
  });
});
