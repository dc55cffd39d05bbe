/**
 * The disk view in words: what a sighted reader gets from the table, the bars, the record lists
 * and the crash slider, one sentence each, for the text alternative and the slider's live region.
 */
import { describeContent, formatSize, type DiskView, type FileRow, type PointView } from './model.ts';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function ranges(rs: readonly [number, number][]): string {
  const shown = rs.slice(0, 4).map(([s, e]) => `${s}–${e}`);
  return `${rs.length > 4 ? `${shown.join(', ')} and ${rs.length - 4} more` : shown.join(', ')}`;
}

/** Where a file stands between page cache and disk, in words. */
export function rowState(row: FileRow): string {
  const cache = row.cache?.size ?? 0;
  const durable = row.durable?.size ?? 0;
  switch (row.state) {
    case 'synced':
      return `${formatSize(cache)}, all of it on the disk`;
    case 'new':
      return `${formatSize(cache)} in the page cache only: its name has not reached the disk`;
    case 'removed':
      return `removed in the page cache, but still on the disk (${formatSize(durable)}): the removal is not yet durable`;
    case 'unsynced':
      return `${formatSize(cache)} in the page cache, ${formatSize(durable)} on the disk; ${plural(row.dirtyBytes, 'byte')} not yet synced (bytes ${ranges(row.dirty)})`;
  }
}

function recordsSentence(row: FileRow): string {
  if (row.records.length === 0) return '';
  const durable = row.records.filter((r) => r.durability === 'durable').length;
  const cache = row.records.length - durable;
  if (cache === 0) return ' Every record is on the disk.';
  const which = row.records.filter((r) => r.durability === 'cache').map((r) => `#${r.index}`);
  return (
    ` ${durable} of its ${plural(row.records.length, 'record')} ${durable === 1 ? 'is' : 'are'} on the disk; ` +
    `${cache === 1 ? 'record' : 'records'} ${which.length > 6 ? `${which.slice(0, 6).join(', ')} and ${which.length - 6} more` : which.join(', ')} ${cache === 1 ? 'is' : 'are'} only in the page cache.`
  );
}

export function rowText(row: FileRow): string {
  if (row.type === 'dir') return `${row.name}/ is a directory.`;
  if (row.type === 'symlink') return `${row.name} is a symbolic link.`;
  const size = row.cache?.size ?? row.durable?.size ?? 0;
  let text = `${row.name}${row.current ? ' (current generation)' : ''}: ${rowState(row)}. It holds ${describeContent(row.content, size)}.`;
  if (row.durableContent) text += ` The disk's copy holds ${describeContent(row.durableContent, row.durable!.size)}.`;
  return text + recordsSentence(row);
}

/** The sentence the slider announces for `point`. */
export function pointText(point: PointView): string {
  return `Power cut ${point.label}. Recovery sees: ${point.sees}.`;
}

/** The stretch of operations a point's `possible` count covers. */
export function stretchText(view: DiskView, index: number): string {
  const point = view.points[index]!;
  if (point.possible === 0 || point.op === 0) return '';
  const from = index === 0 ? 1 : view.points[index - 1]!.op + 1;
  const where = from === point.op ? `at op ${point.op}` : `from op ${from} to op ${point.op}`;
  return `${plural(point.possible, 'disk')} ${point.possible === 1 ? 'becomes' : 'become'} possible for a power cut ${where} (the whole machine counted).`;
}

/** The whole view as sentences. */
export function diskText(view: DiskView): string[] {
  const out: string[] = [];
  if (view.error) out.push(`The disk report could not be completed: ${view.error}.`);
  const files = view.rows.filter((r) => !r.type);
  const unsynced = view.rows.filter((r) => r.state !== 'synced');
  out.push(
    view.rows.length === 0
      ? `Nothing is under ${view.dir}.`
      : `Under ${view.dir} at the end of “${view.label}”: ${plural(files.length, 'file')}${view.rows.length > files.length ? ` and ${view.rows.length - files.length} other name(s)` : ''}; ` +
          (unsynced.length ? `${plural(unsynced.length, 'name')} differ${unsynced.length === 1 ? 's' : ''} between the page cache and the disk.` : 'the page cache and the disk agree.'),
  );
  if (view.version) {
    out.push(
      view.version.generation === undefined
        ? `${view.version.name} holds ${JSON.stringify(view.version.text)}.`
        : `${view.version.name} holds ${JSON.stringify(view.version.text)}: generation ${view.version.generation} is current.`,
    );
  }
  for (const row of view.rows) out.push(rowText(row));
  if (view.points.length) {
    out.push(
      `${plural(view.ops ?? 0, 'disk operation')} ${view.ops === 1 ? 'was' : 'were'} recorded; ${plural(view.points.length, 'crash point')} ${view.points.length === 1 ? 'is' : 'are'} shown` +
        (view.crashStates ? `, out of ${plural(view.crashStates.distinct, 'distinct disk')} a power cut could leave${view.crashStates.complete ? '' : ' (counting stopped early)'}.` : '.'),
    );
    view.points.forEach((p, i) => {
      let s = pointText(p);
      const stretch = stretchText(view, i);
      if (stretch) s += ` ${stretch}`;
      for (const e of p.examples) s += ` For example, ${e.description}: recovery sees ${e.sees}.`;
      out.push(s);
    });
  }
  for (const note of view.notes) out.push(`Note: ${note}.`);
  return out;
}
