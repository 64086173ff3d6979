// The text rules of kuzet/quality/texts.py, evaluated on the tablet (offline) from the same
// rule data (the offline package's rules.text_quality: kuzet/quality/rules/ as JSON).
// Everything but *copied*, which needs other institutions' texts (the server checks it at
// sync). The shared vectors (text-vectors.json) run against both; keep them in step.

const TAGS = /<[^<>]{0,500}>/g;
const ENTITIES = /&(?:[a-zA-Z]{2,8}|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});/g;
const TOKEN = /[\p{L}\p{N}]+|№/gu;
const DIGIT = /[0-9]/;
const YEAR = /^[0-9]{4}$/;
const PHRASE_CHARS = 60;
const QUOTED = 3; // the stock formulae a message quotes, at most
const WEAK_CODE = {
  finding: ["standard_answer", "no_facts"],
  recommendation: ["vague_recommendation", "not_concrete"],
};

export const fold = (text) => text.normalize("NFC").toLowerCase().replaceAll("ё", "е");

/** {tokens: [{raw, word, start, end}], text}: the text's tokens and the text they index. */
export function tokenize(text) {
  const clean = (text || "").normalize("NFC").replace(TAGS, " ").replace(ENTITIES, " ");
  const tokens = [];
  for (const m of clean.matchAll(TOKEN)) {
    tokens.push({ raw: m[0], word: fold(m[0]), start: m.index, end: m.index + m[0].length });
  }
  return { tokens, text: clean };
}

export const wordCount = (text) => tokenize(text).tokens.length;

const indexes = new WeakMap();

function indexOf(data) {
  let index = indexes.get(data);
  if (index) return index;
  index = { exact: new Map(), prefixes: new Map(), suffixes: new Map(), shortestPrefix: Infinity, shortestSuffix: Infinity };
  const put = (map, key, value) => { if (!map.has(key)) map.set(key, []); map.get(key).push(value); };
  for (const [name, entries] of Object.entries(data.lexicons)) {
    entries.forEach((entry, entryIndex) => {
      entry.forEach((alternatives, position) => {
        for (const alternative of alternatives) {
          const key = [name, entryIndex, position];
          if (alternative.endsWith("*")) {
            put(index.prefixes, alternative.slice(0, -1), key);
            index.shortestPrefix = Math.min(index.shortestPrefix, alternative.length - 1);
          } else if (alternative.startsWith("*")) {
            put(index.suffixes, alternative.slice(1), key);
            index.shortestSuffix = Math.min(index.shortestSuffix, alternative.length - 1);
          } else {
            put(index.exact, alternative, key);
          }
        }
      });
    });
  }
  if (index.shortestPrefix === Infinity) index.shortestPrefix = 2;
  if (index.shortestSuffix === Infinity) index.shortestSuffix = 2;
  indexes.set(data, index);
  return index;
}

function hitsOf(index, words) {
  const hits = new Map(); // "name\u0000entry\u0000position" → ascending token positions
  words.forEach((word, i) => {
    const keys = [...(index.exact.get(word) || [])];
    for (let k = index.shortestPrefix; k <= word.length; k++) keys.push(...(index.prefixes.get(word.slice(0, k)) || []));
    for (let k = index.shortestSuffix; k < word.length; k++) keys.push(...(index.suffixes.get(word.slice(-k)) || []));
    for (const key of keys) {
      const id = key.join("\u0000");
      if (!hits.has(id)) hits.set(id, { key, positions: [] });
      const positions = hits.get(id).positions;
      if (!positions.length || positions.at(-1) !== i) positions.push(i);
    }
  });
  return hits;
}

function firstAfter(list, value) { // bisect_right
  let low = 0, high = list.length;
  while (low < high) { const mid = (low + high) >> 1; if (list[mid] <= value) low = mid + 1; else high = mid; }
  return low;
}

function extend(hits, name, entry, position, previous, length, gap) {
  if (position === length) return previous;
  const candidates = hits.get([name, entry, position].join("\u0000"))?.positions || [];
  for (let i = firstAfter(candidates, previous); i < candidates.length; i++) {
    const here = candidates[i];
    if (here > previous + gap + 1) break;
    const end = extend(hits, name, entry, position + 1, here, length, gap);
    if (end !== null) return end;
  }
  return null;
}

const compareKeys = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);

/** lexicon → [[phrase, first token, last token]], in order of first token. */
export function findPhrases(data, words) {
  const hits = hitsOf(indexOf(data), words);
  const gap = data.settings.max_gap;
  const found = {};
  const firsts = [...hits.values()].filter((h) => h.key[2] === 0).map((h) => h.key).sort(compareKeys);
  for (const [name, entry] of firsts) {
    const length = data.lexicons[name][entry].length;
    for (const start of hits.get([name, entry, 0].join("\u0000")).positions) {
      const end = extend(hits, name, entry, 1, start, length, gap);
      if (end !== null) (found[name] ||= []).push([entry, start, end]);
    }
  }
  for (const matches of Object.values(found)) matches.sort((a, b) => a[1] - b[1] || a[2] - b[2] || a[0] - b[0]);
  return found;
}

