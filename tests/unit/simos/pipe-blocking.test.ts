import { describe, expect, it } from 'vitest';
import {
  Sim, SimulationError, SIGPIPE, SIGUSR1, WEXITSTATUS, WIFSIGNALED, WTERMSIG, PIPE_BUF, type Sys,
} from '../../../sandboxes/simos/index.ts';

const quiet = { console: () => {} };
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function readAll(k: Sys, fd: number, chunk = 8192): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (;;) {
    const b = await k.read(fd, chunk);
    if (b.length === 0) break;
    parts.push(b);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

/** Maximal runs of equal bytes: [[byte, length], ...]. */
function runs(data: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  for (const b of data) {
    const last = out[out.length - 1];
    if (last && last[0] === b) last[1]++;
    else out.push([b, 1]);
  }
  return out;
}

/** Two children each write `records` writes of `size` bytes of their own letter; the parent reads to EOF. */
async function twoWriters(seed: number, size: number, records: number): Promise<Uint8Array> {
  const sim = new Sim({ seed, ...quiet, trace: false });
  let data: Uint8Array = new Uint8Array(0);
  await sim.run(async (k) => {
    const [r, w] = await k.pipe();
    for (const letter of [0x41, 0x42]) {
      await k.fork(async (c) => {
        await c.close(r);
        const rec = new Uint8Array(size).fill(letter);
        for (let i = 0; i < records; i++) expect(await c.write(w, rec)).toBe(size);
      });
    }
    await k.close(w);
    data = await readAll(k, r, 3000);
    await k.waitpid(-1);
    await k.waitpid(-1);
  });
  return data;
}

describe('blocking pipes', () => {
  it('a read waits for a writer and returns what is there', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      await k.fork(async (c) => {
        await c.sleep(50);
        await c.write(w, 'late');
      });
      expect(text(await k.read(r, 100))).toBe('late');
      expect(await k.now()).toBe(50);
    });
  });

  it('a large write blocks until the reader drains it, and arrives whole and in order', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      const big = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) % 251);
      const child = await k.fork(async (c) => {
        await c.close(r);
        expect(await c.write(w, big)).toBe(big.length);
      });
      await k.close(w);
      const got = await readAll(k, r);
      expect(got.length).toBe(big.length);
      expect(got.findIndex((b, i) => b !== big[i])).toBe(-1);
      expect(WEXITSTATUS((await k.waitpid(child)).status)).toBe(0);
    });
  });

  it('end-of-file comes only after every write end is closed, including a forked copy', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      const copy = await k.fork(async (c) => {
        await c.sleep(100); // holds its inherited write end for 100 ms
        await c.close(w);
        await c.sleep(1000);
      });
      await k.write(w, 'data');
      await k.close(w);
      expect(text(await k.read(r, 10))).toBe('data');
      expect((await k.read(r, 10)).length).toBe(0);
      expect(await k.now()).toBe(100);
      await k.kill(copy, SIGUSR1);
    });
  });

  it('a child that forgot to close its write end never sees EOF: the deadlock report names it', async () => {
    const sim = new Sim({ seed: 3, ...quiet });
    let child = 0;
    const err = await sim
      .run(async (k) => {
        const [r, w] = await k.pipe();
        child = await k.fork(async (c) => {
          // The bug: no `await c.close(w)` here.
          return (await readAll(c, r)).length;
        });
        await k.close(r);
        await k.write(w, 'hello');
        await k.close(w);
        await k.waitpid(child);
      })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SimulationError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^Deadlock/);
    expect(msg).toContain(
      `pid ${child} (main): in read(), waiting for data on pipe:[1], whose write end is still open in pid ${child} (the caller itself)`,
    );
    expect(msg).toContain(`held by pid ${child}`);
    expect(msg).toMatch(/in waitpid\(\), waiting for child \d+ to change state/);
  });

  it('the same program with the write end closed in the child finishes', async () => {
    const sim = new Sim({ seed: 3, ...quiet });
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      const child = await k.fork(async (c) => {
        await c.close(w);
        return (await readAll(c, r)).length;
      });
      await k.close(r);
      await k.write(w, 'hello');
      await k.close(w);
      expect(WEXITSTATUS((await k.waitpid(child)).status)).toBe(5);
    });
  });
});

