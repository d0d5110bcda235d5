// arshif's search, in the reader's browser. No build step, no dependencies.
//
// The index (search/index.js and the shards beside it, written by the build)
// is loaded with <script> tags only: each file calls arshifSearch(name, data).
// No fetch or XHR, so the search works from file:// as over HTTP.
//
// The analysis (fold, words, key, altKey) is the one of the Rust indexer
// (src/search/analyze.rs); tests/search-vectors.tsv checks both.
//
// The build checks that this script says which index format it reads
// (src/search/index.rs, FORMAT); a fork must keep the line below true.
// arshif-search-index: 4
'use strict';
const ARSHIF_SEARCH_INDEX = 4;

const arshifAnalysis = (() => {
  const MIN_STEM = 3;
  const PREFIXES = ['وال', 'بال', 'كال', 'فال', 'لل', 'ال'];
  const SUFFIXES = ['يين', 'يون', 'ات', 'ون', 'ين', 'ها', 'هم', 'يه', 'يا', 'ه', 'ي', 'ا'];
  const PROCLITICS = ['و', 'ف', 'ب', 'ل', 'ك'];
  // Rust's char::is_whitespace (the White_Space property).
  const SPACE = /^[\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]$/u;
  const UPPER = /^\p{Uppercase}$/u;
  const WORD_CHAR = /[\p{Alphabetic}\p{N}]/u;
  const NOT_WORD = /[^\p{Alphabetic}\p{N}]+/u;
  const ARABIC_WORD = /^[\u0621-\u064A]+$/;

  const between = (cp, lo, hi) => cp >= lo && cp <= hi;
  const isInvisible = (cp) =>
    between(cp, 0x200b, 0x200f) || cp === 0x061c || between(cp, 0x202a, 0x202e) ||
    between(cp, 0x2066, 0x2069) || cp === 0xfeff || cp === 0x00ad;
  const isTashkeel = (cp) =>
    between(cp, 0x064b, 0x065f) || cp === 0x0670 || between(cp, 0x0610, 0x061a) ||
    between(cp, 0x06d6, 0x06ed);
  const isPresentation = (cp) => between(cp, 0xfb50, 0xfdff) || between(cp, 0xfe70, 0xfefc);

  // One character through the fold; '' drops it.
  function foldChar(c) {
    const cp = c.codePointAt(0);
    if (cp === 0x0640 || cp === 0x066c || isInvisible(cp) || isTashkeel(cp)) return '';
    switch (cp) {
      case 0x0622: case 0x0623: case 0x0625: case 0x0671: return 'ا';
      case 0x0649: case 0x06cc: return 'ي';
      case 0x0629: return 'ه';
      case 0x06a9: return 'ك';
      case 0x066b: return '.';
      case 0x0624: return 'و';
      case 0x0626: return 'ي';
    }
    if (between(cp, 0x0660, 0x0669)) return String(cp - 0x0660);
    if (between(cp, 0x06f0, 0x06f9)) return String(cp - 0x06f0);
    return UPPER.test(c) ? c.toLowerCase() : c;
  }

  // The search fold (fold a of docs/arabic.md): see arabic::fold_search.
  function fold(text) {
    let s = text.normalize('NFC');
    let hasPresentation = false;
    for (const c of s) if (isPresentation(c.codePointAt(0))) { hasPresentation = true; break; }
    if (hasPresentation) {
      let x = '';
      for (const c of s) x += isPresentation(c.codePointAt(0)) ? c.normalize('NFKC') : c;
      s = x.normalize('NFC');
    }
    let out = '';
    let space = false;
    for (const c of s) {
      if (SPACE.test(c)) { space = out.length > 0; continue; }
      const f = foldChar(c);
      if (!f) continue;
      if (space) { out += ' '; space = false; }
      out += f;
    }
    return out;
  }

  const words = (folded) => folded.split(NOT_WORD).filter((w) => w.length > 0);

  // [stem, whether a prefix was stripped]
  function stem(word) {
    if (!ARABIC_WORD.test(word)) return [word, false];
    let s = word;
    let prefixed = false;
    for (const p of PREFIXES) {
      if (s.startsWith(p) && s.length - p.length >= MIN_STEM) {
        s = s.slice(p.length);
        prefixed = true;
        break;
      }
    }
    for (const x of SUFFIXES) {
      if (s.endsWith(x) && s.length - x.length >= MIN_STEM) {
        s = s.slice(0, s.length - x.length);
        break;
      }
    }
    return [s, prefixed];
  }

  const key = (word) => stem(word)[0];

  function altKey(word) {
    if (!PROCLITICS.includes(word[0]) || word.length - 1 < MIN_STEM) return null;
    const [own, prefixed] = stem(word);
    if (prefixed || !ARABIC_WORD.test(word)) return null;
    const alt = key(word.slice(1));
    return alt !== own ? alt : null;
  }

  const analyze = (text) => words(fold(text)).map(key);

  return { fold, words, key, altKey, analyze, WORD_CHAR };
})();

