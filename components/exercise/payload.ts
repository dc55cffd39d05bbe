/**
 * The data an exercise's static HTML hands to its client island, in
 * `<script type="application/json" data-role="data">` inside the exercise's section.
 */
export interface ExercisePayload {
  /** The folder's path under `lessons/`, e.g. `wal/decode-log`. */
  id: string;
  title: string;
  starter: string;
  /** The reference solution, shown by Show solution. */
  solution: string;
  /** Test file name -> source; run in this order. */
  tests: Record<string, string>;
  /** Hints as HTML rendered at build time, revealed one per press of Hint. */
  hints: string[];
  timeoutMs: number;
}

/** Reads the payload from an exercise section; throws with the exercise id when it is missing or broken. */
export function readPayload(section: HTMLElement): ExercisePayload {
  const id = section.dataset.exercise ?? '(no id)';
  const script = section.querySelector('script[data-role="data"]');
  try {
    return JSON.parse(script?.textContent ?? '') as ExercisePayload;
  } catch (error) {
    throw new Error(`Exercise '${id}' has no readable data on this page (${(error as Error).message}); rebuild the site.`);
  }
}

/** JSON that is safe inside a <script> element: `<` cannot end the element or open a comment. */
export function payloadJson(payload: ExercisePayload): string {
  return JSON.stringify(payload).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
