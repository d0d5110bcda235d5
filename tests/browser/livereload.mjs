// Watches `arshif serve` live reload in headless Chromium, as a writer sees it.
//
//   node livereload.mjs <page-url> <article-file> <broken-text> <fixed-text>
//
// Opens the page, then writes <broken-text> to the article file and waits for
// the error overlay (#arshif-error), then writes <fixed-text> and waits for
// the page to reload by itself. Prints one JSON object:
//
//   { "before": { "h1", "overlay" }, "broken": { "h1", "overlay" },
//     "fixed": { "h1", "overlay", "reloaded" }, "pageErrors": [...] }
//
// or the same with "error" set, and exit status 1 (see chromium.mjs).

import { writeFileSync } from 'node:fs';
import { report } from './chromium.mjs';

const [url, file, broken, fixed] = process.argv.slice(2);
if (!fixed) {
  console.log(JSON.stringify({ error: 'usage: node livereload.mjs <url> <file> <broken> <fixed>' }));
  process.exit(1);
}
const result = { pageErrors: [] };
const describe = (page) =>
  page.evaluate(() => ({
    h1: document.querySelector('h1')?.textContent.trim() ?? null,
    overlay: document.getElementById('arshif-error')?.textContent ?? null,
  }));

await report(result, async (browser) => {
  const page = await browser.newPage();
  page.on('pageerror', (e) => result.pageErrors.push(String(e)));
  await page.goto(url, { waitUntil: 'load' });
  result.before = await describe(page);
  // Marks this document: a reload makes a new one without the mark.
  await page.evaluate(() => { window.__notReloaded = true; });

  writeFileSync(file, broken);
  await page.waitForSelector('#arshif-error', { timeout: 60_000 });
  result.broken = await describe(page);

  writeFileSync(file, fixed);
  await page.waitForFunction(() => !window.__notReloaded, null, { timeout: 60_000 });
  await page.waitForLoadState('load');
  result.fixed = { ...(await describe(page)), reloaded: true };
});
