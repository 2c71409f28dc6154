// The query page's result views (built by frontend/build.sh into ljkg/static/vendor/views.bundle.js).
//
// Progressive enhancement: the server renders the results table and gives the same result as SPARQL JSON
// in the data-result attribute of #result-views (no inline script element of any kind). This script reads it, offers the
// views the result's shape allows, and draws them as SVG from the bindings. Everything is drawn with
// attributes (fill, stroke, font-size), never style attributes, so the strict CSP holds and an SVG download
// looks the same outside the page. It also keeps the URL in step (query, view, lang), offers "copy as code"
// and keeps a local history of queries run (localStorage only).

import {max} from "d3-array";
import {axisBottom, axisLeft} from "d3-axis";
import {forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation} from "d3-force";
import {geoEqualEarth, geoPath} from "d3-geo";
import {scaleBand, scaleLinear, scalePoint, scaleUtc} from "d3-scale";
import {create} from "d3-selection";
import {line} from "d3-shape";
import {wktToGeoJSON} from "betterknown";
import {feature} from "topojson-client";

import {codeSamples} from "./code.js";
import {classify, pickDefault, viewsFor} from "./shape.js";
import {pastQueries, remember} from "./history.js";
import {pageWords} from "./words.js";

const ACCENT = "#0b5cad", MUTED = "#5b6577", LINE = "#dde3ea", FONT = "system-ui, sans-serif";
// The words the views show, in English: the page's language comes from the form's data-ui-strings (words.js).
const WORDS = {Table: "Table", BarChart: "Bar chart", LineChart: "Line chart", Timeline: "Timeline", Map: "Map",
  Graph: "Graph", view: "View", svg: "Download SVG", png: "Download PNG", code: "Copy as code",
  copy: "Copy", close: "Close", history: "Your recent queries (kept in this browser only)",
  clear: "Clear history", unplaced: "Not on the map (no coordinates)"};

function svgRoot(width, height, name) {
  return create("svg").attr("xmlns", "http://www.w3.org/2000/svg").attr("viewBox", `0 0 ${width} ${height}`)
    .attr("width", width).attr("height", height).attr("font-family", FONT).attr("font-size", 12)
    .attr("class", `view view-${name}`).attr("role", "img");
}

// ---------- the views: each takes the classified result and returns an <svg> (or a wrapper with one)

function barChart(r) {
  const {rows} = r;
  const height = 24 * rows.length + 40, width = 720, left = 200;
  const svg = svgRoot(width, height, "BarChart");
  const x = scaleLinear().domain([0, max(rows, (d) => d.number) || 1]).nice().range([left, width - 20]);
  const y = scaleBand().domain(rows.map((d, i) => i)).range([10, height - 30]).padding(0.2);
  svg.append("g").selectAll("rect").data(rows).join("rect").attr("class", "bar")
    .attr("x", left).attr("y", (d, i) => y(i)).attr("height", y.bandwidth())
    .attr("width", (d) => x(d.number) - left).attr("fill", ACCENT)
    .attr("data-label", (d) => d.label).attr("data-value", (d) => d.number)
    .append("title").text((d) => `${d.label}: ${d.number}`);
  svg.append("g").selectAll("text").data(rows).join("text").attr("x", left - 6)
    .attr("y", (d, i) => y(i) + y.bandwidth() / 2).attr("dy", "0.35em").attr("text-anchor", "end")
    .text((d) => (d.label.length > 30 ? d.label.slice(0, 29) + "…" : d.label));
  svg.append("g").attr("transform", `translate(0,${height - 30})`).call(axisBottom(x).ticks(6));
  return svg.node();
}

