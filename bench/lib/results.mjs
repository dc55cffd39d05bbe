/**
 * bench/results.json: every metric any benchmark has measured, merged, so a run of one bench
 * keeps the numbers of the others. Shape: { metrics: { name: number }, runs: { bench: info } }.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** @param {string} path */
export function readResults(path) {
  if (!existsSync(path)) return { metrics: {}, runs: {} };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8'));
    return { metrics: parsed.metrics ?? {}, runs: parsed.runs ?? {} };
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${error.message}); fix or delete it, then run again.`);
  }
}

/**
 * @param {string} path
 * @param {string} bench
 * @param {Record<string, number>} metrics
 * @param {Record<string, unknown>} info
 */
export function mergeResults(path, bench, metrics, info) {
  const results = readResults(path);
  Object.assign(results.metrics, metrics);
  results.runs[bench] = { ...info, metrics: Object.keys(metrics) };
  const sorted = { metrics: sortKeys(results.metrics), runs: sortKeys(results.runs) };
  writeFileSync(path, JSON.stringify(sorted, null, 2) + '\n');
}

function sortKeys(object) {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)));
}
