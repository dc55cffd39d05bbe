/**
 * Where views of a run's simos trace (process tree, lock timeline, disk view) plug into an exercise.
 *
 * A visualiser module calls `registerVisualiser(name, render)` when it is imported; a page imports
 * the visualisers it wants (e.g. in a lesson layout `<script>import '…/process-tree.ts'</script>`).
 * After every run that produced `trace` events, each registered visualiser gets its own element
 * inside the exercise's `[data-role="visual"]` area and the run's traces. One that has nothing to
 * show for those traces returns false and its element stays hidden.
 *
 * This file is in the initial bundle: keep it tiny and free of drawing code.
 */
import type { RunEvent } from '../../sandboxes/protocol.ts';

export type TraceEvent = Extract<RunEvent, { type: 'trace' }>;

export interface VisualiserContext {
  exerciseId: string;
  /** The page's colour scheme when drawing started; listen to `prefers-color-scheme` for changes. */
  scheme: 'light' | 'dark';
}

/**
 * Draws into `host` (empty on every call). Return false when these traces have nothing for this
 * view. Return a function to be called before the next run replaces the drawing (to stop timers).
 */
export type RenderVisualiser = (host: HTMLElement, traces: TraceEvent[], context: VisualiserContext) => boolean | void | (() => void);

const visualisers = new Map<string, RenderVisualiser>();

/** Adds (or replaces) a visualiser; returns a function that removes it. */
export function registerVisualiser(name: string, render: RenderVisualiser): () => void {
  visualisers.set(name, render);
  return () => {
    if (visualisers.get(name) === render) visualisers.delete(name);
  };
}

export function registeredVisualisers(): string[] {
  return [...visualisers.keys()];
}

/**
 * Redraws every visualiser for one run's traces inside `area`; returns the cleanup for next time.
 * A visualiser that throws is reported in its own element and does not stop the others.
 */
export function renderVisualisers(area: HTMLElement, traces: TraceEvent[], context: VisualiserContext): () => void {
  area.replaceChildren();
  const cleanups: (() => void)[] = [];
  if (traces.length === 0) {
    area.hidden = true;
    return () => {};
  }
  for (const [name, render] of visualisers) {
    const host = area.ownerDocument.createElement('div');
    host.className = 'exercise-visualiser';
    host.dataset.visualiser = name;
    area.append(host);
    try {
      const result = render(host, traces, context);
      if (result === false) host.hidden = true;
      if (typeof result === 'function') cleanups.push(result);
    } catch (error) {
      host.textContent = `The ${name} view could not draw this run: ${(error as Error).message}`;
      host.classList.add('exercise-visualiser--error');
    }
  }
  area.hidden = area.querySelectorAll('.exercise-visualiser:not([hidden])').length === 0;
  return () => cleanups.forEach((cleanup) => cleanup());
}
