// Mutant (known wrong, see meta.json): accepts a length that runs past end of file and returns the bytes that are there as a short final record.
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
    if (offset + HEADER_BYTES <= bytes.length) {
      const declared = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
      if (offset + HEADER_BYTES + declared > bytes.length) {
        // The crash cut the last append short: keep the part of it that reached the disk.
        records.push(bytes.slice(offset + HEADER_BYTES));
        return { records, validBytes: bytes.length, tail: 'torn' };
      }
    }
    const length = validRecordAt(bytes, offset);
    if (length === undefined) break;
    records.push(bytes.slice(offset + HEADER_BYTES, offset + HEADER_BYTES + length));
    offset += HEADER_BYTES + length;
  }
  if (offset === bytes.length) return { records, validBytes: offset, tail: 'clean' };

  // The damaged record's length is exactly the field we cannot trust, so a record that
  // follows it could start at any later byte, not only where that length points.
  for (let later = offset + 1; later + HEADER_BYTES <= bytes.length; later++) {
    if (validRecordAt(bytes, later) !== undefined) {
      throw new LogCorruptionError(
        offset,
        `log corrupt at offset ${offset}: the record there fails its check, but a valid record ` +
          `starts at offset ${later}, so acknowledged data follows the damage`,
      );
    }
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
