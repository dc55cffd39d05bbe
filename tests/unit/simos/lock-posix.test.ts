import { describe, expect, it } from 'vitest';
import {
  Sim, F_GETLK, F_LOCK, F_RDLCK, F_SETLK, F_SETLKW, F_TEST, F_TLOCK, F_ULOCK, F_UNLCK, F_WRLCK, LOCK_EX, LOCK_NB,
  O_CLOEXEC, O_CREAT, O_RDONLY, O_RDWR, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET, SIGUSR1, SimulationError,
  type Flock, type Sys,
} from '../../../sandboxes/simos/index.ts';
import { outcome, runSim } from './lock-helpers.ts';

const P = '/tmp/records';
const WHOLE: Flock = { type: F_WRLCK, whence: SEEK_SET, start: 0, len: 0 };

/** Run `probe` in a child process and wait for it: what another process sees right now. */
async function inChild(k: Sys, probe: (c: Sys) => Promise<void>): Promise<void> {
  const pid = await k.fork(probe);
  await k.waitpid(pid);
}

describe('POSIX record locks: F_SETLK and F_GETLK', () => {
  it('a conflicting F_SETLK fails with EAGAIN; F_GETLK names the holder, or says F_UNLCK', async () => {
    const seen: unknown[] = [];
    let parent = 0;
    await runSim(async (k) => {
      parent = await k.getpid();
      const fd = await k.open(P, O_RDWR | O_CREAT);
      seen.push(await inChild(k, async (c) => void seen.push(await c.fcntl(fd, F_GETLK, { type: F_WRLCK }))));
      await k.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 10, len: 5 });
      await inChild(k, async (c) => {
        seen.push(await outcome(c.fcntl(fd, F_SETLK, { type: F_RDLCK, start: 12, len: 1 })));
        const asked: Flock = { type: F_RDLCK, start: 0, len: 0 };
        seen.push(await c.fcntl(fd, F_GETLK, asked), asked); // unlike C, `asked` stays as it was
        seen.push(await outcome(c.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 15, len: 5 }))); // just past it
      });
    });
    expect(seen).toEqual([
      { type: F_UNLCK, whence: SEEK_SET, start: 0, len: 0, pid: 0 },
      undefined,
      'EAGAIN',
      { type: F_WRLCK, whence: SEEK_SET, start: 10, len: 5, pid: parent },
      { type: F_RDLCK, start: 0, len: 0 },
      'ok',
    ]);
  });

  it('a process never conflicts with itself, even through two separate open()s (D2c)', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      const a = await k.open(P, O_RDWR | O_CREAT);
      const b = await k.open(P, O_RDWR);
      await k.fcntl(a, F_SETLK, WHOLE);
      seen.push(await outcome(k.fcntl(b, F_SETLK, WHOLE)));
      seen.push(String((await k.fcntl(b, F_GETLK, WHOLE)).type === F_UNLCK));
      // flock and fcntl locks ignore each other on a local filesystem.
      seen.push(await outcome(k.flock(b, LOCK_EX | LOCK_NB)));
      await inChild(k, async (c) => {
        const own = await c.open(P, O_RDWR);
        seen.push(await outcome(c.fcntl(own, F_SETLK, WHOLE))); // the parent's POSIX lock
        seen.push(await outcome(c.flock(own, LOCK_EX | LOCK_NB))); // the parent's flock via b
      });
    });
    expect(seen).toEqual(['ok', 'true', 'ok', 'EAGAIN', 'EAGAIN']);
  });

  it('locks of one owner split and merge; others see the result through F_GETLK', async () => {
    const seen: unknown[] = [];
    const probe = (fd: number, type: number, start: number) => async (c: Sys) => {
      const r = await c.fcntl(fd, F_GETLK, { type, start, len: 1 });
      seen.push(r.type === F_UNLCK ? 'free' : `${r.type === F_WRLCK ? 'W' : 'R'} ${r.start}+${r.len}`);
    };
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.fcntl(fd, F_SETLK, { type: F_RDLCK, start: 0, len: 100 });
      await k.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 40, len: 20 }); // splits the read lock in three
      await inChild(k, probe(fd, F_WRLCK, 0));
      await inChild(k, probe(fd, F_RDLCK, 45));
      await inChild(k, probe(fd, F_WRLCK, 70));
      await k.fcntl(fd, F_SETLK, { type: F_UNLCK, start: 50, len: 20 });
      await inChild(k, probe(fd, F_WRLCK, 55));
      await inChild(k, probe(fd, F_WRLCK, 70));
      await k.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 60, len: 10 }); // adjacent to 40..59? no: 40..49 remains
      await k.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 50, len: 10 }); // now 40..69 is one write lock
      await inChild(k, probe(fd, F_RDLCK, 69));
    });
    expect(seen).toEqual(['R 0+40', 'W 40+20', 'R 60+40', 'free', 'R 70+30', 'W 40+30']);
  });

  it('l_whence SEEK_CUR and SEEK_END, and a negative l_len', async () => {
    const seen: unknown[] = [];
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.write(fd, new Uint8Array(100));
      await k.lseek(fd, 50, SEEK_SET);
      await k.fcntl(fd, F_SETLK, { type: F_WRLCK, whence: SEEK_CUR, start: 0, len: 5 });
      await k.fcntl(fd, F_SETLK, { type: F_WRLCK, whence: SEEK_END, start: -10, len: 0 });
      await k.fcntl(fd, F_SETLK, { type: F_WRLCK, whence: SEEK_SET, start: 20, len: -5 });
      await inChild(k, async (c) => {
        for (const start of [15, 19, 20, 50, 54, 55, 90, 5000]) {
          const r = await c.fcntl(fd, F_GETLK, { type: F_RDLCK, start, len: 1 });
          seen.push(r.type === F_UNLCK ? `${start}: free` : `${start}: ${r.start}+${r.len}`);
        }
      });
    });
    expect(seen).toEqual(['15: 15+5', '19: 15+5', '20: free', '50: 50+5', '54: 50+5', '55: free', '90: 90+0', '5000: 90+0']);
  });

  it('argument errors: EBADF for an access mode that does not fit the lock type, EINVAL for bad fields', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      await k.close(await k.open(P, O_RDWR | O_CREAT));
      const ro = await k.open(P, O_RDONLY);
      const wo = await k.open(P, O_WRONLY);
      seen.push(await outcome(k.fcntl(ro, F_SETLK, { type: F_WRLCK })));
      seen.push(await outcome(k.fcntl(wo, F_SETLK, { type: F_RDLCK })));
      seen.push(await outcome(k.fcntl(ro, F_SETLK, { type: F_RDLCK })));
      seen.push(await outcome(k.fcntl(wo, F_SETLK, { type: F_UNLCK })));
      seen.push(await outcome(k.fcntl(ro, F_GETLK, { type: F_WRLCK }))); // GETLK checks no mode
      seen.push(await outcome(k.fcntl(ro, F_GETLK, { type: F_UNLCK })));
      seen.push(await outcome(k.fcntl(ro, F_SETLK, { type: 7 })));
      seen.push(await outcome(k.fcntl(ro, F_SETLK, { type: F_RDLCK, whence: 3 })));
      seen.push(await outcome(k.fcntl(ro, F_SETLK, { type: F_RDLCK, start: -1 })));
      seen.push(await outcome(k.fcntl(ro, F_SETLK, { type: F_RDLCK, start: 2, len: -3 })));
      seen.push(await outcome(k.fcntl(ro, F_SETLK, null as unknown as Flock)));
      seen.push(await outcome(k.fcntl(ro, F_SETLK, { type: F_RDLCK, start: 1.5 })));
      const [r] = await k.pipe();
      seen.push(await outcome(k.fcntl(r!, F_SETLK, { type: F_RDLCK })));
    });
    expect(seen).toEqual(['EBADF', 'EBADF', 'ok', 'ok', 'ok', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL']);
  });
});

