/**
 * The disk view of an exercise run. Importing this module registers it with the exercise island;
 * it draws the disk snapshots a test sent with `reportDisk` (simos/testing): the files of the
 * database directory, page cache versus disk, the log's records, the version pointer, and a
 * slider over crash points saying what recovery would find. Runs without a snapshot (every
 * process-module exercise) leave it hidden.
 */
import { registerVisualiser, type TraceEvent } from '../../exercise/visualisers.ts';
import { buildDiskView, diskSnapshots, type DiskRecord } from './model.ts';
import { caption, diskMarkup, pointPanel } from './markup.ts';
import { diskText, pointText } from './text.ts';
import './disk.css';

let instance = 0;

function draw(host: HTMLElement, label: string, record: DiskRecord): void {
  const view = buildDiskView(label, record);
  const id = `dk-${++instance}`;
  const doc = host.ownerDocument;
  const figure = doc.createElement('figure');
  figure.className = 'dk-figure';
  const cap = doc.createElement('figcaption');
  cap.textContent = caption(view);
  const body = doc.createElement('div');
  body.innerHTML = diskMarkup(view, id);
  const details = doc.createElement('details');
  details.className = 'dk-text';
  const summary = doc.createElement('summary');
  summary.textContent = 'Describe the disk in words';
  const list = doc.createElement('ol');
  for (const sentence of diskText(view)) {
    const item = doc.createElement('li');
    item.textContent = sentence;
    list.append(item);
  }
  details.append(summary, list);
  figure.append(cap, body, details);
  host.replaceChildren(figure);

  const slider = body.querySelector<HTMLInputElement>(`#${id}-slider`);
  const now = body.querySelector<HTMLElement>(`#${id}-now`);
  const panel = body.querySelector<HTMLElement>(`#${id}-panel`);
  if (!slider || !now || !panel) return;
  let shown = Number(slider.value);
  slider.addEventListener('input', () => {
    const index = Math.min(view.points.length - 1, Math.max(0, Number(slider.value) || 0));
    if (index === shown) return;
    shown = index;
    const point = view.points[index]!;
    slider.setAttribute('aria-valuetext', point.label);
    now.textContent = pointText(point);
    panel.innerHTML = pointPanel(view, index);
  });
}

/** Renders into `host`; returns false when no trace carries a disk snapshot. */
export function renderDisk(host: HTMLElement, traces: TraceEvent[]): boolean {
  const snapshots = diskSnapshots(traces);
  if (snapshots.length === 0) return false;
  const doc = host.ownerDocument;
  const frame = doc.createElement('div');
  frame.className = 'dk';
  const heading = doc.createElement('h4');
  heading.className = 'dk-heading';
  heading.textContent = 'Disk: page cache and what survives a power cut';
  const stage = doc.createElement('div');
  frame.append(heading);
  if (snapshots.length > 1) {
    const label = doc.createElement('label');
    label.className = 'dk-pick';
    label.textContent = 'Report: ';
    const select = doc.createElement('select');
    snapshots.forEach((s, i) => select.append(new Option(s.label, String(i))));
    select.value = String(snapshots.length - 1);
    select.addEventListener('change', () => {
      const s = snapshots[Number(select.value)]!;
      draw(stage, s.label, s.record);
    });
    label.append(select);
    frame.append(label);
  }
  const last = snapshots[snapshots.length - 1]!;
  draw(stage, last.label, last.record);
  frame.append(stage);
  host.replaceChildren(frame);
  return true;
}

registerVisualiser('disk', (host, traces) => renderDisk(host, traces));
