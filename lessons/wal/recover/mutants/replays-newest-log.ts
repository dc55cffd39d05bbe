import { O_APPEND, O_RDONLY, O_RDWR, type Sys } from 'simos';

// ---------------------------------------------------------------- provided
// The pieces of the earlier exercises: the record format and decodeLog (decode-log), the snapshot
// format and loadCheckpoint (checkpoint). An update record's payload is the JSON of [key, value].

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

/** What decodeLog returns when the log holds no mid-log corruption (the decode-log exercise). */
export interface DecodeResult {
  /** The payloads of the valid records, in log order. */
  records: Uint8Array[];
  /** How many bytes from offset 0 hold whole valid records. */
  validBytes: number;
  /** 'clean': every byte belongs to a valid record. 'torn': the bytes after validBytes are an unfinished append. */
  tail: 'clean' | 'torn';
}

/** Thrown when a damaged record is followed by at least one valid record: acknowledged data sits behind damage. */
export class LogCorruptionError extends Error {
  readonly offset: number;
  constructor(offset: number, message: string) {
    super(message);
    this.name = 'LogCorruptionError';
    this.offset = offset;
  }
}

/** The decode-log exercise's decoder: records up to the first damage, and what the damage means. */
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
      throw new LogCorruptionError(offset, `log corrupt at offset ${offset}: the record there fails its check, but a valid record starts at offset ${later}`);
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

/** The [key, value] an update record's payload holds. */
export function decodeUpdate(payload: Uint8Array): [string, string] {
  return JSON.parse(new TextDecoder().decode(payload)) as [string, string];
}

/** The checkpoint exercise's startup step: the generation Version_Number names, and its snapshot's state. */
export async function loadCheckpoint(k: Sys, dir: string): Promise<{ generation: number; state: Map<string, string> }> {
  const text = new TextDecoder().decode(await readWholeFile(k, `${dir}/Version_Number`));
  if (!/^[0-9]+$/.test(text)) throw new Error(`${dir}/Version_Number holds ${JSON.stringify(text)}, not a generation number`);
  const generation = Number(text);
  const state = decodeSnapshot(await readWholeFile(k, `${dir}/Snapshot.${generation}`), `Snapshot.${generation}`);
  return { generation, state };
}

// ---------------------------------------------------------------- recovery

export interface Recovered {
  generation: number;
  /** The snapshot with every whole record of the log applied. */
  state: Map<string, string>;
  /** Logfile.<generation>, open for appending: the next record goes right after the last whole one. */
  log: number;
}

/**
 * Startup: the current generation's snapshot, then its log replayed up to the first incomplete
 * record, which is cut off so that appends continue from a record boundary. Mid-log corruption
 * stops recovery with LogCorruptionError and leaves every file as it was. Safe to run again after
 * a crash at any point: the only change it makes is removing bytes no record owns.
 */
export async function recover(k: Sys, dir: string): Promise<Recovered> {
  const { generation, state } = await loadCheckpoint(k, dir);
  // Only this generation's log: Logfile.N holds exactly the updates made after Snapshot.N was
  // written, so replaying it once over that snapshot is exactly-once, with no sequence numbers.
  // The newest log holds the latest updates.
  const logs = (await k.readdir(dir)).filter((n) => /^Logfile\.[0-9]+$/.test(n)).map((n) => Number(n.slice('Logfile.'.length)));
  const log = await k.open(`${dir}/Logfile.${Math.max(...logs)}`, O_RDWR | O_APPEND);
  try {
    const bytes = await readFrom(k, log);
    const { records, validBytes, tail } = decodeLog(bytes);
    for (const payload of records) {
      const [key, value] = decodeUpdate(payload);
      state.set(key, value);
    }
    if (tail === 'torn') {
      // Cut at the last whole record, not at the end of the file: an append behind the garbage
      // would be unreachable on the next start. O_APPEND then writes at the new end.
      await k.ftruncate(log, validBytes);
      await k.fsync(log);
    }
    return { generation, state, log };
  } catch (e) {
    await k.close(log);
    throw e;
  }
}

/** The whole file behind `fd`, read with pread so the descriptor's offset does not matter. */
async function readFrom(k: Sys, fd: number): Promise<Uint8Array> {
  const size = (await k.fstat(fd)).st_size;
  const out = new Uint8Array(size);
  let at = 0;
  while (at < size) {
    const chunk = await k.pread(fd, size - at, at);
    if (chunk.length === 0) break;
    out.set(chunk, at);
    at += chunk.length;
  }
  return out.subarray(0, at);
}
