import { O_APPEND, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, type Sys } from 'simos';

// ---------------------------------------------------------------- provided: file formats
// A snapshot file is one record of the log format ([length u32 LE][CRC-32 of length ++ payload]
// [payload]) whose payload is the JSON text of the state's [key, value] pairs, sorted by key.

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

// ---------------------------------------------------------------- checkpoint and startup

/** Create or replace `path` holding `data`, and make its contents durable (its name is not, yet). */
async function writeDurably(k: Sys, path: string, data: Uint8Array | string): Promise<void> {
  const fd = await k.open(path, O_WRONLY | O_CREAT | O_TRUNC);
  try {
    await k.write(fd, data);
    await k.fsync(fd);
  } finally {
    await k.close(fd);
  }
}

/** fsync(2) of a directory makes the creates, renames and unlinks in it durable. */
async function syncDirectory(k: Sys, dir: string): Promise<void> {
  const fd = await k.open(dir, O_RDONLY);
  try {
    await k.fsync(fd);
  } finally {
    await k.close(fd);
  }
}

/**
 * Write `state` as generation N+1 and make it the current one; returns N+1. The commit point is
 * the rename of Version_Number once the directory fsync has made it durable: a crash before it
 * leaves generation N current and whole, a crash after it generation N+1.
 */
export async function checkpoint(k: Sys, dir: string, state: ReadonlyMap<string, string>): Promise<number> {
  const current = (await loadCheckpoint(k, dir)).generation;
  const next = current + 1;
  // 1. The new snapshot, durable before anything can point at it.
  // The directory fsync below makes the snapshot's name durable; its data was written already.
  const snap = await k.open(`${dir}/Snapshot.${next}`, O_WRONLY | O_CREAT | O_TRUNC);
  await k.write(snap, encodeSnapshot(state));
  await k.close(snap);
  // 2. The new generation's (empty) log, so that it exists once the generation is current.
  const log = await k.open(`${dir}/Logfile.${next}`, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);
  await k.fsync(log);
  await k.close(log);
  // 3. Publish the number: a new file whose contents are durable, renamed over the old one
  //    (atomic for anyone looking), then the directory fsync that makes the rename and the two
  //    new names durable. This is the commit point.
  await writeDurably(k, `${dir}/Version_Number.tmp`, String(next));
  await k.rename(`${dir}/Version_Number.tmp`, `${dir}/Version_Number`);
  await syncDirectory(k, dir);
  // 4. Generation N is garbage now. If a crash loses these unlinks, nothing ever reads the files.
  await k.unlink(`${dir}/Snapshot.${current}`);
  await k.unlink(`${dir}/Logfile.${current}`);
  return next;
}

/** At startup: the generation Version_Number names, and the state in its snapshot. */
export async function loadCheckpoint(k: Sys, dir: string): Promise<{ generation: number; state: Map<string, string> }> {
  const text = new TextDecoder().decode(await readWholeFile(k, `${dir}/Version_Number`));
  if (!/^[0-9]+$/.test(text)) throw new Error(`${dir}/Version_Number holds ${JSON.stringify(text)}, not a generation number`);
  const generation = Number(text);
  const state = decodeSnapshot(await readWholeFile(k, `${dir}/Snapshot.${generation}`), `Snapshot.${generation}`);
  return { generation, state };
}
