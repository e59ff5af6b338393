/**
 * The system's Chromium (Debian's `chromium` package), driven by playwright-core: no browser is
 * downloaded. Where none is installed, browser tests say so in their name and are skipped,
 * except in CI (CI=true), where they run and fail with that reason: `.ci/run` installs it.
 */
import { existsSync } from 'node:fs';

import { type Browser, chromium } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

function findChromium(): string | undefined {
  return CANDIDATES.find((path): path is string => path !== undefined && existsSync(path));
}

const MISSING = `no browser: none of ${CANDIDATES.filter(Boolean).join(', ')} exists (apt-get install chromium, or set CHROMIUM_PATH)`;

/** For `it.skipIf(browser.skip)(`…${browser.label}`)`. */
export function browserAvailability(): { skip: boolean; label: string } {
  const missing = findChromium() === undefined;
  return {
    skip: missing && process.env.CI !== 'true',
    label: missing ? ` [${MISSING}]` : '',
  };
}

/** Headless, on a fresh profile (playwright's own temporary user-data-dir), nothing in the background. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === undefined) {
    throw new Error(MISSING);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    chromiumSandbox: false,
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
