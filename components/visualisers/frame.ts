/**
 * The parts every view of a run shares: a frame with a heading and, when a test reported more
 * than one run, a picker; and a figure whose drawing is followed by the same content in words
 * (the text alternative), linked by ids so screen readers announce one with the other.
 */

export interface FrameOptions<T> {
  /** CSS prefix of the view (`pt`, `dk`): classes `<prefix>`, `<prefix>-heading`, `<prefix>-pick`. */
  prefix: string;
  heading: string;
  /** The picker's label, e.g. "Run: ". */
  pickLabel: string;
  items: T[];
  labelOf: (item: T) => string;
  /** Which item is drawn first. */
  initial: number;
  draw: (stage: HTMLElement, item: T) => void;
}

export function renderFrame<T>(host: HTMLElement, o: FrameOptions<T>): void {
  const doc = host.ownerDocument;
  const frame = doc.createElement('div');
  frame.className = o.prefix;
  const heading = doc.createElement('h4');
  heading.className = `${o.prefix}-heading`;
  heading.textContent = o.heading;
  const stage = doc.createElement('div');
  frame.append(heading);
  if (o.items.length > 1) {
    const label = doc.createElement('label');
    label.className = `${o.prefix}-pick`;
    label.textContent = o.pickLabel;
    const select = doc.createElement('select');
    o.items.forEach((item, i) => select.append(new Option(o.labelOf(item), String(i))));
    select.value = String(o.initial);
    select.addEventListener('change', () => o.draw(stage, o.items[Number(select.value)]!));
    label.append(select);
    frame.append(label);
  }
  o.draw(stage, o.items[o.initial]!);
  frame.append(stage);
  host.replaceChildren(frame);
}

export interface FigureOptions {
  prefix: string;
  /** Unique per drawing; the caption is `<id>-title`, the sentences `<id>-desc`. */
  id: string;
  caption: string;
  /** The drawing (markup). */
  body: string;
  /** Class of the drawing's wrapper; default `<prefix>-scroll` (a wide drawing scrolls on its own). */
  bodyClass?: string;
  summary: string;
  sentences: string[];
}

/** A figure: caption, drawing, and a <details> with the drawing's content in sentences. */
export function describedFigure(host: HTMLElement, o: FigureOptions): HTMLElement {
  const doc = host.ownerDocument;
  const figure = doc.createElement('figure');
  figure.className = `${o.prefix}-figure`;
  const caption = doc.createElement('figcaption');
  caption.id = `${o.id}-title`;
  caption.textContent = o.caption;
  const body = doc.createElement('div');
  body.className = o.bodyClass ?? `${o.prefix}-scroll`;
  body.innerHTML = o.body;
  const details = doc.createElement('details');
  details.className = `${o.prefix}-text`;
  const summary = doc.createElement('summary');
  summary.textContent = o.summary;
  const list = doc.createElement('ol');
  list.id = `${o.id}-desc`;
  for (const sentence of o.sentences) {
    const item = doc.createElement('li');
    item.textContent = sentence;
    list.append(item);
  }
  details.append(summary, list);
  figure.append(caption, body, details);
  host.replaceChildren(figure);
  return body;
}
