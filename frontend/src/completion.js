// Completion for the SPARQL editor, from three sources, all on the page's own server:
//  - keywords and the predeclared prefixes (a bare word);
//  - the classes and properties the dataset really uses (after "prefix:", or a bare word matching a
//    term's name or its label), from GET sparql/vocabulary.json, fetched once;
//  - our resources by label (a bare word of three letters or more, or the start of a string), from
//    GET search/complete?q=&lang=&limit=10, answering {"results": [{"iri", "label", "lang", "types"}]}.
// A source that is unavailable (offline, an older server without search) just offers nothing.

const KEYWORDS = [
  "SELECT", "DISTINCT", "REDUCED", "CONSTRUCT", "DESCRIBE", "ASK", "WHERE", "FROM", "NAMED", "GRAPH",
  "OPTIONAL", "UNION", "MINUS", "FILTER", "BIND", "VALUES", "SERVICE", "EXISTS", "NOT", "IN", "AS",
  "ORDER BY", "GROUP BY", "HAVING", "LIMIT", "OFFSET", "ASC", "DESC", "COUNT", "SAMPLE", "GROUP_CONCAT",
  "MIN", "MAX", "SUM", "AVG", "LANG", "LANGMATCHES", "STR", "STRSTARTS", "CONTAINS", "REGEX", "COALESCE",
  "IF", "BOUND", "YEAR", "PREFIX", "BASE",
];
const WORD = /[\p{L}_][\p{L}\p{N}_-]*$/u;
const PREFIXED = /[A-Za-z][\w.-]*:[\w-]*$|:[\w-]*$/;
const PHRASE = /"[^"\n]{3,}$/;

function fetchJson(url) {
  return fetch(url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
    .then((response) => (response.ok ? response.json() : null))
    .catch(() => null);
}

// The shortest "prefix:local" for an IRI under a predeclared namespace, else "<iri>".
export function shorten(iri, prefixes) {
  let best = null;
  for (const [name, namespace] of Object.entries(prefixes)) {
    if (!iri.startsWith(namespace)) continue;
    const local = iri.slice(namespace.length);
    if (!/^[A-Za-z_][\w-]*$/.test(local)) continue;
    if (!best || namespace.length > best.length || (namespace.length === best.length && name < best.name)) {
      best = {name, length: namespace.length, text: `${name}:${local}`};
    }
  }
  return best ? best.text : `<${iri}>`;
}

function termOption(term, kind, lang, words) {
  const label = term.labels[lang] || term.labels.en || term.labels.sl || "";
  return {
    label: term.name, type: kind === "classes" ? "class" : "property", detail: label,
    info: `${term.iri}\n${term.count} ${kind === "classes" ? "×" : words.triples}`,
    boost: kind === "classes" ? 1 : 0,
  };
}

/** `words`: {triples}, the word after a property's triple count, in the page's language. */
export function completionSources(urls, lang, words = {triples: "triples"}) {
  let vocabulary = null;
  const loadVocabulary = () => (vocabulary ||= fetchJson(urls.vocabulary).then((v) => v || {prefixes: {}, classes: [], properties: []}));

  // "schema:Pe|" → the terms in that namespace
  const prefixedTerms = async (context) => {
    const word = context.matchBefore(PREFIXED);
    if (!word) return null;
    const vocab = await loadVocabulary();
    const name = word.text.slice(0, word.text.indexOf(":") + 1);
    const options = [];
    for (const kind of ["classes", "properties"]) {
      for (const term of vocab[kind]) if (term.name && term.name.startsWith(name)) options.push(termOption(term, kind, lang, words));
    }
    return {from: word.from, options, validFor: /^[\w.-]*:?[\w-]*$/};
  };

  // "sche|" → keywords, prefixes, and terms whose name or label starts so
  const bareWords = async (context) => {
    const word = context.matchBefore(WORD);
    if (!word || (word.from === word.to && !context.explicit)) return null;
    const before = context.state.sliceDoc(word.from - 1, word.from);
    if (before === "?" || before === "$" || before === ":" || before === "<" || before === "\"") return null;
    const vocab = await loadVocabulary();
    const options = KEYWORDS.map((k) => ({label: k, type: "keyword", boost: -1}));
    for (const [name, iri] of Object.entries(vocab.prefixes)) options.push({label: `${name}:`, type: "namespace", detail: iri});
    const typed = word.text.toLowerCase();
    for (const kind of ["classes", "properties"]) {
      for (const term of vocab[kind]) {
        if (!term.name) continue;
        const local = term.name.slice(term.name.indexOf(":") + 1).toLowerCase();
        const labels = Object.values(term.labels).map((l) => l.toLowerCase());
        if (typed && (local.startsWith(typed) || labels.some((l) => l.startsWith(typed)))) {
          options.push({...termOption(term, kind, lang, words), label: term.name,
            displayLabel: term.name, apply: term.name, boost: 2});
        }
      }
    }
    // terms matched by label need not match the typed text, so filter the rest here and keep all of them
    const rest = options.filter((o) => o.boost === 2 || o.label.toLowerCase().startsWith(typed));
    return {from: word.from, options: rest, filter: false};
  };

  // "Mestna gal|" or "\"Mestna gal|" → our resources whose label starts so, from the search endpoint
  const resources = async (context) => {
    const phrase = context.matchBefore(PHRASE);
    const word = phrase || context.matchBefore(WORD);
    if (!word) return null;
    const text = phrase ? word.text.slice(1) : word.text;
    if (text.length < 3 || (!phrase && /[?$:<]/.test(context.state.sliceDoc(word.from - 1, word.from)))) return null;
    const vocab = await loadVocabulary();
    if (context.aborted) return null;
    const url = new URL(urls.search);
    url.search = new URLSearchParams({q: text, lang, limit: "10"}).toString();
    const answer = await fetchJson(url.href);
    if (!answer || !Array.isArray(answer.results) || context.aborted) return null;
    return {
      from: word.from, filter: false,
      options: answer.results.map((r) => ({
        label: r.label, type: "variable", boost: -2,
        detail: (r.types || []).map((t) => shorten(t, vocab.prefixes)).join(", "),
        info: r.iri, apply: shorten(r.iri, vocab.prefixes),
      })),
    };
  };

  return [prefixedTerms, bareWords, resources];
}