function citedNumbers(data, words, found) {
  const s = data.settings;
  const ends = (name) => new Set((found[name] || []).map((m) => m[2]));
  const citeEnds = ends("cite"), institutionEnds = ends("institution"), placeEnds = ends("place");
  const citeStarts = new Set((found.cite || []).map((m) => m[1]));
  const window = s.cite_window, joiners = new Set(s.cite_joiners);
  const inTime = new Set();
  for (const [, b, e] of found.time || []) for (let p = b; p <= e; p++) inTime.add(p);
  const digits = words.map((w, i) => (DIGIT.test(w) ? i : -1)).filter((i) => i >= 0);
  const cited = words.map(() => false);
  const namesSomething = (i) => {
    if (i === 0) return true;
    for (let e = i - window; e < i; e++) if (citeEnds.has(e)) return true;
    for (let b = i + 1; b <= i + window; b++) if (citeStarts.has(b)) return true;
    if (words[i - 1] === "№") {
      for (let q = i - 2; q > Math.max(-1, i - 2 - s.institution_window); q--) {
        if (placeEnds.has(q)) return false;
        if (institutionEnds.has(q) || citeEnds.has(q)) return true;
      }
    }
    return false;
  };
  for (const i of digits) cited[i] = namesSomething(i);
  let changed = true;
  while (changed) {
    changed = false;
    for (const i of digits) {
      if (cited[i]) continue;
      for (const j of digits) {
        if (!cited[j] || Math.abs(i - j) === 0 || Math.abs(i - j) > 4) continue;
        let joined = true;
        for (let q = Math.min(i, j) + 1; q < Math.max(i, j); q++) if (!joiners.has(words[q]) && !inTime.has(q)) joined = false;
        if (joined) { cited[i] = changed = true; break; }
      }
    }
  }
  return cited;
}

/** {words, points, stock, need}: what the rules see in a text (texts.py analyse). */
export function analyse(kind, text, data) {
  const s = data.settings;
  const k = s[kind];
  const { tokens, text: clean } = tokenize(text);
  const words = tokens.map((t) => t.word);
  const found = findPhrases(data, words);
  const cited = citedNumbers(data, words, found);
  const last = tokens.length - 1;
  const before = new Set(s.negators_before), after = new Set(s.negators_after);
  const result = { words: tokens.length, points: {}, stock: [], need: 0 };
  const stockSpans = [];
  for (const [, start, end] of found[k.stock] || []) {
    if (!stockSpans.length || start > stockSpans.at(-1)[1]) {
      stockSpans.push([start, end]);
      result.stock.push(clean.slice(tokens[start].start, tokens[end].end).replace(/\s+/g, " "));
    }
  }
  const inStock = new Set();
  for (const [b, e] of stockSpans) for (let p = b; p <= e; p++) inStock.add(p);
  const stockStarts = new Set(stockSpans.map(([b]) => b));
  const citedNumber = words.map((w, i) => cited[i] && DIGIT.test(w));
  const positive = (name) => (found[name] || []).filter(([, start, end]) => {
    if ((start > 0 && before.has(words[start - 1])) || (end < last && after.has(words[end + 1]))) return false;
    for (let p = start; p <= end; p++) if (inStock.has(p)) return false;
    if (name === "time" && [start - 1, end + 1].some((q) => q >= 0 && q <= last && citedNumber[q])) return false;
    // "побоев не обнаружено", "жарақаттары байқалған жоқ": denied by the stock formula after it.
    if (name === "condition" && (stockStarts.has(end + 1) || stockStarts.has(end + 2))) return false;
    return true;
  });
  const identified = (start, end, anyNumber) => {
    const w = s.id_window;
    const near = [];
    for (let q = Math.max(0, start - w); q < start; q++) near.push(q);
    for (let q = end + 1; q <= Math.min(last, end + w); q++) near.push(q);
    return near.some((q) => (DIGIT.test(words[q]) && (anyNumber || !cited[q]))
      || ([...tokens[q].raw].length === 1 && tokens[q].raw !== tokens[q].word));
  };
  const numbers = words.filter((w, i) => DIGIT.test(w) && !cited[i]);
  const years = numbers.filter((w) => YEAR.test(w) && Number(w) >= s.year_min && Number(w) <= s.year_max);
  for (const [name, weight] of Object.entries(k.weights)) {
    let points;
    if (name === "number") points = numbers.length > years.length ? weight : 0;
    else if (name === "year") points = years.length ? weight : 0;
    else if (name.endsWith("_id")) {
      const base = name.slice(0, -3);
      points = positive(base).some(([, b, e]) => identified(b, e, base === "cite")) ? weight : 0;
    } else {
      const distinct = new Set(positive(name).map(([index]) => index));
      points = weight * Math.min(distinct.size, (k.caps || {})[name] ?? 1);
    }
    if (points) result.points[name] = points;
  }
  result.need = result.stock.length ? k.min_score_with_stock + k.stock_step * (result.stock.length - 1) : k.min_score;
  return result;
}

const score = (analysis) => Object.values(analysis.points).reduce((a, b) => a + b, 0);

/** [{code, message}]: why a text is weak (texts.py check_text, without *copied*).
 *  ``messages[kind][code]`` are the server's messages in the user's language. */
export function checkText(kind, text, data, messages = {}) {
  const analysis = analyse(kind, text, data);
  const say = (code, phrase) => {
    const template = messages[kind]?.[code] || code;
    return phrase === undefined ? template : template.replace("%(phrase)s", phrase);
  };
  const reasons = [];
  if (analysis.words < data.settings[kind].min_words) reasons.push({ code: "too_short", message: say("too_short") });
  if (score(analysis) < analysis.need) {
    const [withStock, without] = WEAK_CODE[kind];
    if (analysis.stock.length) {
      const phrase = analysis.stock.slice(0, QUOTED)
        .map((p) => (p.length <= PHRASE_CHARS ? p : `${p.slice(0, PHRASE_CHARS - 1)}…`)).join(" … ");
      reasons.push({ code: withStock, message: say(withStock, phrase) });
    } else {
      reasons.push({ code: without, message: say(without) });
    }
  }
  return reasons;
}
