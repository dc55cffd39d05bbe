/**
 * How the tests and benchmarks start Chromium: the system browser (no Playwright download),
 * headless, with the flags that keep it quiet and offline. Playwright gives every launch a
 * fresh temporary profile, so no state leaks between runs.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/** $CHROMIUM_PATH, else /usr/bin/chromium; throws with what to do when neither exists. */
export function chromiumExecutable() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].filter(Boolean);
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      `No Chromium found (looked at ${candidates.join(', ')}). Install it (Debian: apt-get install -y chromium) ` +
        'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
  }
  return found;
}

const launchOptions = () => ({ executablePath: chromiumExecutable(), headless: true, args: CHROMIUM_ARGS });

/** A browser server that several test files connect to with `chromium.connect(wsEndpoint)`. */
export function launchChromiumServer() {
  return chromium.launchServer(launchOptions());
}

/** A browser owned by the caller, for one process (the benchmarks). */
export function launchChromium() {
  return chromium.launch(launchOptions());
}
