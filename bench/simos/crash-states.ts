/**
 * A WAL-shaped workload for the crash-state benchmark: records appended to a log with
 * fdatasync, and every `checkpointEvery` updates a new version published with
 * tmp + fsync + rename + directory fsync, the pattern the WAL exercises use.
 */
import { O_APPEND, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, Sim, bootSim, enumerateCrashStates } from '../../sandboxes/simos/index.ts';

async function workload(updates: number, checkpointEvery: number): Promise<Sim> {
  const sim = new Sim({ trace: false, console: () => {}, disk: { record: true } });
  await sim.run(async (k) => {
    await k.mkdir('/data/db');
    let log = await k.open('/data/db/log.0', O_WRONLY | O_CREAT | O_APPEND);
    for (let i = 1; i <= updates; i++) {
      await k.write(log, `update ${i} ${'x'.repeat(i % 40)}\n`);
      await k.fdatasync(log);
      if (i % checkpointEvery === 0) {
        const gen = i / checkpointEvery;
        const tmp = await k.open('/data/db/version.tmp', O_WRONLY | O_CREAT | O_TRUNC);
        await k.write(tmp, String(gen));
        await k.fsync(tmp);
        await k.close(tmp);
        await k.close(log);
        log = await k.open(`/data/db/log.${gen}`, O_WRONLY | O_CREAT | O_APPEND);
        await k.fsync(log);
        await k.rename('/data/db/version.tmp', '/data/db/version');
        const dir = await k.open('/data/db', O_RDONLY);
        await k.fsync(dir);
        await k.close(dir);
      }
    }
  });
  return sim;
}

/** Distinct crash states enumerated per second, and how many there were. */
export async function crashStatesPerSec(updates: number): Promise<{ perSec: number; states: number }> {
  const sim = await workload(updates, 12);
  const t0 = performance.now();
  let states = 0;
  for (const _ of enumerateCrashStates(sim.diskRecording())) states++;
  return { perSec: states / ((performance.now() - t0) / 1000), states };
}

/** Crash states enumerated, booted and "recovered" (read back every file) per second. */
export async function crashStatesCheckedPerSec(updates: number): Promise<{ perSec: number; states: number }> {
  const sim = await workload(updates, 12);
  const t0 = performance.now();
  let states = 0;
  for (const state of enumerateCrashStates(sim.diskRecording())) {
    const machine = bootSim(state.image, { trace: false, console: () => {} });
    await machine.run(async (k) => {
      // Before the directory's creation was made durable, a power cut leaves no /data/db at all.
      const names = await k.readdir('/data/db').catch(() => [] as string[]);
      for (const name of names) {
        const fd = await k.open(`/data/db/${name}`, O_RDONLY);
        while ((await k.read(fd, 4096)).length > 0);
        await k.close(fd);
      }
    });
    states++;
  }
  return { perSec: states / ((performance.now() - t0) / 1000), states };
}
