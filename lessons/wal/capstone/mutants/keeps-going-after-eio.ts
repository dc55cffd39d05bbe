/**
 * A small database after Birrell, Jones and Wobber: the whole state lives in memory, every update
 * is appended to a log and made durable before it is acknowledged, and a checkpoint now and then
 * writes the whole state as a new generation. Opening the database IS recovery.
 *
 * Files in `dir`, generation N:
 *   Version_Number   decimal N: the current generation (published with tmp + rename + dir fsync)
 *   Snapshot.N       the state when generation N began
 *   Logfile.N        the updates since then, one record each
 */
import { O_APPEND, O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, type Sys } from 'simos';


// ---------------------------------------------------------------- provided: file formats
// Log records: [length u32 LE][CRC-32 of length ++ payload, u32 LE][payload]. An update's payload
// is the JSON text of [key, value]; a snapshot file is one record whose payload is the JSON text
// of the state's [key, value] pairs, sorted by key.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE, as zlib and gzip) of the chunks laid end to end. */
export function crc32(...chunks: Uint8Array[]): number {
  let crc = 0xffffffff;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) crc = CRC_TABLE[(crc ^ chunk[i]!) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** The bytes of a snapshot file holding `state`. */
export function encodeSnapshot(state: ReadonlyMap<string, string>): Uint8Array {
  const pairs = [...state].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const payload = new TextEncoder().encode(JSON.stringify(pairs));
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  out.set(payload, 8);
  view.setUint32(4, crc32(out.subarray(0, 4), payload), true);
  return out;
}

/** The state in a snapshot file; throws if the file is not exactly one whole, valid record. */
export function decodeSnapshot(bytes: Uint8Array, name: string): Map<string, string> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = bytes.length >= 8 ? view.getUint32(0, true) : -1;
  if (length < 0 || 8 + length !== bytes.length || crc32(bytes.subarray(0, 4), bytes.subarray(8)) !== view.getUint32(4, true)) {
    throw new Error(`${name} is damaged (${bytes.length} bytes): it does not hold exactly one whole record`);
  }
  return new Map(JSON.parse(new TextDecoder().decode(bytes.subarray(8))) as [string, string][]);
}

/** The whole contents of the file at `path`. */
export async function readWholeFile(k: Sys, path: string): Promise<Uint8Array> {
  const fd = await k.open(path, O_RDONLY);
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = await k.read(fd, 65536);
      if (chunk.length === 0) break;
      chunks.push(chunk);
      total += chunk.length;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  } finally {
    await k.close(fd);
  }
}

