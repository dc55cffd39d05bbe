/**
 * What `import { describe, it, expect } from 'vitest'` gives exercise tests in the sandbox:
 * the real collectors of @vitest/runner and an `expect` built from @vitest/expect and chai the
 * way vitest builds its own (see vitest's createExpect), so one test file behaves the same under
 * real vitest on Node and here. `vi` (mocks, fake timers) is deliberately absent: simos gives
 * tests virtual time and fault injection instead.
 */
import {
  ASYMMETRIC_MATCHERS_OBJECT,
  GLOBAL_EXPECT,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  addCustomEqualityTesters,
  chai,
  customMatchers,
  getState,
  setState,
  type ExpectStatic,
} from '@vitest/expect';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  getCurrentTest,
  it,
  onTestFailed,
  onTestFinished,
  suite,
  test,
} from '@vitest/runner';

let pluginsInstalled = false;

/** A fresh `expect`, installed as the global one that @vitest/expect's matchers consult. */
export function createExpect(): ExpectStatic {
  if (!pluginsInstalled) {
    chai.use(JestExtend);
    chai.use(JestChaiExpect);
    chai.use(JestAsymmetricMatchers);
    // Chai wraps every assertion in a Proxy only to catch misspelt property chains in test code;
    // the tests are ours, and the Proxy's traps were a tenth of a warm run's time.
    chai.config.useProxy = false;
    pluginsInstalled = true;
  }
  const expect = ((value: unknown, message?: string) => {
    const { assertionCalls } = getState(expect);
    setState({ assertionCalls: assertionCalls + 1 }, expect);
    const assertion = chai.expect(value, message) as unknown as { withTest(test: unknown): unknown };
    const current = getCurrentTest();
    // Tying the assertion to its test lets @vitest/expect track `.resolves`/`.rejects` and soft errors.
    return current ? assertion.withTest(current) : assertion;
  }) as ExpectStatic;
  Object.assign(expect, chai.expect);
  Object.assign(expect, (globalThis as Record<symbol, unknown>)[ASYMMETRIC_MATCHERS_OBJECT]);
  expect.getState = () => getState(expect);
  expect.setState = (state) => setState(state, expect);
  expect.extend = (matchers) =>
    (chai.expect as unknown as { extend(target: ExpectStatic, matchers: unknown): void }).extend(expect, matchers);
  expect.addEqualityTesters = (testers) => addCustomEqualityTesters(testers);
  expect.soft = ((value: unknown, message?: string) =>
    (expect(value, message) as unknown as { withContext(context: object): unknown }).withContext({ soft: true })) as ExpectStatic['soft'];
  expect.unreachable = (message?: string) => {
    chai.assert.fail(`expected${message ? ` "${message}" ` : ' '}not to be reached`);
  };
  chai.util.addMethod(expect, 'assertions', (expected: number) => {
    const errorGen = () =>
      new Error(`expected number of assertions to be ${expected}, but got ${getState(expect).assertionCalls}`);
    setState({ expectedAssertionsNumber: expected, expectedAssertionsNumberErrorGen: errorGen }, expect);
  });
  chai.util.addMethod(expect, 'hasAssertions', () => {
    const error = new Error('expected any number of assertion, but got none');
    setState({ isExpectingAssertions: true, isExpectingAssertionsError: error }, expect);
  });
  expect.extend(customMatchers);
  resetExpectState(expect, '');
  Object.defineProperty(globalThis, GLOBAL_EXPECT, { value: expect, writable: true, configurable: true });
  return expect;
}

/** Clears per-test bookkeeping before a test body runs (what vitest does in onBeforeTryTask). */
export function resetExpectState(expect: ExpectStatic, currentTestName: string): void {
  setState(
    {
      assertionCalls: 0,
      isExpectingAssertions: false,
      isExpectingAssertionsError: null,
      expectedAssertionsNumber: null,
      expectedAssertionsNumberErrorGen: null,
      currentTestName,
    },
    expect,
  );
}

/** Throws when the test asked for `expect.assertions(n)` / `hasAssertions()` and did not get them. */
export function checkExpectedAssertions(expect: ExpectStatic): void {
  const state = getState(expect);
  if (state.expectedAssertionsNumber !== null && state.assertionCalls !== state.expectedAssertionsNumber) {
    throw state.expectedAssertionsNumberErrorGen!();
  }
  if (state.isExpectingAssertions === true && state.assertionCalls === 0) throw state.isExpectingAssertionsError;
}

/** The module object `require('vitest')` returns inside the sandbox. */
export function createVitestModule(expect: ExpectStatic): Record<string, unknown> {
  const unavailable = (name: string) => () => {
    throw new Error(
      `${name} (mocks, spies and fake timers) is not available in the workbook sandbox. ` +
        'Use simos for time and faults, or write a small fake by hand.',
    );
  };
  const module: Record<string, unknown> = {
    describe, it, test, suite,
    beforeAll, afterAll, beforeEach, afterEach,
    onTestFailed, onTestFinished,
    expect,
    assert: chai.assert,
  };
  Object.defineProperty(module, 'vi', { get: unavailable('vi'), enumerable: false });
  Object.defineProperty(module, 'vitest', { get: unavailable('vitest'), enumerable: false });
  return module;
}
