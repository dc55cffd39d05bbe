/**
 * The process-tree view of an exercise run. Importing this module registers it with the
 * exercise island; it draws the run's traces (one at a time, with a picker when a test reported
 * several) as an SVG timeline plus its text alternative.
 */
import { registerVisualiser, type TraceEvent } from '../../exercise/visualisers.ts';
import { buildTimeline } from './model.ts';
import { timelineSvg } from './svg.ts';
import { timelineText } from './text.ts';
import './process-tree.css';

let instance = 0;

function draw(host: HTMLElement, trace: TraceEvent): void {
  const timeline = buildTimeline(trace.records);
  const id = `pt-${++instance}`;
  const processes = timeline.processes.length;
  const doc = host.ownerDocument;
  const figure = doc.createElement('figure');
  figure.className = 'pt-figure';
  const caption = doc.createElement('figcaption');
  caption.id = `${id}-title`;
  caption.textContent = `Processes of “${trace.label}”: ${processes} process${processes === 1 ? '' : 'es'}, ${timeline.signals.length} signal${timeline.signals.length === 1 ? '' : 's'}, ${timeline.end.timeMs} ms of virtual time.`;
  const scroller = doc.createElement('div');
  scroller.className = 'pt-scroll';
  scroller.innerHTML = timelineSvg(timeline, { titleId: `${id}-title`, descId: `${id}-desc` });
  const details = doc.createElement('details');
  details.className = 'pt-text';
  const summary = doc.createElement('summary');
  summary.textContent = 'Describe the processes in words';
  const list = doc.createElement('ol');
  list.id = `${id}-desc`;
  for (const sentence of timelineText(timeline)) {
    const item = doc.createElement('li');
    item.textContent = sentence;
    list.append(item);
  }
  details.append(summary, list);
  figure.append(caption, scroller, details);
  host.replaceChildren(figure);
}

/** Renders into `host`; returns false when no trace has processes in it. */
export function renderProcessTree(host: HTMLElement, traces: TraceEvent[]): boolean {
  const usable = traces.filter((t) => buildTimeline(t.records).processes.length > 0);
  if (usable.length === 0) return false;
  const doc = host.ownerDocument;
  const frame = doc.createElement('div');
  frame.className = 'pt';
  const heading = doc.createElement('h4');
  heading.className = 'pt-heading';
  heading.textContent = 'Process timeline';
  const stage = doc.createElement('div');
  frame.append(heading);
  if (usable.length > 1) {
    const label = doc.createElement('label');
    label.className = 'pt-pick';
    label.textContent = 'Run: ';
    const select = doc.createElement('select');
    usable.forEach((t, i) => select.append(new Option(t.label, String(i))));
    // A failing run is the one to look at first; otherwise the one with the most going on.
    const failed = usable.findIndex((t) => /fail/i.test(t.label));
    const sizes = usable.map((t) => buildTimeline(t.records).processes.length);
    const busiest = sizes.indexOf(Math.max(...sizes));
    select.value = String(failed >= 0 ? failed : busiest);
    select.addEventListener('change', () => draw(stage, usable[Number(select.value)]!));
    label.append(select);
    frame.append(label);
    draw(stage, usable[Number(select.value)]!);
  } else {
    draw(stage, usable[0]!);
  }
  frame.append(stage);
  host.replaceChildren(frame);
  return true;
}

registerVisualiser('process-tree', (host, traces) => renderProcessTree(host, traces));
