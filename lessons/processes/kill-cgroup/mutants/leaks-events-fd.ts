import { O_RDONLY, O_WRONLY, POLLPRI, type Sys } from 'simos';

/** Write `text` to the file at `path` in one write(2), as `echo text > path` does. */
export async function writeFile(k: Sys, path: string, text: string): Promise<void> {
  const fd = await k.open(path, O_WRONLY);
  try {
    await k.write(fd, text);
  } finally {
    await k.close(fd);
  }
}

/** The whole contents of the file at `path`, as `cat path` prints them. */
export async function readFile(k: Sys, path: string): Promise<string> {
  const fd = await k.open(path, O_RDONLY);
  try {
    let text = '';
    for (;;) {
      const chunk = await k.read(fd, 4096);
      if (chunk.length === 0) return text;
      text += new TextDecoder().decode(chunk);
    }
  } finally {
    await k.close(fd);
  }
}

/**
 * SIGKILL every process in the cgroup whose directory is `path` (under /sys/fs/cgroup) and in
 * all of its descendant cgroups, and return once cgroup.events says "populated 0".
 */
export async function killCgroup(k: Sys, path: string): Promise<void> {
  // Bug: never closes the cgroup.events descriptor.
  const events = await k.open(`${path}/cgroup.events`, O_RDONLY);
  await writeFile(k, `${path}/cgroup.kill`, '1');
  while (/populated 1/.test(new TextDecoder().decode(await k.pread(events, 4096, 0)))) {
    await k.poll([{ fd: events, events: POLLPRI }], -1);
  }
}
