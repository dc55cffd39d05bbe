/**
 * Splices loop-guard calls (see loop-guard.ts) into transpiled JavaScript.
 *
 * It works on tokens from sucrase's own tokenizer, so a `while(` inside a string, a comment, a
 * template or a regular expression is never touched, and keywords used as property names
 * (`o.while`, `{ for: 1 }`) come out as plain names. Every edit goes inside a loop head's
 * parentheses, so no statement is ever split and no line break is ever added: learner lines keep
 * their numbers, and the columns each edit shifts are returned as insertions for PositionMap.
 */
import { parse } from 'sucrase/dist/esm/parser/index.js';
import { ContextualKeyword } from 'sucrase/dist/esm/parser/tokenizer/keywords.js';
import { TokenType as tt } from 'sucrase/dist/esm/parser/tokenizer/types.js';
import { ITERABLE_GUARD, LOOP_GUARD } from './loop-guard.ts';
import type { Insertion } from './position-map.ts';

type Token = ReturnType<typeof parse>['tokens'][number];

export interface GuardedCode {
  code: string;
  /** Where the text was spliced, in coordinates of the code before splicing. */
  insertions: Insertion[];
  /** Where each guarded loop's keyword is in the code before splicing (0-based), by site number. */
  sites: Array<{ line: number; column: number }>;
}

interface Edit {
  offset: number;
  text: string;
}

const OPENERS = new Set<number>([tt.parenL, tt.bracketL, tt.braceL, tt.dollarBraceL, tt.braceBarL]);
const CLOSERS = new Set<number>([tt.parenR, tt.bracketR, tt.braceR, tt.braceBarR]);
/** Tokens that can end the left-hand side of a `for…of` (so a following `of` is the keyword). */
const ENDS_BINDING = new Set<number>([tt.name, tt.bracketR, tt.braceR, tt.parenR]);

/** Adds guards to every `while`, `do…while`, `for(;;)` and `for…of` loop in `code` (plain JS). */
export function insertLoopGuards(code: string): GuardedCode {
  const { tokens } = parse(code, false, false, false);
  const edits: Edit[] = [];
  const siteOffsets: number[] = [];
  const addSite = (keyword: Token) => siteOffsets.push(keyword.start) - 1;

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === tt._while) {
      const open = i + 1;
      if (tokens[open]?.type !== tt.parenL) continue;
      const close = matchingClose(tokens, open);
      const site = addSite(token);
      edits.push({ offset: tokens[open]!.end, text: `${LOOP_GUARD}(${site})&&(` });
      edits.push({ offset: tokens[close]!.start, text: ')' });
    } else if (token.type === tt._for) {
      let open = i + 1;
      if (tokens[open]?.contextualKeyword === ContextualKeyword._await) open++;
      if (tokens[open]?.type !== tt.parenL) continue;
      guardForHead(tokens, token, open, matchingClose(tokens, open), addSite, edits);
    }
  }
  return applyEdits(code, edits, siteOffsets);
}

function guardForHead(
  tokens: Token[],
  keyword: Token,
  open: number,
  close: number,
  addSite: (keyword: Token) => number,
  edits: Edit[],
): void {
  const topLevel = topLevelTokens(tokens, open, close);
  const semis = topLevel.filter((index) => tokens[index]!.type === tt.semi);
  if (semis.length === 2) {
    const [first, second] = semis as [number, number];
    const site = addSite(keyword);
    if (second === first + 1) {
      edits.push({ offset: tokens[first]!.end, text: `${LOOP_GUARD}(${site})` });
    } else {
      edits.push({ offset: tokens[first]!.end, text: `${LOOP_GUARD}(${site})&&(` });
      edits.push({ offset: tokens[second]!.start, text: ')' });
    }
    return;
  }
  // for…in walks a finite set of keys, so only for…of needs a guard.
  if (topLevel.some((index) => tokens[index]!.type === tt._in)) return;
  const of = topLevel.find(
    (index) =>
      tokens[index]!.type === tt.name &&
      tokens[index]!.contextualKeyword === ContextualKeyword._of &&
      ENDS_BINDING.has(tokens[index - 1]!.type),
  );
  if (of === undefined) return;
  const site = addSite(keyword);
  // The leading space keeps `of` from gluing onto the guard's name.
  edits.push({ offset: tokens[of]!.end, text: ` ${ITERABLE_GUARD}(${site},` });
  edits.push({ offset: tokens[close]!.start, text: ')' });
}

/** Index of the token that closes the bracket opened at `open`. */
function matchingClose(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const type = tokens[i]!.type;
    if (OPENERS.has(type)) depth++;
    else if (CLOSERS.has(type) && --depth === 0) return i;
  }
  throw new Error('Unbalanced brackets in transpiled code');
}

/** Indexes of tokens directly inside the brackets at `open`…`close`, not nested deeper. */
function topLevelTokens(tokens: Token[], open: number, close: number): number[] {
  const indexes: number[] = [];
  let depth = 0;
  for (let i = open + 1; i < close; i++) {
    const type = tokens[i]!.type;
    if (depth === 0 && !OPENERS.has(type)) indexes.push(i);
    if (OPENERS.has(type)) depth++;
    else if (CLOSERS.has(type)) depth--;
  }
  return indexes;
}

function applyEdits(code: string, edits: Edit[], siteOffsets: number[]): GuardedCode {
  edits.sort((a, b) => a.offset - b.offset);
  const lineStarts = [0];
  for (let i = 0; i < code.length; i++) if (code.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const positionOf = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low, column: offset - lineStarts[low]! };
  };

  let out = '';
  let copied = 0;
  const insertions: Insertion[] = [];
  for (const edit of edits) {
    out += code.slice(copied, edit.offset) + edit.text;
    copied = edit.offset;
    const { line, column } = positionOf(edit.offset);
    insertions.push({ line, at: column, length: edit.text.length });
  }
  out += code.slice(copied);
  return { code: out, insertions, sites: siteOffsets.map(positionOf) };
}
