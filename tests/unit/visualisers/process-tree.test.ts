import { describe, expect, it } from 'vitest';
import { SIGTERM, Sim } from '../../../sandboxes/simos/index.ts';
import { buildTimeline, treeOrder } from '../../../components/visualisers/process-tree/model.ts';
import { timelineSvg } from '../../../components/visualisers/process-tree/svg.ts';
import { timelineText } from '../../../components/visualisers/process-tree/text.ts';

/** A run with groups, a setsid, an orphan, a zombie, a signal and an exec. */
async function sampleTrace() {
  const sim = new Sim({ seed: 2, console: () => {} });
  sim.register('server', async (k) => {
    for (;;) await k.pause().catch(() => 0);
  });
  await sim.run(async (k) => {
    const server = await k.fork(async (c) => {
      await c.setpgid(0, 0);
      await c.execve('server', ['server']);
    });
    const mid = await k.fork(async (c) => {
      await c.fork(async (g) => {
        await g.setsid();
        await g.sleep(30);
      });
    });
    await k.sleep(10);
    await k.kill(server, SIGTERM);
    await k.sleep(10);
    await k.waitpid(server);
    await k.waitpid(mid);
    await k.sleep(30);
  });
  return sim.trace;
}

describe('process-tree visualiser', () => {
  it('builds each process life from the trace', async () => {
    const t = buildTimeline(await sampleTrace());
    const byPid = new Map(t.processes.map((p) => [p.pid, p]));
    expect([...byPid.keys()]).toEqual([2, 3, 4, 5]);
    const server = byPid.get(3)!;
    expect(server.pgids.map((g) => g.value)).toEqual([2, 3]);
    expect(server.programs.map((p) => p.value)).toEqual(['main', 'server']);
    expect(server.exited?.status).toBe('killed by SIGTERM');
    expect(server.reaped?.by).toBe(2);
    expect(server.reaped!.timeMs - server.exited!.timeMs).toBe(10); // a zombie for 10 ms
    const grandchild = byPid.get(5)!;
    expect(grandchild.sids.map((s) => s.value)).toEqual([2, 5]);
    expect(grandchild.orphaned).toMatchObject([{ from: 4, to: 1 }]);
    const term = t.signals.find((s) => s.name === 'SIGTERM')!;
    expect(term).toMatchObject({ from: 2, to: 3, outcome: 'terminated' });
    expect(treeOrder(t).map((r) => [r.life.pid, r.depth])).toEqual([[2, 0], [3, 1], [4, 1], [5, 2]]);
  });

  it('draws an SVG with a row per process, zombies, and signal arrows', async () => {
    const svg = timelineSvg(buildTimeline(await sampleTrace()), { titleId: 't', descId: 'd' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('aria-labelledby="t d"');
    expect(svg.match(/class="pt-label"/g)).toHaveLength(4);
    expect(svg).toContain('pid 3: killed by SIGTERM; zombie until reaped by 2');
    expect(svg).toContain('SIGTERM from pid 2 to pid 3: terminated');
    expect(svg).toContain('orphan → init');
    expect(svg).toContain('execve server');
    expect(svg).not.toContain('NaN');
  });

  it('says the same in words', async () => {
    const text = timelineText(buildTimeline(await sampleTrace()));
    expect(text).toHaveLength(4);
    expect(text[1]).toContain('pid 3 (main) was created at 0 ms by pid 2, in process group 2 and session 2.');
    expect(text[1]).toContain('moved to process group 3');
    expect(text[1]).toContain('called execve to run server');
    expect(text[1]).toContain('SIGTERM from pid 2 at 10 ms: terminated');
    expect(text[1]).toContain('It stayed a zombie until pid 2 reaped it at 20 ms.');
    expect(text[3]).toContain('adopted by init (pid 1)');
    expect(text[3]).toContain('started session 5 (setsid)');
  });

  it('copes with an empty trace and with pid reuse', async () => {
    expect(buildTimeline([]).processes).toEqual([]);
    const sim = new Sim({ seed: 1, console: () => {}, limits: { pidMax: 5 } });
    await sim.run(async (k) => {
      for (let i = 0; i < 4; i++) await k.waitpid(await k.fork(async () => 0));
    });
    const t = buildTimeline(sim.trace);
    expect(t.processes.length).toBe(5); // main + 4 children, some sharing pid numbers
    expect(timelineSvg(t, { titleId: 'a', descId: 'b' })).not.toContain('NaN');
  });
});
