import { Browser, chromium } from 'playwright-core';

/** Debian's Chromium; the browser tests never download a browser of their own. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Launches headless Chromium as the tests need it on this network (no background connections). A browser
 * that cannot be found fails the suite here: the browser tests are never skipped.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
