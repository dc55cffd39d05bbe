import { describe, expect, it } from 'vitest';
import { Sim, F_GETFD, F_SETFD, FD_CLOEXEC } from '../../../sandboxes/simos/index.ts';

describe('descriptors', () => {
  it('dup takes the lowest free fd; close frees it; bad fds are EBADF', async () => {
    const out: string[] = [];
    const sim = new Sim({ console: (_p, _s, t) => out.push(t) });
    await sim.run(async (k) => {
      expect(await k.dup(1)).toBe(3);
      await k.close(0);
      expect(await k.dup(1)).toBe(0);
      await k.write(3, 'hello\n');
      await expect(k.close(-1)).rejects.toMatchObject({ code: 'EBADF' });
      await expect(k.close(99)).rejects.toMatchObject({ code: 'EBADF' });
      await expect(k.write(1, 5 as any)).rejects.toMatchObject({ code: 'EINVAL' });
      await k.fcntl(3, F_SETFD, FD_CLOEXEC);
      expect(await k.fcntl(3, F_GETFD)).toBe(FD_CLOEXEC);
    });
    expect(out).toEqual(['hello']);
  });
});
