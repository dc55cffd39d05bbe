#!/usr/bin/env node
/**
 * `npm run bench [-- name ...]`: runs the benchmark modules bench/<name>.bench.mjs (all of them
 * by default) in one process, merges their metrics into bench/results.json and prints each
 * metric against its target. A missed target is reported, never a failure: benchmarks inform.
 *
 * A benchmark module exports:
 *   export const description = 'one line';
 *   export const targets = { metricName: { max: 50, unit: 'ms' } | { min: 20, unit: 'x' } };
 *   export async function run(ctx) { return { metricName: 12.3 }; }
 * where ctx = { projectRoot, site: () => Promise<BenchSite> (lib/site.mjs), median, log }.
 */
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mergeResults } from './lib/results.mjs';
import { lazySite, projectRoot } from './lib/site.mjs';
import { median } from './lib/stats.mjs';

const benchDir = join(projectRoot, 'bench');
const resultsPath = join(benchDir, 'results.json');

const available = readdirSync(benchDir)
  .filter((f) => f.endsWith('.bench.mjs'))
  .map((f) => f.replace(/\.bench\.mjs$/, ''))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${available.join(', ')}.`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : available;

const site = lazySite();
const rows = [];
let crashed = 0;
for (const name of names) {
  const mod = await import(pathToFileURL(join(benchDir, `${name}.bench.mjs`)).href);
  console.log(`\n━━ ${name}${mod.description ? `: ${mod.description}` : ''} ━━`);
  const ctx = { projectRoot, site: site.get, median, log: (line) => console.log(`  ${line}`) };
  const started = performance.now();
  try {
    const metrics = await mod.run(ctx);
    const info = { at: new Date().toISOString(), node: process.versions.node, cpus: cpus().length, seconds: Math.round((performance.now() - started) / 100) / 10 };
    mergeResults(resultsPath, name, metrics, info);
    for (const [metric, value] of Object.entries(metrics)) rows.push({ bench: name, metric, value, target: mod.targets?.[metric] });
  } catch (error) {
    crashed++;
    console.error(`  ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  }
}
await site.close();

printTable(rows);
console.log(`\nResults merged into ${resultsPath.slice(projectRoot.length + 1)}.`);
// A crashed benchmark is a bug; a missed target is information.
process.exit(crashed > 0 ? 1 : 0);

function printTable(rows) {
  const cells = rows.map((r) => [r.metric, format(r.value, r.target?.unit), describeTarget(r.target), verdict(r.value, r.target)]);
  const header = ['metric', 'value', 'target', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i === 1 ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ');
  console.log('\n' + line(header));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

function format(value, unit = '') {
  if (typeof value !== 'number') return String(value);
  if (unit === 'B') return `${(value / 1024).toFixed(1)} KB`;
  const digits = Math.abs(value) >= 100 ? 0 : 1;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

function describeTarget(target) {
  if (!target) return '';
  if (target.max !== undefined) return `<= ${format(target.max, target.unit)}`;
  if (target.min !== undefined) return `>= ${format(target.min, target.unit)}`;
  return '';
}

function verdict(value, target) {
  if (!target || typeof value !== 'number') return '';
  const ok = (target.max === undefined || value <= target.max) && (target.min === undefined || value >= target.min);
  return ok ? '✓ met' : '✗ missed';
}
