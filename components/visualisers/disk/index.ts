/**
 * The disk view of an exercise run. Importing this module registers it with the exercise island;
 * it draws the disk snapshots a test sent with `reportDisk` (simos/testing): the files of the
 * database directory, page cache versus disk, the log's records, the version pointer, and a
 * slider over crash points saying what recovery would find. Runs without a snapshot (every
 * process-module exercise) leave it hidden.
 */
import { registerVisualiser, type TraceEvent } from '../../exercise/visualisers.ts';
import { describedFigure, renderFrame } from '../frame.ts';
import { buildDiskView, diskSnapshots, type DiskRecord } from './model.ts';
import { caption, diskMarkup, pointPanel } from './markup.ts';
import { diskText, pointText } from './text.ts';
import './disk.css';

let instance = 0;

function draw(host: HTMLElement, label: string, record: DiskRecord): void {
  const view = buildDiskView(label, record);
  const id = `dk-${++instance}`;
  const body = describedFigure(host, {
    prefix: 'dk',
    id,
    caption: caption(view),
    body: diskMarkup(view, id),
    bodyClass: 'dk-body', // the file table scrolls by itself; the slider below must not
    summary: 'Describe the disk in words',
    sentences: diskText(view),
  });
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
  renderFrame(host, {
    prefix: 'dk',
    heading: 'Disk: page cache and what survives a power cut',
    pickLabel: 'Report: ',
    items: snapshots,
    labelOf: (s) => s.label,
    initial: snapshots.length - 1,
    draw: (stage, s) => draw(stage, s.label, s.record),
  });
  return true;
}

registerVisualiser('disk', (host, traces) => renderDisk(host, traces));
