/**
 * Rewrites engine stack traces into the learner's terms: only frames from exercise files, each
 * at its `file:line:column` in the TypeScript the learner wrote. Frames of the runner, chai,
 * simos and the engine are dropped: they are noise to someone debugging their own function.
 * Understands V8 (`at fn (url:1:2)`) and Firefox/Safari (`fn@url:1:2`) frames.
 */
import type { SourcePosition } from '../protocol.ts';
import { EXERCISE_URL_PREFIX } from './module-loader.ts';
import type { PositionMap } from './position-map.ts';

export interface MappedFrame extends SourcePosition {
  /** The function's name, when the engine gave a useful one. */
  name?: string;
}

const LOCATION = new RegExp(`${escapeRegExp(EXERCISE_URL_PREFIX)}([^\\s():]+):(\\d+):(\\d+)`);
const V8_NAME = /^\s*at (?:async )?(.*?) \(/;
const GECKO_NAME = /^\s*([^@\s]*)@/;
const UNNAMED = new Set(['', 'eval', 'anonymous', '<anonymous>', 'Object.<anonymous>']);

export class StackMapper {
  private readonly positions: ReadonlyMap<string, PositionMap>;
  private readonly lineOffset: number;

  /** @param lineOffset lines the engine reports before a module's first line */
  constructor(positions: ReadonlyMap<string, PositionMap>, lineOffset: number) {
    this.positions = positions;
    this.lineOffset = lineOffset;
  }

  /** The exercise frames of a stack, outermost last, mapped to source positions. */
  frames(stack: string | undefined): MappedFrame[] {
    const frames: MappedFrame[] = [];
    for (const line of (stack ?? '').split('\n')) {
      const match = LOCATION.exec(line);
      if (!match) continue;
      const [, file, runLine, runColumn] = match as unknown as [string, string, string, string];
      const positions = this.positions.get(file);
      if (!positions) continue;
      const line0 = Number(runLine) - this.lineOffset - 1;
      if (line0 < 0) continue; // our wrapper's own lines
      const column = positions.sourceColumnOfRun(line0, Number(runColumn) - 1) + 1;
      const rawName = (V8_NAME.exec(line) ?? GECKO_NAME.exec(line))?.[1] ?? '';
      const frame: MappedFrame = { file, line: line0 + 1, column };
      if (!UNNAMED.has(rawName)) frame.name = rawName;
      frames.push(frame);
    }
    return frames;
  }

  /** Frames as Node prints them: `    at name (file:line:column)`, one a line. */
  format(frames: readonly MappedFrame[]): string {
    return frames
      .map(({ name, file, line, column }) => {
        const where = `${file}:${line}:${column}`;
        return name ? `    at ${name} (${where})` : `    at ${where}`;
      })
      .join('\n');
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
