import type { Sys } from 'simos';

let appended = 0;

/**
 * Append one encoded log record to the log open on `fd` (O_WRONLY | O_APPEND) and return only
 * once it is durable. Any failure is thrown to the caller, who must not acknowledge the record
 * and must treat the log as needing recovery.
 */
export async function durableAppend(k: Sys, fd: number, rec: Uint8Array): Promise<void> {
  await k.write(fd, rec);
  // fdatasync is expensive: sync every 4th record, which also covers the 3 before it.
  appended++;
  if (appended % 4 === 0) await k.fdatasync(fd);
}
