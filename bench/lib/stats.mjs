/** Small statistics for benchmark samples. */

/** @param {number[]} samples */
export function median(samples) {
  if (samples.length === 0) throw new Error('median of no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounds for the results file: 0.1 ms resolution is all a browser clock honestly gives. */
export function round1(value) {
  return Math.round(value * 10) / 10;
}
