/** The content checks, tried on fixture exercises whose verdict is known. */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeSharedSandbox } from '../../sandboxes/node/run-exercise.ts';
import { checkExercise } from './check-exercise.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}/`, import.meta.url));

afterAll(() => disposeSharedSandbox());

describe('checkExercise', () => {
  it('finds nothing wrong with a sound exercise', async () => {
    expect(await checkExercise(fixture('clamp'), 'fixtures/clamp')).toEqual([]);
  }, 20_000);

  it('names every flaw of a flawed exercise, with the variant it belongs to', async () => {
    expect(await checkExercise(fixture('flawed'), 'fixtures/flawed')).toEqual([
      'fixtures/flawed: meta.json has 2 hint(s); it needs at least 3',
      'fixtures/flawed: meta.json lists mutants/missing.ts, which does not exist',
      'fixtures/flawed: mutants/unlisted.ts is not listed in meta.json "mutants"',
      'fixtures/flawed (starter): no test fails; the tests must catch this starter',
      'fixtures/flawed (mutants/does-not-compile.ts): does not compile: Unexpected token at solution.ts:2:14',
      'fixtures/flawed (mutants/unlisted.ts): no test fails; the tests must catch this bug',
    ]);
  }, 20_000);
});