function lineChart(r) {
  const {rows} = r;
  const width = Math.max(480, 60 * rows.length), height = 320, bottom = 90;
  const svg = svgRoot(width, height, "LineChart");
  const x = r.dated
    ? scaleUtc().domain([rows[0].date, rows[rows.length - 1].date]).range([50, width - 20])
    : scalePoint().domain(rows.map((d, i) => i)).range([50, width - 20]).padding(0.5);
  const px = (d, i) => (r.dated ? x(d.date) : x(i));
  const y = scaleLinear().domain([0, max(rows, (d) => d.number) || 1]).nice().range([height - bottom, 10]);
  svg.append("path").attr("fill", "none").attr("stroke", ACCENT).attr("stroke-width", 2)
    .attr("d", line().x(px).y((d) => y(d.number))(rows));
  svg.append("g").selectAll("circle").data(rows).join("circle").attr("class", "point").attr("r", 4)
    .attr("cx", px).attr("cy", (d) => y(d.number)).attr("fill", ACCENT)
    .attr("data-label", (d) => d.label).attr("data-value", (d) => d.number)
    .append("title").text((d) => `${d.label}: ${d.number}`);
  svg.append("g").attr("transform", "translate(50,0)").call(axisLeft(y).ticks(6));
  const axis = svg.append("g").attr("transform", `translate(0,${height - bottom})`);
  if (r.dated) axis.call(axisBottom(x).ticks(6));
  else {
    axis.call(axisBottom(x).tickFormat((i) => rows[i].label.slice(0, 18)));
    axis.selectAll("text").attr("text-anchor", "end").attr("transform", "rotate(-40)").attr("dx", "-0.4em");
  }
  return svg.node();
}

function timeline(r) {
  const lanes = [...new Set(r.events.map((e) => e.lane))];
  const width = 900, left = 260, height = 18 * lanes.length + 50;
  const svg = svgRoot(width, height, "Timeline");
  const dates = r.events.map((e) => e.date);
  const lo = new Date(Math.min(...dates)), hi = new Date(Math.max(...dates));
  const x = scaleUtc().domain([lo, hi]).nice().range([left, width - 20]);
  const y = (lane) => 20 + 18 * lanes.indexOf(lane);
  // a thing with several dates is drawn as a span from its first to its last
  const spans = lanes.map((lane) => {
    const own = r.events.filter((e) => e.lane === lane);
    return {lane, label: own[0].laneLabel, from: Math.min(...own.map((e) => e.date)),
      to: Math.max(...own.map((e) => e.date))};
  });
  svg.append("g").selectAll("line").data(spans.filter((s) => s.to > s.from)).join("line").attr("class", "span")
    .attr("x1", (s) => x(s.from)).attr("x2", (s) => x(s.to)).attr("y1", (s) => y(s.lane))
    .attr("y2", (s) => y(s.lane)).attr("stroke", ACCENT).attr("stroke-opacity", 0.45).attr("stroke-width", 6)
    .attr("stroke-linecap", "round");
  svg.append("g").selectAll("circle").data(r.events).join("circle").attr("class", "mark").attr("r", 4)
    .attr("cx", (e) => x(e.date)).attr("cy", (e) => y(e.lane)).attr("fill", ACCENT)
    .attr("data-date", (e) => e.text).attr("data-year", (e) => e.date.getUTCFullYear())
    .append("title").text((e) => `${e.text}: ${e.laneLabel}${e.what ? ` (${e.what})` : ""}`);
  svg.append("g").selectAll("text").data(spans).join("text").attr("x", left - 8).attr("y", (s) => y(s.lane))
    .attr("dy", "0.35em").attr("text-anchor", "end").attr("fill", MUTED)
    .text((s) => (s.label.length > 38 ? s.label.slice(0, 37) + "…" : s.label));
  svg.append("g").attr("transform", `translate(0,${height - 24})`).call(axisBottom(x).ticks(8));
  return svg.node();
}

async function map(r, atlasUrl, words) {
  const topology = await (await fetch(atlasUrl)).json();
  const countries = feature(topology, topology.objects.countries);
  const width = 900, height = 520;
  const svg = svgRoot(width, height, "Map");
  const shapes = r.places.map((p) => ({type: "Feature", geometry: p.geometry, properties: p}));
  const focus = {type: "FeatureCollection", features: shapes};
  const projection = geoEqualEarth();
  // fit the places with room around them; a single place (or none) shows its part of the world
  if (shapes.length > 1) projection.fitExtent([[60, 60], [width - 60, height - 60]], focus);
  else projection.fitSize([width, height], countries);
  if (shapes.length > 1 && projection.scale() > 2000) projection.scale(2000);
  const path = geoPath(projection);
  svg.append("rect").attr("width", width).attr("height", height).attr("fill", "#eef4fa");
  svg.append("g").selectAll("path").data(countries.features).join("path").attr("class", "country")
    .attr("d", path).attr("fill", "#f7f7f2").attr("stroke", "#b9c2cc").attr("stroke-width", 0.6)
    .attr("data-name", (f) => f.properties.name);
  const marks = svg.append("g");
  for (const p of r.places) {
    if (p.geometry.type === "Point") {
      const [cx, cy] = projection(p.geometry.coordinates);
      marks.append("circle").attr("class", "place").attr("r", 5).attr("cx", cx).attr("cy", cy)
        .attr("fill", ACCENT).attr("stroke", "#fff").attr("data-lon", p.geometry.coordinates[0])
        .attr("data-lat", p.geometry.coordinates[1]).attr("data-label", p.label)
        .append("title").text(p.title);
      marks.append("text").attr("x", cx + 7).attr("y", cy).attr("dy", "0.35em").attr("font-size", 11)
        .text(p.label);
    } else {
      marks.append("path").attr("class", "place").attr("d", path(p.geometry)).attr("fill", ACCENT)
        .attr("fill-opacity", 0.3).attr("stroke", ACCENT).append("title").text(p.title);
    }
  }
  const box = document.createElement("div");
  box.append(svg.node());
  if (r.unplaced.length) {
    const p = document.createElement("p");
    p.className = "unplaced";
    p.textContent = `${words.unplaced}: ${[...new Set(r.unplaced)].join(", ")}`;
    box.append(p);
  }
  return box;
}