describe('POSIX record locks: owned by the process', () => {
  it('closing ANY fd of the file drops the lock, even one never locked through (D2b, lockf)', async () => {
    for (const closeOther of [false, true]) {
      let child = '';
      await runSim(async (k) => {
        const fd1 = await k.open(P, O_RDWR | O_CREAT);
        const fd2 = await k.open(P, O_RDWR);
        await k.lockf(fd1, F_LOCK, 0);
        if (closeOther) await k.close(fd2);
        await inChild(k, async (c) => void (child = await outcome(c.lockf(fd1, F_TLOCK, 0))));
      });
      expect(child).toBe(closeOther ? 'ok' : 'EAGAIN');
    }
  });

  it('dup2 over an fd of the file drops them too; threads of the process share them', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      const twin = await k.open(P, O_RDONLY);
      await k.fcntl(fd, F_SETLK, WHOLE);
      const tid = await k.thread(async (t) => {
        seen.push(`thread: ${await outcome(t.fcntl(fd, F_SETLK, WHOLE))}`); // same owner: no conflict
      });
      await k.join(tid);
      await inChild(k, async (c) => void seen.push(`before dup2: ${await outcome(c.fcntl(fd, F_SETLK, WHOLE))}`));
      await k.dup2(1, twin); // closes `twin`, an fd of the locked file
      await inChild(k, async (c) => void seen.push(`after dup2: ${await outcome(c.fcntl(fd, F_SETLK, WHOLE))}`));
    });
    expect(seen).toEqual(['thread: ok', 'before dup2: EAGAIN', 'after dup2: ok']);
  });

  it('fork does not inherit POSIX locks, and the child closing its copies does not drop the parent\'s', async () => {
    const seen: unknown[] = [];
    let parent = 0;
    await runSim(async (k) => {
      parent = await k.getpid();
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.fcntl(fd, F_SETLK, WHOLE);
      await inChild(k, async (c) => {
        seen.push(await outcome(c.fcntl(fd, F_SETLK, WHOLE)));
        seen.push((await c.fcntl(fd, F_GETLK, WHOLE)).pid);
        await c.close(fd);
      });
      await inChild(k, async (c) => void seen.push(await outcome(c.fcntl(fd, F_SETLK, WHOLE))));
    });
    expect(seen).toEqual(['EAGAIN', parent, 'EAGAIN']);
  });

  it('execve keeps them, unless exec closes a close-on-exec fd of the same file', async () => {
    for (const cloexecTwin of [false, true]) {
      let after = '';
      const probe = async (k: Sys, argv: string[]) => {
        const fd = Number(argv[1]);
        await inChild(k, async (c) => void (after = await outcome(c.fcntl(fd, F_SETLK, WHOLE))));
      };
      await runSim(async (k) => {
        const fd = await k.open(P, O_RDWR | O_CREAT);
        if (cloexecTwin) await k.open(P, O_RDONLY | O_CLOEXEC);
        await k.fcntl(fd, F_SETLK, WHOLE);
        await k.execve('probe', ['probe', String(fd)]);
      }, { register: { probe } });
      expect(after).toBe(cloexecTwin ? 'ok' : 'EAGAIN');
    }
  });

  it('a process that exits releases its locks', async () => {
    let later = '';
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      const holder = await k.fork(async (c) => {
        const own = await c.open(P, O_RDWR);
        await c.fcntl(own, F_SETLK, WHOLE);
        await c.sleep(50);
      });
      await k.sleep(10);
      const during = await outcome(k.fcntl(fd, F_SETLK, WHOLE));
      await k.waitpid(holder);
      later = `${during} then ${await outcome(k.fcntl(fd, F_SETLK, WHOLE))}`;
    });
    expect(later).toBe('EAGAIN then ok');
  });
});

