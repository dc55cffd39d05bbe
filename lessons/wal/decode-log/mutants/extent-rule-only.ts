// Mutant (known wrong, see meta.json): calls damage a torn tail only if the damaged record's declared extent reaches end of file; bytes after a torn record become 'corruption' and a huge length mid-log becomes a torn tail.
/**
 * A decoder for the log format in prompt.md.
 *
 * A log is records laid end to end from offset 0, each
 *   [length: u32 LE][crc: u32 LE = CRC-32(length bytes ++ payload)][payload: length bytes].
 * Decoding walks records until one fails its check. What comes after that point decides what
 * the damage means: if no valid record starts anywhere later, the damage is the tail of an
 * append that never finished (drop it); if one does, acknowledged data sits behind damaged
 * bytes, and quietly truncating would lose it (report it).
 */

/** What a log decodes to when it holds no mid-log corruption. */
export interface DecodeResult {
  /** The payloads of the valid records, in log order. */
  records: Uint8Array[];
  /** How many bytes from offset 0 hold whole valid records: where a recoverer truncates. */
  validBytes: number;
  /** 'clean': every byte belongs to a valid record. 'torn': the bytes after validBytes were dropped. */
  tail: 'clean' | 'torn';
}

/** Thrown when a damaged record is followed by at least one valid record. */
export class LogCorruptionError extends Error {
  /** Byte offset where the first damaged record starts. */
  readonly offset: number;

  constructor(offset: number, message: string) {
    super(message);
    this.name = 'LogCorruptionError';
    this.offset = offset;
  }
}

const CRC_TABLE = crcTable();

function crcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC-32 (IEEE 802.3, the one zlib and gzip use) of the chunks laid end to end. */
export function crc32(...chunks: Uint8Array[]): number {
  let crc = 0xffffffff;
  for (const chunk of chunks) {
    for (const byte of chunk) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const HEADER_BYTES = 8;

/** Decodes a whole log; throws LogCorruptionError if damage is followed by valid records. */
export function decodeLog(bytes: Uint8Array): DecodeResult {
  const records: Uint8Array[] = [];
  let offset = 0;
  for (;;) {
    const length = validRecordAt(bytes, offset);
    if (length === undefined) break;
    records.push(bytes.slice(offset + HEADER_BYTES, offset + HEADER_BYTES + length));
    offset += HEADER_BYTES + length;
  }
  if (offset === bytes.length) return { records, validBytes: offset, tail: 'clean' };

  // A damaged record that reaches the end of the file is the unfinished append; one that ends
  // before it has data behind it.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reachesEnd = offset + HEADER_BYTES > bytes.length || offset + HEADER_BYTES + view.getUint32(offset, true) >= bytes.length;
  if (!reachesEnd) {
    throw new LogCorruptionError(offset, `log corrupt at offset ${offset}: a damaged record ends before end of file`);
  }
  return { records, validBytes: offset, tail: 'torn' };
}

/** The payload length of the valid record starting at `offset`, or undefined if none does. */
function validRecordAt(bytes: Uint8Array, offset: number): number | undefined {
  if (offset + HEADER_BYTES > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(offset, true);
  const end = offset + HEADER_BYTES + length;
  if (end > bytes.length) return undefined;
  const stored = view.getUint32(offset + 4, true);
  const actual = crc32(bytes.subarray(offset, offset + 4), bytes.subarray(offset + HEADER_BYTES, end));
  return actual === stored ? length : undefined;
}
