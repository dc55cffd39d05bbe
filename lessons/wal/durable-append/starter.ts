import type { Sys } from 'simos';

/**
 * Append one encoded log record to the log open on `fd` (O_WRONLY | O_APPEND) and return only
 * once it is durable. Decide what to do when something fails.
 */
export async function durableAppend(k: Sys, fd: number, rec: Uint8Array): Promise<void> {
  await k.write(fd, rec);
}
