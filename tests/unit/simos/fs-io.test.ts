import { describe, expect, it } from 'vitest';
import { Sim, O_APPEND, O_CREAT, O_RDONLY, O_RDWR, O_WRONLY, O_TRUNC, SEEK_CUR, SEEK_END, SEEK_SET, isErrno, type Sys } from '../../../sandboxes/simos/index.ts';

const quiet = (seed = 1, limits = {}) => new Sim({ seed, console: () => {}, limits });
const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function slurp(k: Sys, path: string): Promise<string> {
  const fd = await k.open(path, O_RDONLY);
  let out = '';
  for (;;) {
    const b = await k.read(fd, 4096);
    if (b.length === 0) break;
    out += text(b);
  }
  await k.close(fd);
  return out;
}

describe('offsets and positioned I/O', () => {
  it('shares the offset between dup and fork; a second open has its own', async () => {
    await quiet().run(async (k) => {
      const fd = await k.open('/data/f', O_CREAT | O_RDWR);
      await k.write(fd, 'abcdef');
      await k.lseek(fd, 0, SEEK_SET);
      const d = await k.dup(fd);
      expect(text(await k.read(d, 2))).toBe('ab');
      expect(text(await k.read(fd, 2))).toBe('cd');
      const child = await k.fork(async (c) => (text(await c.read(fd, 1)) === 'e' ? 0 : 1));
      expect((await k.waitpid(child)).status).toBe(0);
      expect(text(await k.read(fd, 10))).toBe('f');
      const other = await k.open('/data/f', O_RDONLY);
      expect(text(await k.read(other, 3))).toBe('abc');
    });
  });

  it('pread/pwrite leave the offset alone; lseek SEEK_SET/CUR/END; writing past the end leaves zeros', async () => {
    await quiet().run(async (k) => {
      const fd = await k.open('/data/f', O_CREAT | O_RDWR);
      await k.write(fd, 'hello');
      expect(await k.pwrite(fd, 'J', 0)).toBe(1);
      expect(text(await k.pread(fd, 3, 1))).toBe('ell');
      expect(await k.lseek(fd, 0, SEEK_CUR)).toBe(5);
      expect(await k.lseek(fd, 2, SEEK_END)).toBe(7);
      await k.write(fd, '!');
      expect(Array.from(await k.pread(fd, 10, 0))).toEqual([...'Jello'].map((c) => c.charCodeAt(0)).concat([0, 0, 33]));
      await expect(k.lseek(fd, -100, SEEK_CUR)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.lseek(fd, 0, 7)).rejects.toMatchObject({ code: 'EINVAL' });
      expect((await k.pread(fd, 10, 100)).length).toBe(0);
    });
  });

  it('pwrite on an O_APPEND description appends, as on Linux', async () => {
    await quiet().run(async (k) => {
      const fd = await k.open('/data/log', O_CREAT | O_WRONLY | O_APPEND);
      await k.write(fd, 'ab');
      await k.pwrite(fd, 'X', 0);
      expect(await slurp(k, '/data/log')).toBe('abX');
    });
  });

  it('ftruncate cuts and extends; needs a description open for writing', async () => {
    await quiet().run(async (k) => {
      const fd = await k.open('/data/f', O_CREAT | O_RDWR);
      await k.write(fd, 'abcdef');
      await k.ftruncate(fd, 2);
      expect(await slurp(k, '/data/f')).toBe('ab');
      await k.ftruncate(fd, 4);
      expect(Array.from(await k.pread(fd, 10, 0))).toEqual([97, 98, 0, 0]);
      const ro = await k.open('/data/f', O_RDONLY);
      await expect(k.ftruncate(ro, 0)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.ftruncate(fd, -1)).rejects.toMatchObject({ code: 'EINVAL' });
      await expect(k.write(ro, 'x')).rejects.toMatchObject({ code: 'EBADF' });
      await expect(k.pwrite(ro, 'x', 0)).rejects.toMatchObject({ code: 'EBADF' });
      const wo = await k.open('/data/f', O_WRONLY);
      await expect(k.pread(wo, 1, 0)).rejects.toMatchObject({ code: 'EBADF' });
      // O_TRUNC empties the file on open
      await k.close(await k.open('/data/f', O_WRONLY | O_TRUNC));
      expect((await k.stat('/data/f')).st_size).toBe(0);
    });
  });

  it('stops a file at limits.maxFileBytes: a short write, then EFBIG', async () => {
    await quiet(1, { maxFileBytes: 10 }).run(async (k) => {
      const fd = await k.open('/data/f', O_CREAT | O_WRONLY);
      expect(await k.write(fd, '12345678')).toBe(8);
      expect(await k.write(fd, 'abcd')).toBe(2);
      await expect(k.write(fd, 'z')).rejects.toMatchObject({ code: 'EFBIG' });
      await expect(k.ftruncate(fd, 11)).rejects.toMatchObject({ code: 'EFBIG' });
      expect((await k.fstat(fd)).st_size).toBe(10);
    });
  });
});

