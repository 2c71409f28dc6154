// The local history of queries run: kept in this browser's localStorage only, never sent anywhere.

const KEY = "ljkg.history", KEEP = 50;

export function pastQueries() {
  try {
    const items = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(items) ? items.filter((i) => i && typeof i.query === "string") : [];
  } catch { return []; } // storage disabled or garbled: no history, no error
}

/** Put this run first (the same query and language again only moves it up, with its latest view). */
export function remember(entry) {
  const items = pastQueries().filter((i) => !(i.query === entry.query && i.lang === entry.lang));
  items.unshift({...entry, time: Date.now()});
  try { localStorage.setItem(KEY, JSON.stringify(items.slice(0, KEEP))); } catch { /* full or disabled */ }
}