describe('POSIX record locks: F_SETLKW', () => {
  it('waits until the range is free', async () => {
    let at = -1;
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 0, len: 10 });
      const child = await k.fork(async (c) => {
        await c.fcntl(fd, F_SETLKW, { type: F_WRLCK, start: 5, len: 1 });
        at = await c.now();
      });
      await k.sleep(30);
      await k.fcntl(fd, F_SETLK, { type: F_UNLCK, start: 0, len: 5 }); // not the byte it waits for
      await k.sleep(30);
      await k.fcntl(fd, F_SETLK, { type: F_UNLCK, start: 5, len: 5 });
      await k.waitpid(child);
    });
    expect(at).toBe(60);
  });

  it('fails with EDEADLK when waiting would close a cycle between two processes', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 0, len: 1 });
      const child = await k.fork(async (c) => {
        await c.fcntl(fd, F_SETLK, { type: F_WRLCK, start: 1, len: 1 });
        await c.sleep(20); // the parent is blocked on byte 1 by now
        try {
          await c.fcntl(fd, F_SETLKW, { type: F_WRLCK, start: 0, len: 1 });
          seen.push('child got byte 0');
        } catch (e) {
          seen.push((e as Error).message);
        }
        await c.fcntl(fd, F_SETLK, { type: F_UNLCK, start: 1, len: 1 });
      });
      await k.sleep(10);
      await k.fcntl(fd, F_SETLKW, { type: F_WRLCK, start: 1, len: 1 });
      seen.push('parent got byte 1');
      await k.waitpid(child);
    });
    expect(seen).toEqual([expect.stringMatching(/^fcntl: EDEADLK .*pid 3 waits for pid 2 waits for pid 3/), 'parent got byte 1']);
  });

  it('lockf(F_LOCK) takes part in deadlock detection too, and F_TEST reports other holders with EACCES', async () => {
    const seen: string[] = [];
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.lockf(fd, F_LOCK, 1); // byte 0 (offset 0, len 1)
      seen.push(await outcome(k.lockf(fd, F_TEST, 1))); // our own lock: 0
      const child = await k.fork(async (c) => {
        const own = await c.open(P, O_RDWR);
        await c.lseek(own, 1, SEEK_SET);
        await c.lockf(own, F_LOCK, 1); // byte 1
        await c.lseek(own, 0, SEEK_SET);
        seen.push(await outcome(c.lockf(own, F_TEST, 1)));
        seen.push(await outcome(c.lockf(own, F_TLOCK, 1)));
        await c.sleep(20);
        seen.push(await outcome(c.lockf(own, F_LOCK, 1)));
        await c.lseek(own, 1, SEEK_SET);
        await c.lockf(own, F_ULOCK, 1);
      });
      await k.sleep(10);
      await k.lseek(fd, 1, SEEK_SET);
      seen.push(await outcome(k.lockf(fd, F_LOCK, 1)));
      await k.waitpid(child);
    });
    expect(seen).toEqual(['ok', 'EACCES', 'EAGAIN', 'EDEADLK', 'ok']);
  });

  it('the wait is in the deadlock report, and a signal handler interrupts it with EINTR', async () => {
    const sim = new Sim({ seed: 3, console: () => {} });
    const run = sim.run(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.fcntl(fd, F_SETLK, WHOLE);
      await k.waitpid(await k.fork(async (c) => void (await c.fcntl(fd, F_SETLKW, { type: F_RDLCK, start: 3, len: 4 }))));
    });
    await expect(run).rejects.toBeInstanceOf(SimulationError);
    await expect(run).rejects.toThrow(/pid 3 \(main\): in fcntl\(\), waiting for fcntl\(\/tmp\/records, F_SETLKW, F_RDLCK 3\.\.6\) — held by pid 2/);

    let result = '';
    await runSim(async (k) => {
      const fd = await k.open(P, O_RDWR | O_CREAT);
      await k.fcntl(fd, F_SETLK, WHOLE);
      const child = await k.fork(async (c) => {
        await c.sigaction(SIGUSR1, () => {});
        result = await outcome(c.fcntl(fd, F_SETLKW, WHOLE));
      });
      await k.sleep(10);
      await k.kill(child, SIGUSR1);
      await k.waitpid(child);
    });
    expect(result).toBe('EINTR');
  });
});
