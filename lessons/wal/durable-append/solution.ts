import type { Sys } from 'simos';

/**
 * Append one encoded log record to the log open on `fd` (O_WRONLY | O_APPEND) and return only
 * once it is durable. Any failure is thrown to the caller, who must not acknowledge the record
 * and must treat the log as needing recovery.
 */
export async function durableAppend(k: Sys, fd: number, rec: Uint8Array): Promise<void> {
  // One write: with O_APPEND the kernel places the whole record at the end of the file, even
  // with other writers on the same log.
  const n = await k.write(fd, rec);
  if (n !== rec.length) throw new Error(`short write to the log: ${n} of ${rec.length} bytes (disk full?)`);
  // fdatasync(2) flushes the data and the new file size, which is all an append needs. If it
  // fails with EIO, do not call it again: Linux may have marked the failed pages clean, so a
  // second call can succeed without writing them (PostgreSQL PANICs here for that reason).
  await k.fdatasync(fd);
}
