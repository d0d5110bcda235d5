// Searches an --offline arshif build from disk in headless Chromium.
//
//   node search.mjs <output-dir> <vectors.tsv> <step> …
//
// Steps:
//   q:<query>                         open search/index.html?q=<query>
//   filter:<query>|<taxonomy>|<term>  the same, then click that term's filter
//   type:<query>                      open search/index.html, type the query
//   more:<query>                      open with ?q=, then click «نتائج أخرى»
// Each step waits for the search to finish and describes the rendered DOM:
// status, count, results (title text, href, the <mark>ed words, snippet,
// how many elements the title holds), filters (taxonomy → term names,
// pressed ones), the time from the query to the results (`ms`, measured by
// search.js with performance.now()) and the index files it loaded.
//
// Before the steps, the vectors file (`word<TAB>key[<TAB>alt]`) is run
// through search.js's analyzer in the page: `vectors` lists the mismatches.
// Prints one JSON object:
//   { "vectors": { "checked", "wrong": [...] }, "steps": [...],
//     "externalRequests": [...], "failedRequests": [...], "pageErrors": [...] }
// or { "error": "…" } with exit status 1.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { report, watch } from './chromium.mjs';

const [outDir, vectorsFile, ...steps] = process.argv.slice(2);
if (!outDir || !vectorsFile) {
  console.log(JSON.stringify({ error: 'usage: node search.mjs <output-dir> <vectors.tsv> <step> …' }));
  process.exit(1);
}
const root = path.resolve(outDir);
const pageUrl = pathToFileURL(path.join(root, 'search', 'index.html')).href;
const result = { vectors: null, steps: [], externalRequests: [], failedRequests: [], pageErrors: [] };

const vectors = fs
  .readFileSync(vectorsFile, 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'))
  .map((l) => l.split('\t'));

// Waits until search.js says the search for `q` is done (or failed).
async function settled(page, q) {
  await page.waitForFunction(
    (q) => {
      const app = document.getElementById('search-app');
      return app && app.dataset.query === q && ['done', 'error', 'idle'].includes(app.dataset.state);
    },
    q,
    { timeout: 30_000 },
  );
}

async function describe(page, step) {
  const dom = await page.evaluate(() => {
    const app = document.getElementById('search-app');
    return {
      url: location.href,
      state: app.dataset.state,
      status: document.getElementById('search-status').textContent,
      count: Number(app.dataset.count ?? -1),
      ms: Number(app.dataset.ms ?? -1),
      loaded: (app.dataset.loaded || '').split(' ').filter(Boolean),
      input: document.getElementById('search-q').value,
      scriptsInResults: document.querySelectorAll('#search-results script, #search-filters script').length,
      pwned: window.__pwned === true,
      results: [...document.querySelectorAll('#search-results > li')].map((li) => {
        const a = li.querySelector('h2 a');
        return {
          title: a?.textContent ?? null,
          href: a?.href ?? null,
          titleElements: [...(a?.querySelectorAll('*') ?? [])].map((e) => e.localName),
          date: li.querySelector('time')?.textContent ?? null,
          marks: [...li.querySelectorAll('mark')].map((m) => m.textContent),
          snippet: li.querySelector('.snippet')?.textContent ?? null,
        };
      }),
      filters: Object.fromEntries(
        [...document.querySelectorAll('#search-filters .facet')].map((f) => [
          f.dataset.taxonomy,
          [...f.querySelectorAll('button')].map((b) => ({
            term: b.dataset.term,
            pressed: b.getAttribute('aria-pressed') === 'true',
          })),
        ]),
      ),
    };
  });
  result.steps.push({ step, ...dom });
}

await report(result, async (browser) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  watch(page, result);

  await page.goto(pageUrl, { waitUntil: 'load' });
  await settled(page, '');
  result.vectors = await page.evaluate((vectors) => {
    const A = arshifAnalysis; // eslint-disable-line no-undef
    const wrong = [];
    for (const [word, want, wantAlt = ''] of vectors) {
      const folded = A.fold(word);
      const got = A.words(folded).map(A.key).join(' ');
      const alt = A.words(folded).map(A.altKey).filter((x) => x !== null).join(' ');
      if (got !== want || alt !== wantAlt) wrong.push({ word, got, want, alt, wantAlt });
    }
    return { checked: vectors.length, wrong };
  }, vectors);

  for (const step of steps) {
    const colon = step.indexOf(':');
    const kind = step.slice(0, colon);
    const arg = step.slice(colon + 1);
    if (kind === 'q' || kind === 'more') {
      await page.goto(`${pageUrl}?q=${encodeURIComponent(arg)}`, { waitUntil: 'load' });
      await settled(page, arg);
      if (kind === 'more') {
        const before = await page.locator('#search-results > li').count();
        await page.click('#search-more');
        await page.waitForFunction((n) => document.querySelectorAll('#search-results > li').length > n, before);
      }
    } else if (kind === 'filter') {
      const [q, taxonomy, term] = arg.split('|');
      await page.goto(`${pageUrl}?q=${encodeURIComponent(q)}`, { waitUntil: 'load' });
      await settled(page, q);
      const button = page.locator(`#search-filters .facet[data-taxonomy="${taxonomy}"] button[data-term="${term}"]`);
      await button.click();
      await page.waitForFunction(
        ({ taxonomy, term }) => {
          const b = document.querySelector(
            `#search-filters .facet[data-taxonomy="${taxonomy}"] button[data-term="${term}"]`);
          const app = document.getElementById('search-app');
          return b && b.getAttribute('aria-pressed') === 'true' && app.dataset.state === 'done';
        },
        { taxonomy, term },
      );
    } else if (kind === 'type') {
      await page.goto(pageUrl, { waitUntil: 'load' });
      await settled(page, '');
      // One keystroke at a time, as a reader types; `ms` is measured from
      // the last keystroke's input event to the results on screen.
      await page.locator('#search-q').pressSequentially(arg, { delay: 30 });
      await settled(page, arg);
    } else {
      throw new Error(`unknown step ${step}`);
    }
    await describe(page, step);
  }
});
