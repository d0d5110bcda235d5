// What the browser scripts share: Debian's Chromium (/usr/bin/chromium, or
// $CHROMIUM; nothing is downloaded), launched headless and kept off the
// network, the watch on what a page loads, and the one JSON report each
// script prints.

import { chromium } from 'playwright-core';

// Runs `body(browser)` in a fresh headless Chromium, then prints `result` as
// JSON; on an error, prints it with `error` set and exits with status 1.
export async function report(result, body) {
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      timeout: 60_000,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    });
    await body(browser);
    console.log(JSON.stringify(result));
  } catch (e) {
    console.log(JSON.stringify({ ...result, error: String(e && e.stack ? e.stack : e) }));
    process.exitCode = 1;
  } finally {
    await browser?.close();
  }
}

// Records on `result` (`externalRequests`, `failedRequests`, `pageErrors`)
// every request for anything but a file:, data:, about: or blob: URL, every
// load that failed, and every uncaught error of the page.
export function watch(page, result) {
  page.on('request', (r) => {
    const u = r.url();
    if (!/^(file|data|about|blob):/.test(u)) result.externalRequests.push(u);
  });
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText;
    // A load still running when a click navigates away (the favicon, say) is aborted: not a failure.
    if (why !== 'net::ERR_ABORTED') result.failedRequests.push(`${r.url()}: ${why}`);
  });
  page.on('pageerror', (e) => result.pageErrors.push(String(e)));
}
