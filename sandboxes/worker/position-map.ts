/**
 * Maps a position in the code we actually run back to the learner's TypeScript.
 *
 * Two steps moved it: sucrase rewrote the TypeScript (same lines, shifted columns, described by
 * its source map), then the loop guards were spliced in (same lines, more columns, recorded as
 * insertions). Lines never move, so both steps are per-line column shifts, undone here in reverse.
 * All columns are 0-based inside this module; callers convert at the edges.
 */

/** One sucrase mapping: generated column -> source column, on the same line. */
interface Segment {
  generatedColumn: number;
  sourceColumn: number;
}

/** Text spliced into the transpiled code: `length` characters before its column `at`. */
export interface Insertion {
  line: number; // 0-based
  at: number; // 0-based column in sucrase's output
  length: number;
}

export class PositionMap {
  private readonly segmentsByLine: Segment[][];
  private readonly insertionsByLine = new Map<number, Insertion[]>();

  constructor(sourceMapMappings: string, insertions: Insertion[] = []) {
    this.segmentsByLine = decodeMappings(sourceMapMappings);
    for (const insertion of insertions) {
      const onLine = this.insertionsByLine.get(insertion.line) ?? [];
      onLine.push(insertion);
      this.insertionsByLine.set(insertion.line, onLine);
    }
    for (const onLine of this.insertionsByLine.values()) onLine.sort((a, b) => a.at - b.at);
  }

  /** Source column of a column in sucrase's output (before loop guards were spliced in). */
  sourceColumnOfTranspiled(line: number, column: number): number {
    const segments = this.segmentsByLine[line];
    if (!segments || segments.length === 0) return column;
    let index = -1;
    while (index + 1 < segments.length && segments[index + 1]!.generatedColumn <= column) index++;
    if (index < 0) return segments[0]!.sourceColumn;
    const segment = segments[index]!;
    const next = segments[index + 1];
    const sourceColumn = segment.sourceColumn + (column - segment.generatedColumn);
    // Past the end of a rewritten token (`step(` became `_step.step.call(`) the offset means
    // nothing in the source: point at the token itself.
    if (next && next.sourceColumn > segment.sourceColumn && sourceColumn >= next.sourceColumn) {
      return segment.sourceColumn;
    }
    return sourceColumn;
  }

  /** Source column of a column in the code that ran (with loop guards). */
  sourceColumnOfRun(line: number, column: number): number {
    return this.sourceColumnOfTranspiled(line, this.transpiledColumnOfRun(line, column));
  }

  private transpiledColumnOfRun(line: number, column: number): number {
    const insertions = this.insertionsByLine.get(line);
    if (!insertions) return column;
    let shift = 0;
    for (const insertion of insertions) {
      const startInRun = insertion.at + shift;
      if (column < startInRun) break;
      // A position inside guard text belongs to the learner's token right after it.
      if (column < startInRun + insertion.length) return insertion.at;
      shift += insertion.length;
    }
    return column - shift;
  }
}

/** Decodes the `mappings` field of a source map v3 (base64 VLQ) into per-line segments. */
function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let sourceColumn = 0;
  for (const lineText of mappings.split(';')) {
    const segments: Segment[] = [];
    let generatedColumn = 0;
    for (const segmentText of lineText.split(',')) {
      if (segmentText === '') continue;
      const fields = decodeVlqFields(segmentText);
      generatedColumn += fields[0] ?? 0;
      // Fields 1-3 are source index, source line, source column; sucrase keeps lines, so only
      // the column matters. Segments with one field map to nothing.
      if (fields.length >= 4) {
        sourceColumn += fields[3]!;
        segments.push({ generatedColumn, sourceColumn });
      }
    }
    lines.push(segments);
  }
  return lines;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeVlqFields(text: string): number[] {
  const fields: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      const negative = value & 1;
      value >>>= 1;
      fields.push(negative ? -value : value);
      value = 0;
      shift = 0;
    }
  }
  return fields;
}
