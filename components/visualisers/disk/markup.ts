/**
 * The disk view as HTML strings: the file table with a bar per file (durable bytes solid, bytes
 * only in the page cache hatched), the version pointer, each log's records marked durable or
 * page-cache-only, and the crash-point panel the slider switches. Colours are CSS variables
 * (disk.css) so light and dark themes apply. Strings, so they are tested in Node.
 */
import { describeContent, formatSize, type CrashFileView, type DiskView, type FileRow, type PointView } from './model.ts';
import { pointText, rowState, stretchText } from './text.ts';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The enumerator's description (`power cut after #5 write …`) as a sentence. */
const sentence = (s: string) => `${s.replace(/(^|\. )([a-z])/g, (_, lead: string, c: string) => lead + c.toUpperCase())}${s.endsWith('.') ? '' : '.'}`;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const BAR_W = 160;
const BAR_H = 12;
const MAX_RECORDS_SHOWN = 120;

/** A file's bytes to scale: durable and in the cache (solid), differing (hatched), or on disk only (faded). */
export function barSvg(row: FileRow, maxSize: number, patternId: string): string {
  const scale = BAR_W / Math.max(1, maxSize);
  const cache = row.cache?.size ?? 0;
  const durable = row.durable?.size ?? 0;
  const size = Math.max(cache, durable);
  const w = (n: number) => Math.max(n > 0 ? 1.5 : 0, n * scale).toFixed(1);
  const parts: string[] = [];
  const kind = row.state === 'removed' ? 'dk-seg dk-seg--removed' : 'dk-seg dk-seg--durable';
  if (row.state !== 'new' && size > 0) parts.push(`<rect class="${kind}" x="0" y="0" width="${w(durable)}" height="${BAR_H}"/>`);
  if (row.state === 'new') {
    if (cache > 0) parts.push(`<rect class="dk-seg dk-seg--dirty" x="0" y="0" width="${w(cache)}" height="${BAR_H}" fill="url(#${patternId})"/>`);
  } else {
    for (const [s, e] of row.dirty) {
      parts.push(`<rect class="dk-seg dk-seg--dirty" x="${(s * scale).toFixed(1)}" y="0" width="${w(e - s)}" height="${BAR_H}" fill="url(#${patternId})"/>`);
    }
  }
  const label =
    row.state === 'new'
      ? `${cache} bytes, only in the page cache`
      : row.state === 'removed'
        ? `${durable} bytes on the disk, name removed in the page cache`
        : row.dirtyBytes
          ? `${cache} bytes in the page cache, ${durable} on the disk, ${row.dirtyBytes} not yet synced`
          : `${durable} bytes, all on the disk`;
  return (
    `<svg class="dk-bar" viewBox="0 0 ${BAR_W + 2} ${BAR_H + 2}" width="${BAR_W + 2}" height="${BAR_H + 2}" role="img" aria-label="${esc(label)}">` +
    `<g transform="translate(1,1)"><rect class="dk-bar-frame" x="0" y="0" width="${(size * scale).toFixed(1)}" height="${BAR_H}"/>${parts.join('')}</g></svg>`
  );
}

