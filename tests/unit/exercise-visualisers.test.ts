import { afterEach, describe, expect, it } from 'vitest';
import { registerVisualiser, registeredVisualisers, renderVisualisers, type TraceEvent } from '../../components/exercise/visualisers.ts';

/** The few DOM features renderVisualisers uses, so the registry is tested in Node. */
class FakeElement {
  children: FakeElement[] = [];
  hidden = false;
  className = '';
  textContent = '';
  dataset: Record<string, string> = {};
  classList = { add: (name: string) => (this.className += ` ${name}`) };
  ownerDocument = { createElement: () => new FakeElement() };
  replaceChildren(): void {
    this.children = [];
  }
  append(child: FakeElement): void {
    this.children.push(child);
  }
  querySelectorAll(selector: string): FakeElement[] {
    if (selector !== '.exercise-visualiser:not([hidden])') throw new Error(`fake DOM does not know ${selector}`);
    return this.children.filter((c) => c.className.split(' ').includes('exercise-visualiser') && !c.hidden);
  }
}

const trace: TraceEvent = {
  type: 'trace',
  label: 'reap',
  records: [{ kind: 'syscall', seq: 0, timeMs: 0, pid: 2, tid: 2, call: 'waitpid', args: [-1, 0], result: { pid: 3, status: 0 } }],
};
const context = { exerciseId: 'processes/reap-all', scheme: 'light' as const };
const unregister: (() => void)[] = [];
const register = (...args: Parameters<typeof registerVisualiser>) => unregister.push(registerVisualiser(...args));

afterEach(() => {
  unregister.splice(0).forEach((remove) => remove());
});

function render(area: FakeElement, traces: TraceEvent[]) {
  return renderVisualisers(area as unknown as HTMLElement, traces, context);
}

describe('visualiser registry', () => {
  it('gives each visualiser its own element and the run traces', () => {
    const seen: unknown[] = [];
    register('process-tree', (host, traces, ctx) => {
      seen.push(traces, ctx);
      host.textContent = `tree of ${traces[0]!.records.length}`;
    });
    const area = new FakeElement();
    render(area, [trace]);
    expect(area.hidden).toBe(false);
    expect(area.children.map((c) => [c.dataset.visualiser, c.textContent])).toEqual([['process-tree', 'tree of 1']]);
    expect(seen).toEqual([[trace], context]);
  });

  it('hides a visualiser that returns false, and the area when none drew', () => {
    register('lock-timeline', () => false);
    const area = new FakeElement();
    render(area, [trace]);
    expect(area.children[0]!.hidden).toBe(true);
    expect(area.hidden).toBe(true);
  });

  it('hides the area and calls nobody when the run had no traces', () => {
    let calls = 0;
    register('process-tree', () => void calls++);
    const area = new FakeElement();
    render(area, []);
    expect(calls).toBe(0);
    expect(area.hidden).toBe(true);
  });

  it('reports a visualiser that throws in its own element and still draws the others', () => {
    register('broken', () => {
      throw new Error('no pids');
    });
    register('ok', (host) => void (host.textContent = 'drawn'));
    const area = new FakeElement();
    render(area, [trace]);
    expect(area.children.map((c) => c.textContent)).toEqual(['The broken view could not draw this run: no pids', 'drawn']);
    expect(area.hidden).toBe(false);
  });

  it('runs the cleanups a visualiser returns, and clears the area on the next run', () => {
    let stopped = 0;
    register('animated', () => () => void stopped++);
    const area = new FakeElement();
    const cleanup = render(area, [trace]);
    expect(stopped).toBe(0);
    cleanup();
    expect(stopped).toBe(1);
    render(area, [trace]);
    expect(area.children).toHaveLength(1);
  });

  it('removes a visualiser with the function register returned, not a newer one of the same name', () => {
    const first = registerVisualiser('tree', () => {});
    unregister.push(registerVisualiser('tree', () => {}));
    first();
    expect(registeredVisualisers()).toEqual(['tree']);
  });
});
