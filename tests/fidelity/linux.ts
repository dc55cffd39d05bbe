/**
 * Run scenarios on this machine's kernel through linux_runner.py (Python 3 standard library only)
 * and parse its JSON. Missing python3 is an error with a message, never a silent skip.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Outcome } from './scenario.ts';

const RUNNER = fileURLToPath(new URL('./linux_runner.py', import.meta.url));

export type LinuxResult = (Outcome & { mode: string }) | { error: string; mode?: string } | { unavailable: string; mode?: string };

export interface LinuxRun {
  environment: { kernel: string; machine: string; python: string; tmpdir: string; fs: string; uid: number };
  results: Record<string, LinuxResult>;
  wallMs: number;
}

export function runOnLinux(files: string[], opts: { jobs?: number; timeoutMs?: number; mode?: 'pidns' | 'subreaper' } = {}): LinuxRun {
  const python = process.env.PYTHON ?? 'python3';
  const started = performance.now();
  const r = spawnSync(python, [RUNNER, 'run', '--jobs', String(opts.jobs ?? 4), '--mode', opts.mode ?? 'pidns', ...files], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 180_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      `The fidelity suite needs ${python} (Python 3.10 or newer, standard library only) to run scenarios on the real kernel, and it was not found. ` +
        'Install python3 (Debian: apt-get install -y python3) or set PYTHON to its path.',
    );
  }
  if (r.error) throw new Error(`linux_runner.py failed to run: ${r.error.message}\n${r.stderr ?? ''}`);
  if (r.status !== 0) throw new Error(`linux_runner.py exited with ${r.status ?? r.signal}:\n${r.stderr}`);
  let parsed: Omit<LinuxRun, 'wallMs'>;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    throw new Error(`linux_runner.py printed something that is not JSON:\n${r.stdout.slice(0, 2000)}\n${r.stderr}`);
  }
  return { ...parsed, wallMs: performance.now() - started };
}
