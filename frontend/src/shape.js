// Which views a result allows, read from the bindings themselves (datatypes, WKT literals, lat/long
// columns, the query form), and which one to show first: ?view= in the URL, then a `#defaultView:` comment
// in the query (as the Wikidata Query Service has it), then the table.

import {wktToGeoJSON} from "betterknown";

const XSD = "http://www.w3.org/2001/XMLSchema#";
const NUMBERS = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "byte",
  "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt",
  "unsignedLong", "unsignedShort", "unsignedByte"].map((t) => XSD + t));
const DATES = new Set(["gYear", "gYearMonth", "date", "dateTime"].map((t) => XSD + t));
const WKT = "http://www.opengis.net/ont/geosparql#wktLiteral";
export const VIEWS = ["Table", "BarChart", "LineChart", "Timeline", "Map", "Graph"];

const isNumber = (b) => b && b.type === "literal" && NUMBERS.has(b.datatype);
const isDate = (b) => b && b.type === "literal" && DATES.has(b.datatype);

/** A date literal as a UTC Date (a gYear is its first day, a gYearMonth its month's), or null. */
export function dateOf(b) {
  const m = /^(-?\d{4,})(?:-(\d\d))?(?:-(\d\d))?/.exec(b.value);
  if (!m) return null;
  const d = new Date(Date.UTC(0, Number(m[2] || 1) - 1, Number(m[3] || 1)));
  d.setUTCFullYear(Number(m[1]));
  return d;
}

/** A WKT literal as GeoJSON geometry; GeoSPARQL lets it start with a CRS IRI, which for CRS84 we drop. */
export function geometryOf(b) {
  const text = b.value.replace(/^\s*<[^>]*>\s*/, "");
  try { return wktToGeoJSON(text); } catch { return null; }
}

function labelOf(b, labels) {
  if (!b) return "";
  if (b.type === "uri") return labels[b.value] || b.value.replace(/^.*[/#]/, "") || b.value;
  return b.value;
}

const every = (rows, v, test) => rows.length > 0 && rows.every((r) => test(r[v]));
const some = (rows, v, test) => rows.some((r) => test(r[v]));

export function classify(data) {
  const {vars, bindings: rows, labels} = data;
  const out = {chart: null, timeline: null, map: null, graph: null};
  if (data.kind === "graph") {
    const nodes = new Map(), edges = [];
    const key = (b) => (b.type === "literal" ? `"${b.value}"${b["xml:lang"] ? "@" + b["xml:lang"] : ""}` :
      b.type === "bnode" ? `_:${b.value}` : b.value);
    for (const r of rows) {
      for (const b of [r.subject, r.object]) {
        if (!nodes.has(key(b))) nodes.set(key(b), {key: key(b), label: labelOf(b, labels), literal: b.type === "literal"});
      }
      edges.push({source: key(r.subject), target: key(r.object), label: labelOf(r.predicate, labels)});
    }
    out.graph = {nodes: [...nodes.values()], edges};
    return out;
  }
  if (data.kind !== "solutions" || !rows.length) return out;
  const numeric = vars.filter((v) => every(rows, v, isNumber));
  const dated = vars.filter((v) => some(rows, v, isDate));
  const named = vars.filter((v) => !numeric.includes(v) && !dated.includes(v) && some(rows, v, (b) => b));
  // the column a row is called by: a labelled IRI, else the first plain column
  const labelVar = named.find((v) => some(rows, v, (b) => b && b.type === "uri" && labels[b.value])) || named[0];
  if (numeric.length && (labelVar || dated.length)) {
    const n = numeric[numeric.length - 1];
    out.chart = {dated: !labelVar && dated.length > 0, rows: rows.map((r) => ({
      label: labelVar ? labelOf(r[labelVar], labels) : r[dated[0]].value, number: Number(r[n].value),
      date: dated.length && isDate(r[dated[0]]) ? dateOf(r[dated[0]]) : null}))};
    if (out.chart.dated) out.chart.rows = out.chart.rows.filter((d) => d.date).sort((a, b) => a.date - b.date);
  }
  if (dated.length) {
    const laneVar = vars.find((v) => some(rows, v, (b) => b && b.type === "uri")) || labelVar;
    const what = named.find((v) => v !== laneVar && v !== labelVar);
    const events = [];
    rows.forEach((r, i) => {
      for (const v of dated) {
        if (!isDate(r[v])) continue;
        const date = dateOf(r[v]);
        if (!date) continue;
        const lane = laneVar && r[laneVar] ? r[laneVar].value : `row ${i}`;
        events.push({date, text: r[v].value, lane, what: what && r[what] ? labelOf(r[what], labels) : "",
          laneLabel: labelVar && r[labelVar] ? labelOf(r[labelVar], labels) : lane});
      }
    });
    if (events.length) out.timeline = {events};
  }
  const wkt = vars.find((v) => some(rows, v, (b) => b && b.datatype === WKT));
  const lat = vars.find((v) => /^(lat|latitude)$/i.test(v) && every(rows, v, isNumber));
  const lon = vars.find((v) => /^(lon|lng|long|longitude)$/i.test(v) && every(rows, v, isNumber));
  if (wkt || (lat && lon)) {
    const places = [], unplaced = [];
    for (const r of rows) {
      const geometry = wkt ? (r[wkt] ? geometryOf(r[wkt]) : null)
        : {type: "Point", coordinates: [Number(r[lon].value), Number(r[lat].value)]};
      const placeVar = vars.find((v) => v !== labelVar && r[v] && r[v].type === "uri");
      const label = labelVar ? labelOf(r[labelVar], labels) : "";
      const title = vars.filter((v) => r[v] && v !== wkt).map((v) => labelOf(r[v], labels)).join(" · ");
      if (geometry) places.push({geometry, label, title, key: placeVar ? r[placeVar].value : label});
      else if (label) unplaced.push(label);
    }
    if (places.length) out.map = {places, unplaced};
  }
  return out;
}

export function viewsFor(shape) {
  return ["Table", ...(shape.chart ? ["BarChart", "LineChart"] : []), ...(shape.timeline ? ["Timeline"] : []),
    ...(shape.map ? ["Map"] : []), ...(shape.graph ? ["Graph"] : [])];
}

/** The view to show first: the URL's, else the query's `#defaultView:Name` comment, else the table;
 * a name the result cannot show falls back to the table. */
export function pickDefault(offered, fromUrl, query) {
  const comment = /^\s*#\s*defaultView\s*:\s*(\w+)/im.exec(query || "");
  for (const wanted of [fromUrl, comment && comment[1]]) {
    const name = wanted && VIEWS.find((v) => v.toLowerCase() === wanted.toLowerCase());
    if (name && offered.includes(name)) return name;
  }
  return "Table";
}