(() => {
  const app = document.getElementById('search-app');
  if (!app) return;
  const A = arshifAnalysis;
  const TITLE = 1, TAG = 4;
  const PAGE = 20;
  const base = app.dataset.index;
  const root = app.dataset.root;
  const input = document.getElementById('search-q');
  const status = document.getElementById('search-status');
  const filtersBox = document.getElementById('search-filters');
  const list = document.getElementById('search-results');
  const more = document.getElementById('search-more');

  // ---- Loading index files through <script> tags ------------------------
  const store = new Map();
  const pending = new Map();
  const loaded = [];
  window.arshifSearch = (name, data) => { store.set(name, data); };
  function load(name) {
    if (store.has(name)) return Promise.resolve(store.get(name));
    if (pending.has(name)) return pending.get(name);
    const p = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = base + name + '.js';
      s.onload = () => {
        s.remove();
        if (store.has(name)) { loaded.push(name); resolve(store.get(name)); }
        else reject(new Error('the file ' + s.src + ' did not register ' + name));
      };
      s.onerror = () => { s.remove(); pending.delete(name); reject(new Error('cannot load ' + s.src)); };
      document.head.append(s);
    });
    pending.set(name, p);
    return p;
  }

  // ---- Postings ---------------------------------------------------------
  const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_';
  const VALUE = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) VALUE[DIGITS.charCodeAt(i)] = i;
  // A reader of the index's base-64 varints.
  function reader(s) {
    let at = 0;
    return {
      next() {
        let n = 0, mul = 1;
        for (;;) {
          const d = VALUE[s.charCodeAt(at++)];
          if (d === undefined || d < 0) throw new Error('bad index data');
          if (d < 32) return n + d * mul;
          n += (d - 32) * mul;
          mul *= 32;
        }
      },
      done() { return at >= s.length; },
      offset() { return at; },
    };
  }

  // The shards that hold `key`: the 32-bit FNV-1a hash of its UTF-8 bytes,
  // masked to the base's shard count and to the tail's (powers of two), as
  // src/search/shard.rs. Documents below manifest.tailFrom are in the base
  // (k/, p/), the newer ones in the tail (kt/, pt/); an empty segment is
  // not loaded.
  const utf8 = new TextEncoder();
  function segmentsOf(manifest, key) {
    let h = 0x811c9dc5;
    for (const b of utf8.encode(key)) h = Math.imul(h ^ b, 0x01000193);
    h >>>= 0;
    const out = [];
    if (manifest.tailFrom > 0) {
      const n = h & (manifest.shards - 1);
      out.push(['k/' + n, 'p/' + n]);
    }
    if (manifest.tailFrom < manifest.docs) {
      const n = h & (manifest.tailShards - 1);
      out.push(['kt/' + n, 'pt/' + n]);
    }
    return out;
  }

  // Map doc → fields for `key`; with `positions`, also doc → [positions].
  // Each segment's list numbers its first document from 0, as a list does.
  async function postings(manifest, key, positions) {
    const out = { docs: new Map(), pos: positions ? new Map() : null };
    const segments = segmentsOf(manifest, key);
    const lists = await Promise.all(segments.map(async ([k, p]) => {
      const s = (await load(k))[key];
      return s === undefined ? null : [s, positions ? (await load(p))[key] || '' : ''];
    }));
    for (const list of lists) {
      if (!list) continue;
      const r = reader(list[0]);
      const order = [];
      let doc = -1;
      while (!r.done()) {
        const v = r.next();
        doc += Math.floor(v / 8) + 1;
        out.docs.set(doc, v % 8);
        order.push(doc);
      }
      if (positions) {
        const p = reader(list[1]);
        // Per document: the list's length in characters, the first
        // position, the gaps to the next.
        for (const d of order) {
          const length = p.next();
          const end = p.offset() + length;
          const at = [];
          let q = 0;
          while (p.offset() < end) { q += p.next(); at.push(q); }
          if (p.offset() !== end) throw new Error('bad index data');
          out.pos.set(d, at);
        }
      }
    }
    return out;
  }

  // ---- Queries ----------------------------------------------------------
  // Words outside quotes, and phrases inside "…", «…» or “…”.
  function parse(q) {
    const terms = [];
    const phrases = [];
    const add = (text, phrase) => {
      const idx = [];
      for (const w of A.words(A.fold(text))) {
        idx.push(terms.length);
        terms.push({ fold: w, key: A.key(w) });
      }
      if (phrase && idx.length > 1) phrases.push(idx);
    };
    const rest = q.replace(/["«“]([^"»”]*)["»”]?/g, (_, inner) => { add(inner, true); return ' '; });
    add(rest, false);
    return { terms, phrases };
  }

  // The documents matching every term (and every phrase), ranked.
  async function run(manifest, q) {
    const { terms, phrases } = parse(q);
    if (terms.length === 0) return { ids: [], terms };
    const inPhrase = new Set(phrases.flat());
    const lists = await Promise.all(terms.map(async (t, i) => {
      const [word, tag] = await Promise.all([
        postings(manifest, t.key, inPhrase.has(i)),
        postings(manifest, '=' + t.fold, inPhrase.has(i)),
      ]);
      const docs = new Map(word.docs);
      for (const [d, f] of tag.docs) docs.set(d, (docs.get(d) || 0) | f | TAG);
      let pos = null;
      if (inPhrase.has(i)) {
        pos = new Map(word.pos);
        for (const [d, l] of tag.pos) pos.set(d, (pos.get(d) || []).concat(l));
      }
      return { docs, pos };
    }));
    const smallest = lists.reduce((a, b) => (b.docs.size < a.docs.size ? b : a));
    const scored = [];
    for (const d of smallest.docs.keys()) {
      let score = 0;
      let all = true;
      for (const l of lists) {
        const f = l.docs.get(d);
        if (f === undefined) { all = false; break; }
        score += f & (TITLE | TAG) ? 2 : 1;
      }
      if (!all) continue;
      if (!phrases.every((ph) => hasPhrase(ph.map((i) => lists[i].pos.get(d))))) continue;
      scored.push([score, d]);
    }
    // Documents are numbered oldest first: higher is newer.
    scored.sort((a, b) => b[0] - a[0] || b[1] - a[1]);
    return { ids: scored.map((x) => x[1]), terms };
  }

  // Whether the position lists hold consecutive positions p, p+1, p+2…
  function hasPhrase(lists) {
    if (lists.some((l) => !l)) return false;
    const sets = lists.map((l) => new Set(l));
    return lists[0].some((p) => sets.every((s, i) => s.has(p + i)));
  }

  // ---- Showing results --------------------------------------------------
  const state = { manifest: null, q: '', result: null, filters: new Map(), shown: 0, seq: 0 };

  function matcher(terms) {
    const keys = new Set(terms.map((t) => t.key));
    const folds = new Set(terms.map((t) => t.fold));
    return (word) => A.words(A.fold(word)).some((w) => {
      const alt = A.altKey(w);
      return keys.has(A.key(w)) || folds.has(w) || (alt !== null && keys.has(alt));
    });
  }

  const WORD = /[\p{Alphabetic}\p{N}\p{M}\u200B-\u200F\u061C\uFEFF\u00AD]+/gu;
  // Appends `text` to `el`, each matching word inside <mark>.
  function highlight(el, text, isMatch) {
    let at = 0;
    for (const m of text.matchAll(WORD)) {
      if (!isMatch(m[0])) continue;
      if (m.index > at) el.append(text.slice(at, m.index));
      const mark = document.createElement('mark');
      mark.textContent = m[0];
      el.append(mark);
      at = m.index + m[0].length;
    }
    if (at < text.length) el.append(text.slice(at));
  }

  // About 220 characters of the excerpt around its first match.
  function snippet(text, isMatch) {
    let first = -1;
    for (const m of text.matchAll(WORD)) if (isMatch(m[0])) { first = m.index; break; }
    let start = 0;
    if (first > 80) {
      start = text.lastIndexOf(' ', first - 60);
      start = start < 0 ? 0 : start + 1;
    }
    let end = Math.min(text.length, start + 220);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > start) end = space;
    }
    let s = text.slice(start, end);
    if (start > 0) s = '…' + s;
    if (end < text.length && !s.endsWith('…')) s += '…';
    return s;
  }

  async function doc(manifest, id) {
    const chunk = await load('d/' + Math.floor(id / manifest.docChunk));
    return chunk[id % manifest.docChunk];
  }

  async function renderMore(seq) {
    const { manifest, result } = state;
    const ids = filtered();
    const page = ids.slice(state.shown, state.shown + PAGE);
    const docs = await Promise.all(page.map((id) => doc(manifest, id)));
    if (seq !== state.seq) return;
    const isMatch = matcher(result.terms);
    for (const [title, url, iso, display, excerpt] of docs) {
      const li = document.createElement('li');
      li.className = 'result';
      const h = document.createElement('h2');
      const a = document.createElement('a');
      a.href = root + url;
      highlight(a, title, isMatch);
      h.append(a);
      const meta = document.createElement('p');
      meta.className = 'meta';
      const time = document.createElement('time');
      time.dateTime = iso;
      time.textContent = display;
      meta.append(time);
      const p = document.createElement('p');
      p.className = 'snippet';
      highlight(p, snippet(excerpt, isMatch), isMatch);
      li.append(h, meta, p);
      list.append(li);
    }
    state.shown += page.length;
    more.hidden = state.shown >= ids.length;
  }

  function filtered() {
    let ids = state.result.ids;
    for (const set of state.filterSets || []) ids = ids.filter((d) => set.has(d));
    return ids;
  }

  // Filters: the terms of the first results, per taxonomy. The sample is
  // the first facetSample results that lie in at most FACET_FILES facet
  // files, so that results spread over the years do not load them all.
  const FACET_FILES = 4;
  async function renderFilters(seq) {
    const { manifest, result } = state;
    const sample = [];
    const files = new Set();
    for (const d of result.ids) {
      if (sample.length >= manifest.facetSample) break;
      const n = Math.floor(d / manifest.facetChunk);
      if (!files.has(n)) {
        if (files.size >= FACET_FILES) continue;
        files.add(n);
      }
      sample.push(d);
    }
    const chunks = new Map();
    await Promise.all([...files].map(async (n) => chunks.set(n, await load('f/' + n))));
    if (seq !== state.seq) return;
    const exact = sample.length === result.ids.length;
    filtersBox.replaceChildren();
    manifest.taxonomies.forEach((tax, t) => {
      // Terms by slug: their name, and their place in the taxonomy's order.
      const order = new Map(tax.terms.map(([slug, name], i) => [slug, { name, i }]));
      const counts = new Map();
      for (const d of sample) {
        const terms = chunks.get(Math.floor(d / manifest.facetChunk))[d % manifest.facetChunk][t] || [];
        for (const slug of terms) counts.set(slug, (counts.get(slug) || 0) + 1);
      }
      const chosen = state.filters.get(t);
      if (chosen !== undefined && !counts.has(chosen)) counts.set(chosen, 0);
      if (counts.size === 0) return;
      const rank = (slug) => (order.has(slug) ? order.get(slug).i : Infinity);
      const top = [...counts].sort((a, b) => b[1] - a[1] || rank(a[0]) - rank(b[0])).slice(0, 12);
      const group = document.createElement('div');
      group.className = 'facet';
      group.dataset.taxonomy = tax.name;
      const label = document.createElement('p');
      label.className = 'facet-title';
      label.textContent = tax.title;
      const ul = document.createElement('ul');
      ul.className = 'chips';
      for (const [slug, n] of top) {
        const termName = order.has(slug) ? order.get(slug).name : slug;
        const li = document.createElement('li');
        const b = document.createElement('button');
        b.type = 'button';
        b.setAttribute('aria-pressed', String(chosen === slug));
        b.dataset.term = termName;
        const name = document.createElement('bdi');
        name.textContent = termName;
        b.append(name);
        if (exact) b.append(' (' + n + ')');
        b.addEventListener('click', () => {
          if (state.filters.get(t) === slug) state.filters.delete(t); else state.filters.set(t, slug);
          search(state.q, performance.now());
        });
        li.append(b);
        ul.append(li);
      }
      group.append(label, ul);
      filtersBox.append(group);
    });
  }

  function setStatus(text, stateName) {
    status.textContent = text;
    app.dataset.state = stateName;
  }

  async function search(q, started) {
    const seq = ++state.seq;
    state.q = q;
    app.dataset.query = q;
    try {
      if (!state.manifest) state.manifest = await load('index');
      const manifest = state.manifest;
      if (manifest.version !== ARSHIF_SEARCH_INDEX) {
        throw new Error('this search.js reads index format ' + ARSHIF_SEARCH_INDEX + ', the site has format ' + manifest.version);
      }
      if (!q.trim()) {
        list.replaceChildren();
        filtersBox.replaceChildren();
        more.hidden = true;
        setStatus('', 'idle');
        return;
      }
      setStatus('جارٍ البحث…', 'busy');
      const result = await run(manifest, q);
      // A filter is the key #<taxonomy>:<term slug>.
      state.filterSets = await Promise.all([...state.filters].map(async ([t, slug]) =>
        new Set((await postings(manifest, '#' + manifest.taxonomies[t].name + ':' + slug, false)).docs.keys())));
      if (seq !== state.seq) return;
      state.result = result;
      state.shown = 0;
      list.replaceChildren();
      const count = filtered().length;
      await Promise.all([renderMore(seq), renderFilters(seq)]);
      if (seq !== state.seq) return;
      setStatus(count === 0 ? 'لا نتائج.' : 'عدد النتائج: ' + count, 'done');
      app.dataset.count = String(count);
      app.dataset.ms = (performance.now() - started).toFixed(1);
      app.dataset.loaded = loaded.join(' ');
    } catch (e) {
      if (seq === state.seq) setStatus('تعذّر البحث: ' + e.message, 'error');
    }
  }

  input.addEventListener('input', () => {
    state.filters.clear();
    search(input.value, performance.now());
    try {
      const url = new URL(location.href);
      url.searchParams.set('q', input.value);
      history.replaceState(null, '', url);
    } catch (_) { /* some file:// setups refuse; the search still runs */ }
  });
  input.form.addEventListener('submit', (e) => {
    e.preventDefault();
    search(input.value, performance.now());
  });
  more.addEventListener('click', () => renderMore(state.seq));

  const q = new URLSearchParams(location.search).get('q') || '';
  input.value = q;
  const header = document.getElementById('site-search');
  if (header) header.value = q;
  search(q, performance.now());
})();