function graph(r) {
  const width = 900, height = 600;
  const svg = svgRoot(width, height, "Graph");
  const nodes = r.nodes.map((n) => ({...n})), links = r.edges.map((e) => ({...e}));
  const simulation = forceSimulation(nodes)
    .force("link", forceLink(links).id((n) => n.key).distance(90))
    .force("charge", forceManyBody().strength(-220)).force("center", forceCenter(width / 2, height / 2))
    .force("collide", forceCollide(18)).stop();
  for (let i = 0; i < 300; i++) simulation.tick(); // laid out once, then drawn: no animation to wait for
  const fit = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  nodes.forEach((n) => { n.x = fit(n.x, 20, width - 20); n.y = fit(n.y, 20, height - 20); });
  const edge = svg.append("g").selectAll("g").data(links).join("g").attr("class", "edge");
  edge.append("line").attr("x1", (l) => l.source.x).attr("y1", (l) => l.source.y)
    .attr("x2", (l) => l.target.x).attr("y2", (l) => l.target.y).attr("stroke", "#9aa6b2");
  edge.append("text").attr("x", (l) => (l.source.x + l.target.x) / 2).attr("y", (l) => (l.source.y + l.target.y) / 2)
    .attr("font-size", 9).attr("fill", MUTED).attr("text-anchor", "middle").text((l) => l.label);
  const node = svg.append("g").selectAll("g").data(nodes).join("g").attr("class", "node")
    .attr("data-key", (n) => n.key).attr("transform", (n) => `translate(${n.x},${n.y})`);
  node.append("circle").attr("r", (n) => (n.literal ? 4 : 7)).attr("fill", (n) => (n.literal ? "#fff" : ACCENT))
    .attr("stroke", ACCENT);
  node.append("text").attr("x", 9).attr("dy", "0.35em").attr("font-size", 10)
    .text((n) => (n.label.length > 40 ? n.label.slice(0, 39) + "…" : n.label));
  node.append("title").text((n) => n.key);
  return svg.node();
}

// ---------- downloads of the drawn view

function save(blob, name) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

function svgText(svg) {
  return new XMLSerializer().serializeToString(svg);
}

function savePng(svg, name) {
  const image = new Image(); // a data: URL, which img-src allows; the canvas stays untainted
  image.onload = () => {
    const canvas = document.createElement("canvas");
    canvas.width = svg.viewBox.baseVal.width * 2;
    canvas.height = svg.viewBox.baseVal.height * 2;
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    canvas.toBlob((blob) => save(blob, name), "image/png");
  };
  image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText(svg));
}

// ---------- the page

function button(text, onClick, attrs = {}) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  Object.entries(attrs).forEach(([k, v]) => b.setAttribute(k, v));
  b.addEventListener("click", onClick);
  return b;
}