/** The log record of one update, ready to append with one write. */
export function encodeUpdate(key: string, value: string): Uint8Array {
  const payload = new TextEncoder().encode(JSON.stringify([key, value]));
  const out = new Uint8Array(8 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  out.set(payload, 8);
  view.setUint32(4, crc32(out.subarray(0, 4), payload), true);
  return out;
}

/** The [key, value] an update record's payload holds. */
export function decodeUpdate(payload: Uint8Array): [string, string] {
  return JSON.parse(new TextDecoder().decode(payload)) as [string, string];
}

// ---------------------------------------------------------------- yours: decodeLog (the decode-log exercise)

export interface DecodeResult {
  records: Uint8Array[];
  validBytes: number;
  tail: 'clean' | 'torn';
}

export class LogCorruptionError extends Error {
  readonly offset: number;
  constructor(offset: number, message: string) {
    super(message);
    this.name = 'LogCorruptionError';
    this.offset = offset;
  }
}

export function decodeLog(bytes: Uint8Array): DecodeResult {
  const records: Uint8Array[] = [];
  let offset = 0;
  for (;;) {
    const length = validRecordAt(bytes, offset);
    if (length === undefined) break;
    records.push(bytes.slice(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  if (offset === bytes.length) return { records, validBytes: offset, tail: 'clean' };
  for (let later = offset + 1; later + 8 <= bytes.length; later++) {
    if (validRecordAt(bytes, later) !== undefined) {
      throw new LogCorruptionError(offset, `log corrupt at offset ${offset}: a valid record follows at ${later}`);
    }
  }
  return { records, validBytes: offset, tail: 'torn' };
}

function validRecordAt(bytes: Uint8Array, offset: number): number | undefined {
  if (offset + 8 > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(offset, true);
  const end = offset + 8 + length;
  if (end > bytes.length) return undefined;
  const ok = crc32(bytes.subarray(offset, offset + 4), bytes.subarray(offset + 8, end)) === view.getUint32(offset + 4, true);
  return ok ? length : undefined;
}

// ---------------------------------------------------------------- yours: the database

/** Create (or replace) `path` with `data` and make its contents durable. Its name is not durable yet. */
async function writeDurably(k: Sys, path: string, data: Uint8Array | string): Promise<void> {
  const fd = await k.open(path, O_WRONLY | O_CREAT | O_TRUNC);
  try {
    await k.write(fd, data);
    await k.fsync(fd);
  } finally {
    await k.close(fd);
  }
}

/** fsync(2) on a directory persists the names created, removed and renamed in it. */
async function syncDir(k: Sys, dir: string): Promise<void> {
  const fd = await k.open(dir, O_RDONLY);
  try {
    await k.fsync(fd);
  } finally {
    await k.close(fd);
  }
}

async function readVersion(k: Sys, dir: string): Promise<number> {
  const text = new TextDecoder().decode(await readWholeFile(k, `${dir}/Version_Number`));
  if (!/^[0-9]+$/.test(text)) throw new Error(`${dir}/Version_Number holds ${JSON.stringify(text)}, not a generation number`);
  return Number(text);
}

export class Database {
  #k: Sys;
  #dir: string;
  #generation: number;
  #state: Map<string, string>;
  #log: number;
  /** Set when a log write or sync failed: the log on disk is in an unknown state until recovery. */
  #failed: unknown = null;

  private constructor(k: Sys, dir: string, generation: number, state: Map<string, string>, log: number) {
    this.#k = k;
    this.#dir = dir;
    this.#generation = generation;
    this.#state = state;
    this.#log = log;
  }

  /**
   * Recovery, which is also the only way to start: load the current generation's snapshot, replay
   * its log up to the first incomplete record, and cut the log there so appends continue from a
   * clean end. Running it again after a crash in the middle gives the same result.
   */
  static async open(k: Sys, dir: string): Promise<Database> {
    const generation = await readVersion(k, dir);
    const state = decodeSnapshot(await readWholeFile(k, `${dir}/Snapshot.${generation}`), `Snapshot.${generation}`);
    const logPath = `${dir}/Logfile.${generation}`;
    // Mid-log damage throws LogCorruptionError here, and the file is left as it was.
    const { records, validBytes, tail } = decodeLog(await readWholeFile(k, logPath));
    for (const payload of records) {
      const [key, value] = decodeUpdate(payload);
      state.set(key, value);
    }
    const log = await k.open(logPath, O_RDWR | O_APPEND);
    if (tail === 'torn') {
      // Cut off the append that never finished, so the next record starts at a record boundary.
      await k.ftruncate(log, validBytes);
      await k.fsync(log);
    }
    return new Database(k, dir, generation, state, log);
  }

  get(key: string): string | undefined {
    return this.#state.get(key);
  }

  /** A copy of the whole state. */
  entries(): Map<string, string> {
    return new Map(this.#state);
  }

  get generation(): number {
    return this.#generation;
  }

  /** Durable when it returns; visible to get() only then. After a failed write or sync, every update fails. */
  async update(key: string, value: string): Promise<void> {
    this.#checkUsable();
    try {
      await this.#k.write(this.#log, encodeUpdate(key, value));
      // After an EIO Linux may mark the failed pages clean, so a retried fsync can "succeed" with
      // the record lost. Never retry; the log needs recovery.
      await this.#k.fdatasync(this.#log);
    } catch (e) {
      throw e; // this update failed; the next one may succeed
    }
    this.#state.set(key, value);
  }

  /**
   * Write the state as generation N+1 and make it current. The rename of Version_Number, made
   * durable by the directory fsync, is the commit point: a crash before it recovers generation N,
   * a crash after it generation N+1.
   */
  async checkpoint(): Promise<void> {
    this.#checkUsable();
    const k = this.#k;
    const dir = this.#dir;
    const next = this.#generation + 1;
    try {
      await writeDurably(k, `${dir}/Snapshot.${next}`, encodeSnapshot(this.#state));
      const log = await k.open(`${dir}/Logfile.${next}`, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);
      await k.fsync(log);
      await writeDurably(k, `${dir}/Version_Number.tmp`, String(next));
      await k.rename(`${dir}/Version_Number.tmp`, `${dir}/Version_Number`);
      await syncDir(k, dir);
      // Committed. Generation N is garbage now; if its removal is lost in a crash, nothing reads it.
      await k.close(this.#log);
      this.#log = log;
      this.#generation = next;
    } catch (e) {
      this.#failed = e;
      throw e;
    }
    await k.unlink(`${dir}/Snapshot.${next - 1}`);
    await k.unlink(`${dir}/Logfile.${next - 1}`);
  }

  #checkUsable(): void {
    if (this.#failed !== null) {
      throw new Error(`the database needs recovery: an earlier write to its log failed (${String(this.#failed)}); reopen it`);
    }
  }
}
