// Opens an --offline arshif build from disk in headless Chromium and follows
// links the way a reader does: by clicking.
//
//   node navigate.mjs <output-dir> [page.html | phone:page.html …]
//
// Home page → the first article linked from its <main> → the first country
// term page linked from that article's <main>. Each page the browser lands on
// is described from the rendered DOM: its URL, <html dir/lang>, the computed
// direction of <body>, its <h1>. The optional pages (paths relative to the
// output) are opened directly and described too; `phone:` ones on a 360 px
// wide screen; `redirect:` ones (an alias page) are described once the
// browser has left them for another page. Prints one JSON object:
//
//   { "steps": [{ "step", "url", "dir", "lang", "bodyDirection", "h1",
//                 "viewportWidth", "overflowX",
//                 "clicked": { "text", "href" } }],
//     "externalRequests": [...], "failedRequests": [...], "pageErrors": [...] }
//
// or { "error": "…" } with exit status 1. Chromium is Debian's
// (/usr/bin/chromium, or $CHROMIUM); nothing is downloaded.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { report, watch } from './chromium.mjs';

const ARTICLE = /\/\d{4}\/\d{2}\/[^/]+\/index\.html$/;
const COUNTRY = /\/countries\/[^/]+\/index\.html$/;

const [outDir, ...extraPages] = process.argv.slice(2);
if (!outDir) {
  console.log(JSON.stringify({ error: 'usage: node navigate.mjs <output-dir> [page.html …]' }));
  process.exit(1);
}
const root = path.resolve(outDir);
const result = { steps: [], externalRequests: [], failedRequests: [], pageErrors: [] };

async function describe(page, step, clicked) {
  const dom = await page.evaluate(() => ({
    url: location.href,
    dir: document.documentElement.dir,
    lang: document.documentElement.lang,
    bodyDirection: getComputedStyle(document.body).direction,
    h1: document.querySelector('h1')?.textContent.trim() ?? null,
    viewportWidth: window.innerWidth,
    // Wider content than the viewport means a reader has to scroll sideways.
    overflowX: document.documentElement.scrollWidth > window.innerWidth,
  }));
  result.steps.push({ step, ...dom, clicked: clicked ?? null });
}

// Clicks the first visible link inside <main> whose resolved URL matches `re`.
async function clickLink(page, re, what) {
  const links = page.locator('main a[href]');
  const hrefs = await links.evaluateAll((as) => as.map((a) => a.href));
  for (let i = 0; i < hrefs.length; i++) {
    if (!re.test(hrefs[i])) continue;
    const link = links.nth(i);
    if (!(await link.isVisible())) continue;
    const text = (await link.textContent()).trim();
    const href = await link.getAttribute('href');
    const before = page.url();
    await Promise.all([
      page.waitForURL((u) => u.href !== before, { waitUntil: 'load' }),
      link.click(),
    ]);
    return { text, href };
  }
  throw new Error(`no visible ${what} link in <main> of ${page.url()}; links: ${hrefs.join(' ')}`);
}

await report(result, async (browser) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  watch(page, result);

  await page.goto(pathToFileURL(path.join(root, 'index.html')).href, { waitUntil: 'load' });
  await describe(page, 'home');

  const toArticle = await clickLink(page, ARTICLE, 'article');
  await describe(page, 'article', toArticle);

  const toCountry = await clickLink(page, COUNTRY, 'country');
  await describe(page, 'country', toCountry);

  for (const extra of extraPages) {
    // `phone:<page>` opens the page on a phone-sized screen.
    const phone = extra.startsWith('phone:');
    const redirect = extra.startsWith('redirect:');
    const rel = extra.replace(/^(phone|redirect):/, '');
    await page.setViewportSize(phone ? { width: 360, height: 740 } : { width: 1280, height: 900 });
    const start = pathToFileURL(path.join(root, rel)).href;
    if (redirect) {
      // The meta refresh fires after load: wait until the URL is another
      // page's (at once if the refresh was quicker than this line) and loaded.
      await page.goto(start, { waitUntil: 'commit' });
      await page.waitForURL((u) => u.href !== start, { waitUntil: 'load' });
    } else {
      await page.goto(start, { waitUntil: 'load' });
    }
    await describe(page, extra);
  }
});
