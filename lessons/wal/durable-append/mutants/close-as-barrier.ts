import type { Sys } from 'simos';

/**
 * Append one encoded log record to the log open on `fd` (O_WRONLY | O_APPEND) and return only
 * once it is durable. Any failure is thrown to the caller, who must not acknowledge the record
 * and must treat the log as needing recovery.
 */
export async function durableAppend(k: Sys, fd: number, rec: Uint8Array): Promise<void> {
  // Write through a duplicate and close it: close(2) flushes what was written through it.
  const dup = await k.dup(fd);
  await k.write(dup, rec);
  await k.close(dup);
}