describe('EPIPE and SIGPIPE', () => {
  it('writing with no reader kills the writer with SIGPIPE by default', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      await k.close(r);
      let after = false;
      const child = await k.fork(async (c) => {
        await c.write(w, 'x').catch(() => {});
        after = true;
      });
      const st = (await k.waitpid(child)).status;
      expect(WIFSIGNALED(st) && WTERMSIG(st)).toBe(SIGPIPE);
      expect(after).toBe(false);
      expect(sim.traceText()).toMatch(/write\(\d+, "x"\) = -1 EPIPE/);
    });
  });

  it('with SIGPIPE ignored the write fails with EPIPE; with a handler, EPIPE and the handler runs', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      await k.close(r);
      await k.sigaction(SIGPIPE, 'ignore');
      await expect(k.write(w, 'x')).rejects.toMatchObject({ code: 'EPIPE' });
      let caught = 0;
      await k.sigaction(SIGPIPE, (s) => { caught = s; });
      await expect(k.write(w, 'x')).rejects.toMatchObject({ code: 'EPIPE' });
      await k.getpid(); // the handler runs before the next call
      expect(caught).toBe(SIGPIPE);
      expect(await k.write(w, '')).toBe(0); // a null write succeeds even without a reader
    });
  });

  it('a blocked writer gets EPIPE when the last reader goes away', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      await k.sigaction(SIGPIPE, 'ignore');
      const reader = await k.fork(async (c) => {
        await c.sleep(10);
      });
      await k.close(r); // the child's copy is now the only read end; it closes when the child exits
      await k.write(w, new Uint8Array(65536));
      await expect(k.write(w, 'more')).rejects.toMatchObject({ code: 'EPIPE' });
      expect(await k.now()).toBe(10);
      await k.waitpid(reader);
    });
  });

  it('a large write that was partly done returns its count when the reader leaves, and SIGPIPE still comes', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      const child = await k.fork(async (c) => {
        await c.close(r);
        await c.sigaction(SIGPIPE, 'ignore');
        return (await c.write(w, new Uint8Array(100_000))) === 65536 ? 7 : 1;
      });
      await k.close(w);
      await k.sleep(10);
      await k.close(r);
      expect(WEXITSTATUS((await k.waitpid(child)).status)).toBe(7);
    });
  });
});

describe('signals and blocked pipe calls', () => {
  it('a handler interrupts a blocked read, and a write that has not started, with EINTR', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      await k.sigaction(SIGUSR1, () => {});
      const me = await k.getpid();
      await k.fork(async (c) => {
        await c.sleep(10);
        await c.kill(me, SIGUSR1);
        await c.sleep(10);
        await c.kill(me, SIGUSR1);
      });
      await expect(k.read(r, 10)).rejects.toMatchObject({ code: 'EINTR' });
      await k.write(w, new Uint8Array(65536));
      await expect(k.write(w, 'x')).rejects.toMatchObject({ code: 'EINTR' });
      expect(await k.now()).toBe(20);
    });
  });

  it('a handler cuts a large blocked write short: it returns the bytes already written (pipe(7))', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      let handled = 0;
      const writer = await k.fork(async (c) => {
        await c.sigaction(SIGUSR1, () => { handled++; });
        await c.close(r);
        const n = await c.write(w, new Uint8Array(100_000));
        return n === 65536 ? 0 : 1; // the pipe held 65536 when the handler ran
      });
      await k.close(w);
      await k.sleep(10); // the writer has put 65536 bytes in and waits for room
      await k.kill(writer, SIGUSR1);
      await k.sleep(10);
      expect((await readAll(k, r)).length).toBe(65536);
      expect(WEXITSTATUS((await k.waitpid(writer)).status)).toBe(0);
      expect(handled).toBe(1);
    });
  });

  it('a handler interrupts a blocked write that has written nothing yet with EINTR', async () => {
    const sim = new Sim(quiet);
    await sim.run(async (k) => {
      const [r, w] = await k.pipe();
      await k.write(w, new Uint8Array(65536)); // full
      const writer = await k.fork(async (c) => {
        await c.sigaction(SIGUSR1, () => {});
        try {
          await c.write(w, new Uint8Array(10));
          return 1;
        } catch (e) {
          return (e as { code?: string }).code === 'EINTR' ? 0 : 2;
        }
      });
      await k.sleep(10);
      await k.kill(writer, SIGUSR1);
      expect(WEXITSTATUS((await k.waitpid(writer)).status)).toBe(0);
      await k.close(r);
    });
  });
});

describe('PIPE_BUF atomicity with two writers', () => {
  it('writes of PIPE_BUF bytes never interleave, under any of 30 schedules', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const data = await twoWriters(seed, PIPE_BUF, 24);
      expect(data.length).toBe(2 * 24 * PIPE_BUF);
      for (const [, len] of runs(data)) expect(len % PIPE_BUF, `seed ${seed}`).toBe(0);
    }
  });

  it('writes larger than PIPE_BUF interleave under some schedule', async () => {
    let interleaved = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const data = await twoWriters(seed, 100_000, 1);
      expect(data.length).toBe(200_000);
      if (runs(data).length > 2) interleaved++;
    }
    expect(interleaved).toBeGreaterThan(0);
  });
});