/** Two writers append `n` records each to one file, through their own open file descriptions. */
async function twoWriters(seed: number, append: boolean, n = 6): Promise<string> {
  let content = '';
  await quiet(seed).run(async (k) => {
    await k.close(await k.open('/data/log', O_CREAT | O_WRONLY));
    const writer = (tag: string) => async (c: Sys) => {
      const fd = await c.open('/data/log', O_WRONLY | (append ? O_APPEND : 0));
      for (let i = 0; i < n; i++) {
        if (!append) await c.lseek(fd, 0, SEEK_END); // seek, then write: two calls, a window between
        await c.write(fd, `${tag}${i};`);
      }
    };
    const a = await k.fork(writer('a'));
    const b = await k.fork(writer('b'));
    await k.waitpid(a);
    await k.waitpid(b);
    content = await slurp(k, '/data/log');
  });
  return content;
}

describe('O_APPEND', () => {
  it('from two processes never overwrites: the size is the sum of the writes, on every seed', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const content = await twoWriters(seed, true);
      expect(content.length).toBe(2 * 6 * 3);
      for (const tag of ['a', 'b']) for (let i = 0; i < 6; i++) expect(content).toContain(`${tag}${i};`);
    }
  });

  it('is needed: lseek(SEEK_END) + write loses records on some seed', async () => {
    let lost = 0;
    for (let seed = 1; seed <= 30; seed++) if ((await twoWriters(seed, false)).length < 2 * 6 * 3) lost++;
    expect(lost).toBeGreaterThan(0);
  });
});

/** Readers' view while a writer replaces /data/cfg five times, by rename or by unlink + link. */
async function replaceWhileReading(seed: number, atomic: boolean): Promise<Set<string>> {
  const seen = new Set<string>();
  await quiet(seed).run(async (k) => {
    const fd = await k.open('/data/cfg', O_CREAT | O_WRONLY);
    await k.write(fd, 'version-0');
    await k.close(fd);
    const writer = await k.fork(async (c) => {
      for (let v = 1; v <= 5; v++) {
        const t = await c.open('/data/cfg.tmp', O_CREAT | O_WRONLY | O_TRUNC);
        await c.write(t, 'version-');
        await c.write(t, String(v));
        await c.close(t);
        if (atomic) await c.rename('/data/cfg.tmp', '/data/cfg');
        else {
          await c.unlink('/data/cfg');
          await c.link('/data/cfg.tmp', '/data/cfg');
          await c.unlink('/data/cfg.tmp');
        }
      }
    });
    const reader = await k.fork(async (c) => {
      for (let i = 0; i < 12; i++) {
        try {
          seen.add(await slurp(c, '/data/cfg'));
        } catch (e) {
          if (isErrno(e, 'ENOENT')) seen.add('ENOENT');
          else throw e;
        }
      }
    });
    await k.waitpid(writer);
    await k.waitpid(reader);
  });
  return seen;
}

describe('rename atomicity', () => {
  it('a reader opening the path sees the old or the new file, complete, never ENOENT', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      for (const s of await replaceWhileReading(seed, true)) expect(s).toMatch(/^version-[0-5]$/);
    }
  });

  it('unlink + link instead of rename lets a reader see ENOENT on some seed', async () => {
    let gaps = 0;
    for (let seed = 1; seed <= 20; seed++) if ((await replaceWhileReading(seed, false)).has('ENOENT')) gaps++;
    expect(gaps).toBeGreaterThan(0);
  });
});
