/**
 * The text alternative of the process timeline: one short paragraph per process, in tree order,
 * saying what a sighted reader gets from the drawing — who created it, which groups and sessions
 * it was in, what it ran, which signals reached it, when it exited and who reaped it.
 */
import { treeOrder, type ProcessLife, type SignalArrow, type Timeline } from './model.ts';

const who = (pid: number) => (pid === 1 ? 'init (pid 1)' : `pid ${pid}`);

function signalsTo(life: ProcessLife, signals: readonly SignalArrow[], nextSameSeq: number): string[] {
  return signals
    .filter((s) => s.to === life.pid && s.seq >= life.created.seq && s.seq < nextSameSeq)
    .map((s) => {
      const from = s.from === 0 ? 'the kernel' : who(s.from);
      return `${s.name} from ${from} at ${s.timeMs} ms${s.reason ? ` (${s.reason})` : ''}${s.outcome ? `: ${s.outcome}` : ''}`;
    });
}

/** One sentence list per process. */
export function timelineText(timeline: Timeline): string[] {
  const rows = treeOrder(timeline);
  return rows.map(({ life }) => {
    const later = timeline.processes.find((p) => p.pid === life.pid && p.created.seq > life.created.seq);
    const until = later ? later.created.seq : Number.POSITIVE_INFINITY;
    const parts: string[] = [];
    parts.push(
      `pid ${life.pid} (${life.programs[0]!.value}) was created at ${life.created.timeMs} ms by ${who(life.parents[0]!.value)}, ` +
        `in process group ${life.pgids[0]!.value} and session ${life.sids[0]!.value}.`,
    );
    for (const s of life.sids.slice(1)) parts.push(`At ${s.timeMs} ms it started session ${s.value} (setsid).`);
    for (const g of life.pgids.slice(1)) {
      if (!life.sids.some((s) => s.seq === g.seq)) parts.push(`At ${g.timeMs} ms it moved to process group ${g.value}.`);
    }
    for (const e of life.programs.slice(1)) parts.push(`At ${e.timeMs} ms it called execve to run ${e.value}.`);
    for (const t of life.threads) parts.push(`At ${t.timeMs} ms it started thread ${t.tid}.`);
    const sigs = signalsTo(life, timeline.signals, until);
    if (sigs.length) parts.push(`Signals received: ${sigs.join('; ')}.`);
    for (const c of life.crashes) parts.push(`At ${c.timeMs} ms its code threw an uncaught error: ${c.message}.`);
    for (const o of life.orphaned) {
      parts.push(
        timeline.win32
          ? `At ${o.timeMs} ms its creator ${who(o.from)} exited; it kept running (Windows does not reparent).`
          : `At ${o.timeMs} ms its parent ${who(o.from)} was gone and it was adopted by ${who(o.to)}.`,
      );
    }
    if (life.exited) {
      parts.push(`At ${life.exited.timeMs} ms it ${life.exited.status.replace(/^exited/, 'exited with code')}.`);
      parts.push(
        life.reaped
          ? life.reaped.seq === life.exited.seq
            ? `It was reaped at once by ${who(life.reaped.by)}.`
            : `It stayed a zombie until ${who(life.reaped.by)} reaped it at ${life.reaped.timeMs} ms.`
          : 'It was still a zombie, never reaped, when the run ended.',
      );
    } else {
      parts.push('It was still running when the run ended.');
    }
    return parts.join(' ');
  });
}
