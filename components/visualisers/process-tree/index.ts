/**
 * The process-tree view of an exercise run. Importing this module registers it with the
 * exercise island; it draws the run's traces (one at a time, with a picker when a test reported
 * several) as an SVG timeline plus its text alternative.
 */
import { registerVisualiser, type TraceEvent } from '../../exercise/visualisers.ts';
import { describedFigure, renderFrame } from '../frame.ts';
import { buildTimeline } from './model.ts';
import { timelineSvg } from './svg.ts';
import { timelineText } from './text.ts';
import './process-tree.css';

let instance = 0;

function draw(host: HTMLElement, trace: TraceEvent): void {
  const timeline = buildTimeline(trace.records);
  const id = `pt-${++instance}`;
  const processes = timeline.processes.length;
  const signals = timeline.signals.length;
  describedFigure(host, {
    prefix: 'pt',
    id,
    caption: `Processes of “${trace.label}”: ${processes} process${processes === 1 ? '' : 'es'}, ${signals} signal${signals === 1 ? '' : 's'}, ${timeline.end.timeMs} ms of virtual time.`,
    body: timelineSvg(timeline, { titleId: `${id}-title`, descId: `${id}-desc` }),
    summary: 'Describe the processes in words',
    sentences: timelineText(timeline),
  });
}

/** Renders into `host`; returns false when no trace has processes in it. */
export function renderProcessTree(host: HTMLElement, traces: TraceEvent[]): boolean {
  const usable = traces.filter((t) => buildTimeline(t.records).processes.length > 0);
  if (usable.length === 0) return false;
  // A failing run is the one to look at first; otherwise the one with the most going on.
  const failed = usable.findIndex((t) => /fail/i.test(t.label));
  const sizes = usable.map((t) => buildTimeline(t.records).processes.length);
  renderFrame(host, {
    prefix: 'pt',
    heading: 'Process timeline',
    pickLabel: 'Run: ',
    items: usable,
    labelOf: (t) => t.label,
    initial: failed >= 0 ? failed : sizes.indexOf(Math.max(...sizes)),
    draw,
  });
  return true;
}

registerVisualiser('process-tree', (host, traces) => renderProcessTree(host, traces));