function showHistory(words, base) {
  const items = pastQueries();
  if (!items.length) return;
  const box = document.createElement("details");
  box.id = "history";
  const summary = document.createElement("summary");
  summary.textContent = words.history;
  const list = document.createElement("ol");
  for (const item of items) {
    const li = document.createElement("li"), a = document.createElement("a");
    const url = new URL(base, location.href);
    url.search = new URLSearchParams({query: item.query, lang: item.lang, ...(item.view ? {view: item.view} : {})});
    a.href = url.href;
    a.className = "history-entry";
    a.textContent = item.query.replace(/^(BASE|PREFIX|#).*$/gim, "").replace(/\s+/g, " ").trim().slice(0, 120);
    const when = document.createElement("small");
    when.textContent = ` ${new Date(item.time).toLocaleString()}`;
    li.append(a, when);
    list.append(li);
  }
  box.append(summary, list, button(words.clear, () => { localStorage.removeItem("ljkg.history"); box.remove(); }));
  const form = document.getElementById("query-form");
  form.after(box);
}

function codeDialog(words, endpoint, query, kind) {
  const dialog = document.createElement("dialog");
  dialog.id = "code-dialog";
  const samples = codeSamples(new URL(endpoint, location.href).href, query, kind);
  const choose = document.createElement("select");
  choose.setAttribute("aria-label", words.code);
  const pre = document.createElement("pre"), code = document.createElement("code");
  pre.append(code);
  for (const [id, sample] of Object.entries(samples)) {
    const option = document.createElement("option");
    option.value = id;
    option.textContent = sample.label;
    choose.append(option);
  }
  const show = () => { code.textContent = samples[choose.value].code; code.dataset.language = choose.value; };
  choose.addEventListener("change", show);
  show();
  dialog.append(choose, pre,
    button(words.copy, () => navigator.clipboard && navigator.clipboard.writeText(code.textContent)),
    button(words.close, () => dialog.close()));
  document.body.append(dialog);
  return dialog;
}

async function start() {
  const holder = document.getElementById("result-views");
  const textarea = document.getElementById("query");
  const lang = holder ? holder.dataset.lang : document.documentElement.lang || "en";
  const form = document.getElementById("query-form");
  const words = pageWords(form, WORDS);
  const base = form.action;
  if (!holder || !holder.dataset.result) { showHistory(words, base); return; }
  const data = JSON.parse(holder.dataset.result);
  const query = new URLSearchParams(location.search).get("query") || textarea.value;
  const shape = classify(data);
  const offered = viewsFor(shape);
  const params = new URLSearchParams(location.search);
  let current = pickDefault(offered, params.get("view"), query);
  remember({query, lang, view: current});
  showHistory(words, base);

  const tableBox = document.querySelector("#results .table-box");
  const bar = document.createElement("div");
  bar.className = "view-bar";
  bar.setAttribute("role", "group");
  bar.setAttribute("aria-label", words.view);
  const stage = document.createElement("div");
  stage.className = "view-stage";
  const tools = document.createElement("span");
  tools.className = "view-tools";
  const dialog = codeDialog(words, holder.dataset.endpoint, query, data.kind);
  const svgOf = () => stage.querySelector("svg");
  tools.append(
    button(words.svg, () => save(new Blob([svgText(svgOf())], {type: "image/svg+xml"}), `ljkg-${current}.svg`),
      {id: "download-svg"}),
    button(words.png, () => savePng(svgOf(), `ljkg-${current}.png`), {id: "download-png"}));
  const buttons = {};
  for (const name of offered) {
    buttons[name] = button(words[name], () => show(name), {"data-view": name, "aria-pressed": "false"});
    bar.append(buttons[name]);
  }
  bar.append(button(words.code, () => dialog.showModal(), {id: "copy-code"}), tools);
  holder.append(bar, stage);

  async function show(name) {
    current = name;
    for (const [n, b] of Object.entries(buttons)) b.setAttribute("aria-pressed", String(n === name));
    const url = new URL(location.href); // the URL says what is shown, so a link reproduces it
    url.searchParams.set("query", query);
    url.searchParams.set("view", name);
    url.searchParams.set("lang", lang);
    window.history.replaceState(null, "", url);
    remember({query, lang, view: name});
    stage.replaceChildren();
    tools.hidden = name === "Table";
    tableBox.hidden = name !== "Table";
    if (name === "Table") { holder.dataset.view = name; return; }
    const drawn = {BarChart: () => barChart(shape.chart), LineChart: () => lineChart(shape.chart),
      Timeline: () => timeline(shape.timeline), Map: () => map(shape.map, holder.dataset.atlas, words),
      Graph: () => graph(shape.graph)}[name];
    const box = document.createElement("div");
    box.className = "view-box";
    box.append(await drawn());
    stage.append(box);
    holder.dataset.view = name; // set last: tests wait for it
  }
  await show(current);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
