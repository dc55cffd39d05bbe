/**
 * The process timeline as SVG markup: one row per process in tree order, time running left to
 * right by trace position (many things happen in the same virtual millisecond), a bar for each
 * state (running, zombie), marks for exec/setpgid/setsid/orphaning, and signals as arrows from
 * sender to receiver. Colours are CSS variables so the page's light and dark themes apply.
 *
 * Returns a string so it can be tested in Node and inserted with one assignment.
 */
import { treeOrder, valueAt, type ProcessLife, type Timeline } from './model.ts';

const ROW_H = 30;
const LABEL_W = 210;
const BAR_H = 12;
const MIN_W = 780;
const STEP_W = 9; // pixels per trace record, before clamping to a sensible width
const MAX_W = 1100;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A stable colour index per process group, so members of one group share a colour. */
function groupColour(pgid: number, groups: number[]): string {
  const i = groups.indexOf(pgid);
  return `var(--pt-group-${(i < 0 ? 0 : i) % 6})`;
}

export function timelineSvg(timeline: Timeline, opts: { titleId: string; descId: string }): string {
  const rows = treeOrder(timeline);
  if (rows.length === 0) return '';
  const span = Math.max(1, timeline.end.seq - timeline.start.seq);
  const plotW = Math.min(MAX_W - LABEL_W, Math.max(MIN_W - LABEL_W, span * STEP_W));
  // Room on the right for the last labels ("killed by SIGKILL", "orphan → init").
  const width = LABEL_W + plotW + 130;
  const height = rows.length * ROW_H + 46;
  const x = (seq: number) => LABEL_W + ((seq - timeline.start.seq) / span) * plotW;
  const rowOf = new Map<ProcessLife, number>();
  rows.forEach((r, i) => rowOf.set(r.life, i));
  const y = (i: number) => 14 + i * ROW_H + ROW_H / 2;
  const rowForPid = (pid: number, seq: number): number | undefined => {
    // The process that had this pid at that moment.
    let best: number | undefined;
    rows.forEach((r, i) => {
      if (r.life.pid === pid && r.life.created.seq <= seq) best = i;
    });
    return best;
  };
  const groups = [...new Set(timeline.processes.flatMap((p) => p.pgids.map((g) => g.value)))].sort((a, b) => a - b);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="pt-svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${opts.titleId} ${opts.descId}">`,
    `<defs><pattern id="pt-zombie" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="var(--pt-zombie)"/></pattern>` +
      `<marker id="pt-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="var(--pt-signal)"/></marker></defs>`,
  );

  // Virtual-time ticks along the top: one wherever the clock moved.
  let lastTime = -1;
  let lastTickX = -100;
  for (const p of timeline.processes.flatMap((l) => [l.created, l.exited, l.reaped]).filter(Boolean).sort((a, b) => a!.seq - b!.seq)) {
    if (p!.timeMs === lastTime) continue;
    lastTime = p!.timeMs;
    const tx = x(p!.seq);
    if (tx - lastTickX < 40) continue;
    lastTickX = tx;
    out.push(`<text class="pt-tick" x="${tx}" y="10" text-anchor="middle">${p!.timeMs} ms</text>`);
  }

  rows.forEach(({ life, depth }, i) => {
    const cy = y(i);
    const program = life.programs[life.programs.length - 1]!.value;
    const label = `${'  '.repeat(depth)}${depth ? '└ ' : ''}${life.pid} ${program}`;
    out.push(`<text class="pt-label" x="6" y="${cy + 4}" xml:space="preserve">${esc(label)}</text>`);
    const endAlive = life.exited?.seq ?? timeline.end.seq;
    // Running: one segment per process-group period, coloured by group.
    const cuts = [life.created.seq, ...life.pgids.slice(1).map((g) => g.seq).filter((s) => s < endAlive), endAlive];
    for (let c = 0; c < cuts.length - 1; c++) {
      const from = cuts[c]!;
      const to = cuts[c + 1]!;
      const pgid = valueAt(life.pgids, from);
      const sid = valueAt(life.sids, from);
      out.push(
        `<rect class="pt-run" x="${x(from)}" y="${cy - BAR_H / 2}" width="${Math.max(2, x(to) - x(from))}" height="${BAR_H}" rx="3" fill="${groupColour(pgid, groups)}"><title>pid ${life.pid}: running in group ${pgid}, session ${sid}</title></rect>`,
      );
    }
    if (life.exited) {
      const to = life.reaped?.seq ?? timeline.end.seq;
      out.push(
        `<rect class="pt-zombie" x="${x(life.exited.seq)}" y="${cy - BAR_H / 2}" width="${Math.max(2, x(to) - x(life.exited.seq))}" height="${BAR_H}" fill="url(#pt-zombie)" stroke="var(--pt-zombie)"><title>pid ${life.pid}: ${esc(life.exited.status)}; zombie until ${life.reaped ? `reaped by ${life.reaped.by}` : 'the end of the run'}</title></rect>`,
      );
      out.push(`<text class="pt-note" x="${x(life.exited.seq) + 3}" y="${cy - BAR_H / 2 - 2}">${esc(life.exited.status)}</text>`);
    }
    for (const e of life.programs.slice(1)) {
      out.push(`<path class="pt-exec" d="M${x(e.seq)},${cy - 8} l5,8 l-5,8 l-5,-8 z"><title>execve ${esc(e.value)}</title></path>`);
    }
    for (const g of life.pgids.slice(1)) {
      out.push(`<text class="pt-note" x="${x(g.seq) + 3}" y="${cy + BAR_H / 2 + 10}">pgid ${g.value}</text>`);
    }
    for (const s of life.sids.slice(1)) {
      out.push(`<text class="pt-note" x="${x(s.seq) + 3}" y="${cy - BAR_H / 2 - 2}">setsid</text>`);
    }
    for (const o of life.orphaned) {
      // Windows never reparents: a Win32 process just outlives its creator.
      const text = timeline.win32 ? 'creator exited' : `orphan → ${o.to === 1 ? 'init' : o.to}`;
      out.push(`<text class="pt-orphan" x="${x(o.seq) + 3}" y="${cy + BAR_H / 2 + 10}">${text}</text>`);
    }
    for (const c of life.crashes) {
      out.push(`<text class="pt-crash" x="${x(c.seq)}" y="${cy + 4}" text-anchor="middle">✕<title>${esc(c.message)}</title></text>`);
    }
  });

  for (const s of timeline.signals) {
    const to = rowForPid(s.to, s.seq);
    if (to === undefined) continue;
    const from = s.from === 0 ? undefined : rowForPid(s.from, s.seq);
    const sx = x(s.seq);
    const ty = y(to);
    const fy = from === undefined ? ty - ROW_H / 2 + 2 : y(from);
    const tip = `${s.name} ${s.from === 0 ? 'from the kernel' : `from pid ${s.from}`} to pid ${s.to}${s.reason ? ` (${s.reason})` : ''}${s.outcome ? `: ${s.outcome}` : ''}`;
    const kind = s.from === 0 ? 'pt-signal pt-signal--kernel' : 'pt-signal';
    if (from === to) {
      out.push(`<circle class="${kind}" cx="${sx}" cy="${ty}" r="4"><title>${esc(tip)}</title></circle>`);
    } else {
      const dir = fy < ty ? 1 : -1;
      out.push(
        `<line class="${kind}" x1="${sx}" y1="${fy + dir * 6}" x2="${sx}" y2="${ty - dir * (BAR_H / 2 + 1)}" marker-end="url(#pt-arrow)"><title>${esc(tip)}</title></line>`,
      );
    }
    // A signal that killed its target already reads "killed by SIGx" on the bar: no second label.
    if (s.outcome !== 'terminated') {
      out.push(`<text class="pt-signame" x="${sx + 3}" y="${ty - BAR_H / 2 - 2}">${esc(s.name.replace(/^SIG/, ''))}</text>`);
    }
  }

  // Legend entries laid out left to right by the length of their labels (10px monospace ≈ 6px a character).
  const legend: [string, string][] = [
    ['<rect x="0" y="-8" width="14" height="8" rx="2" fill="var(--pt-group-0)"/>', 'running (colour = process group)'],
    ['<rect x="0" y="-8" width="14" height="8" fill="url(#pt-zombie)" stroke="var(--pt-zombie)"/>', 'zombie (exited, not yet reaped)'],
    ['<line x1="0" y1="-4" x2="14" y2="-4" class="pt-signal" marker-end="url(#pt-arrow)"/>', 'signal'],
    ['<path class="pt-exec" d="M7,-10 l4,6 l-4,6 l-4,-6 z"/>', 'execve'],
  ];
  let lx = 6;
  const items = legend.map(([mark, text]) => {
    const item = `<g transform="translate(${lx},0)">${mark}<text x="18" y="0">${text}</text></g>`;
    lx += 18 + text.length * 6 + 18;
    return item;
  });
  out.push(`<g class="pt-legend" transform="translate(0,${height - 12})">${items.join('')}</g>`);
  out.push('</svg>');
  return out.join('');
}