/** The hatch pattern the bars use; one per figure so ids stay unique. */
export function patternDefs(patternId: string): string {
  return (
    `<svg class="dk-defs" width="0" height="0" aria-hidden="true" focusable="false"><defs>` +
    `<pattern id="${patternId}" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
    `<rect class="dk-hatch-bg" width="5" height="5"/><rect class="dk-hatch" width="2.5" height="5"/></pattern></defs></svg>`
  );
}

const STATE_WORDS: Record<FileRow['state'], string> = {
  synced: 'synced',
  unsynced: 'not yet synced',
  new: 'page cache only',
  removed: 'removed, not yet durable',
};

function sizeCell(n: number | undefined): string {
  return n === undefined ? '<td class="dk-none">—</td>' : `<td>${formatSize(n)}</td>`;
}

/** The table of files: name, size on disk and in the page cache, bar, what it holds. */
export function filesTable(view: DiskView, patternId: string): string {
  if (view.rows.length === 0) return `<p class="dk-empty">Nothing under <code>${esc(view.dir)}</code>.</p>`;
  const rows = view.rows.map((row) => {
    const size = row.cache?.size ?? row.durable?.size ?? 0;
    const holds = describeContent(row.content, size);
    const durableHolds = row.durableContent ? `<div class="dk-durable-holds">on the disk: ${esc(describeContent(row.durableContent, row.durable!.size))}</div>` : '';
    const tag = row.current ? ' <span class="dk-tag dk-tag--current">current</span>' : '';
    return (
      `<tr class="dk-row dk-row--${row.state}"><th scope="row"><code>${esc(row.name)}${row.type === 'dir' ? '/' : ''}</code>${tag}` +
      `<div class="dk-state">${STATE_WORDS[row.state]}</div></th>` +
      `${sizeCell(row.durable?.size)}${sizeCell(row.cache?.size)}` +
      `<td>${row.type ? '' : barSvg(row, view.maxSize, patternId)}</td>` +
      `<td class="dk-holds" title="${esc(rowState(row))}">${esc(holds)}${durableHolds}</td></tr>`
    );
  });
  return (
    `<table class="dk-files"><thead><tr><th scope="col">Name</th><th scope="col">On disk</th><th scope="col">Page cache</th>` +
    `<th scope="col"><span class="dk-key dk-key--durable"></span>durable <span class="dk-key dk-key--dirty"></span>unsynced</th>` +
    `<th scope="col">Holds</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

export function versionLine(view: DiskView): string {
  const v = view.version;
  if (!v) return '';
  const current = view.rows.filter((r) => r.current).map((r) => `<code>${esc(r.name)}</code>`);
  return (
    `<p class="dk-version">Version pointer <code>${esc(v.name)}</code> = <strong>${esc(JSON.stringify(v.text))}</strong>` +
    (v.generation !== undefined ? `: generation ${v.generation} is current${current.length ? ` (${current.join(', ')})` : ''}.` : '.') +
    `</p>`
  );
}

const DURABILITY_WORDS = { durable: 'durable', cache: 'page cache only' } as const;

/** Each file holding records, as a list: offsets, payload, durable or not, and any damage. */
export function recordLists(view: DiskView): string {
  const out: string[] = [];
  for (const row of view.rows) {
    if (row.content.kind !== 'records' || row.type) continue;
    const log = row.content.log;
    const items: { at: number; html: string }[] = row.records.map((r) => ({
      at: r.offset,
      html:
        `<li class="dk-rec dk-rec--${r.durability}${r.afterDamage ? ' dk-rec--after-damage' : ''}">` +
        `<span class="dk-rec-at">#${r.index} · ${r.offset}–${r.end}</span> <code class="dk-rec-payload">${esc(r.preview)}</code> ` +
        `<span class="dk-rec-state">${DURABILITY_WORDS[r.durability]}${r.afterDamage ? ', after damage' : ''}</span></li>`,
    }));
    for (const d of log.damage) {
      const words =
        d.kind === 'torn'
          ? `${d.end - d.start} bytes of an unfinished append: a recoverer drops them`
          : d.kind === 'corrupt'
            ? `${d.end - d.start} damaged bytes with valid records after them: mid-log corruption`
            : `bytes ${d.start}–${d.end} not carried by the report`;
      items.push({ at: d.start, html: `<li class="dk-rec dk-rec--${d.kind}"><span class="dk-rec-at">${d.start}–${d.end}</span> ${esc(words)}</li>` });
    }
    items.sort((a, b) => a.at - b.at);
    const more = items.length - MAX_RECORDS_SHOWN;
    const list = items.slice(0, MAX_RECORDS_SHOWN).map((i) => i.html).join('') + (more > 0 ? `<li class="dk-rec dk-rec--more">… and ${more} more</li>` : '');
    const open = /log/i.test(row.name) && row.state !== 'removed' ? ' open' : '';
    out.push(
      `<details class="dk-log"${open}><summary><code>${esc(row.name)}</code>: ${esc(describeContent(row.content, row.cache?.size ?? row.durable?.size ?? 0))}</summary>` +
        (items.length ? `<ol class="dk-records">${list}</ol>` : '') +
        `</details>`,
    );
  }
  return out.join('');
}

function crashFilesTable(files: readonly CrashFileView[], dir: string): string {
  if (files.length === 0) return `<p class="dk-empty">Nothing under <code>${esc(dir)}</code>.</p>`;
  return (
    `<table class="dk-files dk-files--crash"><thead><tr><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Recovery reads</th></tr></thead><tbody>` +
    files
      .map(
        (f) =>
          `<tr class="dk-crow${f.current ? ' dk-crow--current' : ''}"><th scope="row"><code>${esc(f.name)}${f.type === 'dir' ? '/' : ''}</code>` +
          `${f.current ? ' <span class="dk-tag dk-tag--current">current</span>' : ''}</th><td>${f.type ? '' : formatSize(f.size)}</td>` +
          `<td>${esc(describeContent(f.content, f.size))}</td></tr>`,
      )
      .join('') +
    `</tbody></table>`
  );
}

/** The detail under the slider for one crash point: the surviving files and a few other possible disks. */
export function pointPanel(view: DiskView, index: number): string {
  const p: PointView = view.points[index]!;
  const meta = `${p.barrier ? '<span class="dk-tag dk-tag--sync">sync</span> ' : ''}${p.op > 0 ? `${p.timeMs} ms, pid ${p.pid}` : ''}`;
  const stretch = stretchText(view, index);
  const examples = p.examples.length
    ? `<ul class="dk-examples">${p.examples
        .map((e) => `<li><p class="dk-example-what">${esc(sentence(e.description))}</p><p class="dk-sees">Recovery sees: ${esc(e.sees)}</p></li>`)
        .join('')}</ul>`
    : '';
  return (
    `<p class="dk-point-meta">${meta}</p>` +
    `<p class="dk-point-head">If only what was synced survives:</p>${crashFilesTable(p.files, view.dir)}` +
    (stretch ? `<p class="dk-stretch">${esc(stretch)}${p.examples.length ? ' Some of them:' : ''}</p>${examples}` : '')
  );
}

/** The slider and its panels; `index.ts` wires the input. */
export function crashControls(view: DiskView, id: string, start: number): string {
  if (view.points.length === 0) return '';
  if (view.points.length === 1) {
    // Nothing to slide over: the run wrote nothing, so every cut leaves the disk it booted on.
    return (
      `<section class="dk-crash" aria-labelledby="${id}-crash-title"><h5 class="dk-crash-title" id="${id}-crash-title">Power cut at any point</h5>` +
      `<p class="dk-crash-intro">The run issued no disk operation: a power cut at any moment leaves the disk it started with.</p>` +
      `<div class="dk-point-panel" id="${id}-panel">${pointPanel(view, 0)}</div></section>`
    );
  }
  const last = view.points.length - 1;
  const ticks = view.points.map((p, i) => (p.barrier || i === 0 || i === last ? `<option value="${i}"></option>` : '')).join('');
  const p = view.points[start]!;
  const note = view.crashStates && !view.crashStates.complete ? ' (counting stopped early)' : '';
  return (
    `<section class="dk-crash" aria-labelledby="${id}-crash-title">` +
    `<h5 class="dk-crash-title" id="${id}-crash-title">Power cut at any point</h5>` +
    `<p class="dk-crash-intro">${plural(view.ops ?? 0, 'disk operation')} ${view.ops === 1 ? 'was' : 'were'} recorded` +
    (view.crashStates ? `; a power cut could leave ${plural(view.crashStates.distinct, 'distinct disk')}${note}` : '') +
    `. Move the slider to choose when the power fails.</p>` +
    `<label class="dk-slider-label" for="${id}-slider">Crash point</label>` +
    `<input class="dk-slider" id="${id}-slider" type="range" min="0" max="${last}" step="1" value="${start}" list="${id}-ticks" aria-valuetext="${esc(p.label)}">` +
    `<datalist id="${id}-ticks">${ticks}</datalist>` +
    `<p class="dk-point-now" id="${id}-now" aria-live="polite">${esc(pointText(p))}</p>` +
    `<div class="dk-point-panel" id="${id}-panel">${pointPanel(view, start)}</div></section>`
  );
}

/** The caption: what this snapshot is and the one thing to notice. */
export function caption(view: DiskView): string {
  const unsynced = view.rows.filter((r) => r.state !== 'synced' && !r.type);
  const bytes = unsynced.reduce((n, r) => n + (r.state === 'new' ? (r.cache?.size ?? 0) : r.dirtyBytes), 0);
  return (
    `Files under ${view.dir} at the end of “${view.label}”: ${plural(view.rows.filter((r) => !r.type).length, 'file')}` +
    (unsynced.length ? `; ${unsynced.length} ${unsynced.length === 1 ? 'differs' : 'differ'} from the disk (${formatSize(bytes)} only in the page cache).` : '; page cache and disk agree.')
  );
}

/** Everything but the slider's behaviour, as one string. */
export function diskMarkup(view: DiskView, id: string, start = view.points.length - 1): string {
  const pattern = `${id}-hatch`;
  return (
    `${patternDefs(pattern)}` +
    (view.error ? `<p class="dk-error">The disk report is incomplete: ${esc(view.error)}</p>` : '') +
    `<div class="dk-scroll">${filesTable(view, pattern)}</div>${versionLine(view)}${recordLists(view)}` +
    crashControls(view, id, Math.max(0, start)) +
    (view.notes.length ? `<ul class="dk-notes">${view.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '')
  );
}
