"""Markdown tables for bench/compare.py, rendered from its raw JSON results only.

Why from the JSON: the .md written next to the .json can be re-rendered from it at any time, and what is
printed is exactly what was measured. Every figure is shown as `value (×A · ×B)`, A and B being the
ratios to the same figure of oxigraph-memory and of rdflib-endpoint on the same size and client count.
"""

from __future__ import annotations

from typing import Any

REFS = ("oxigraph-memory", "rdflib-endpoint")
FLOOR = "in-process floor"


def num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    if value >= 100:
        text = f"{value:.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    elif value >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3f}"
    return text + unit


def ratio(value: float | None, ref: float | None) -> str:
    if value is None or not ref:
        return "–"
    r = value / ref
    return f"×{r:.3g}" if r < 1000 else f"×{r:.0f}"


def cell(value: float | None, refs: tuple[float | None, float | None], unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{num(value, unit)} ({ratio(value, refs[0])} · {ratio(value, refs[1])})"


def cpu_cell(phase: dict | None) -> str:
    """Cores used by the client (this process), the server's process tree, and everything else."""
    if not phase:
        return "–"
    client, server = phase.get("client_cpu") or 0.0, phase.get("server_cpu")
    other = (phase.get("machine_cpu") or 0.0) - client - (server or 0.0)
    return f"{client:.2f} / {'–' if server is None else f'{server:.2f}'} / {max(0.0, other):.2f}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _get(d: dict | None, *path: Any) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def render(results: dict) -> str:
    lines = [f"# Side-by-side benchmark, {results.get('started', '')}", ""]
    lines.append(f"Command: `{results.get('command', '')}`")
    lines.append("")
    m = results.get("machine", {})
    v = results.get("versions", {})
    lines.append(f"Machine: {m.get('nproc')} cores ({m.get('cpu', '?')}), {m.get('ram_gib')} GiB RAM, "
                 f"Linux {m.get('kernel', '?')}. " + ", ".join(f"{k} {val}" for k, val in v.items() if val) + ".")
    s = results.get("settings", {})
    lines.append(f"Settings: {s.get('duration_s')} s per phase, clients {s.get('clients')}, "
                 f"{s.get('instances_per_kind')} instances per kind (seed {s.get('seed')}), "
                 f"server query time limit {s.get('server_timeout_s')} s, warm-up {s.get('warmup_s')} s."
                 + (" ljkg's validation cache is kept across runs (--reuse-validation)."
                    if s.get("reuse_validation") else ""))
    lines.append("")
    lines.append("Each cell: `value (×A · ×B)`, A = ratio to oxigraph-memory, B = ratio to rdflib-endpoint "
                 "(same size, same clients). Load = process start to first successful query; prep = the "
                 "separate bulk load (`ljkg load`, `oxigraph load`; ljkg's validates once, and the in-memory "
                 "ljkg targets then start from the files reusing that validation, as a restart does); "
                 "peak = summed PSS of the process tree. "
                 "Errors = HTTP errors + wrong answers (never counted as throughput).")
    if results.get("interrupted"):
        lines += ["", "**Interrupted: partial results.**"]
    for label, entry in results.get("sizes", {}).items():
        lines += [""] + render_size(label, entry, s.get("clients", []))
    return "\n".join(lines) + "\n"


def render_size(label: str, entry: dict, clients: list[int]) -> list[str]:
    targets: dict = entry.get("targets", {})
    lines = [f"## {label}: {entry.get('triples', '?')} quads", ""]
    lines.append(f"Data root `{entry.get('root')}`; reference store loaded in-process in "
                 f"{num(entry.get('reference_load_s'), ' s')}; answer check self-test: {entry.get('self_test')}.")
    for note in entry.get("notes", []):
        lines.append(f"- {note}")
    if entry.get("validation_reused"):
        lines.append("- ljkg's prep (`ljkg load`) reused a validation kept by an earlier run "
                     "(--reuse-validation): its time is not a cold validation.")
    lines.append("")
    top = str(max(clients)) if clients else None

    def refs(*path: Any) -> tuple:
        return tuple(_get(targets.get(r), *path) for r in REFS)

    header = ["target", "load s", "prep s", "peak MiB"] + [f"q/s, {c} cl" for c in clients]
    header += [f"p50 ms, {top} cl", f"p99 ms, {top} cl", "errors", f"CPU cores client / server / other, {top} cl"]
    rows = []
    for name, t in targets.items():
        if t.get("status") != "ok" and not t.get("mix"):
            rows.append([name, f"**failed**: {t.get('error', '')[:300]}"] + [""] * (len(header) - 2))
            continue
        row = [name + (" (**failed**)" if t.get("status") != "ok" else ""),
               cell(t.get("load_s"), refs("load_s"), ""), cell(t.get("prep_s"), refs("prep_s")),
               cell(t.get("peak_mib"), refs("peak_mib"))]
        row += [cell(_get(t, "mix", str(c), "qps"), refs("mix", str(c), "qps")) for c in clients]
        row += [cell(_get(t, "mix", top, "p50_ms"), refs("mix", top, "p50_ms")),
                cell(_get(t, "mix", top, "p99_ms"), refs("mix", top, "p99_ms"))]
        errors = sum((_get(t, ph, str(c), "errors") or 0) for ph in ("mix", "deref") for c in clients)
        row.append(str(errors))
        cpu = _get(t, "mix", top)
        row.append(cpu_cell(cpu))
        rows.append(row)
    floor = entry.get("floor", {})
    if floor:
        row = [FLOOR + " (pyoxigraph, no HTTP)", cell(entry.get("reference_load_s"), refs("load_s")), "", ""]
        row += [cell(_get(floor, str(c), "qps"), refs("mix", str(c), "qps")) for c in clients]
        row += [cell(_get(floor, top, "p50_ms"), refs("mix", top, "p50_ms")),
                cell(_get(floor, top, "p99_ms"), refs("mix", top, "p99_ms")), "0",
                cpu_cell(_get(floor, top))]
        rows.append(row)
    lines += table(header, rows)

    kinds = list(_get(entry, "workload", "kinds") or []) + ["deref-html", "deref-jsonld"]
    titles = _get(entry, "workload", "titles") or {}
    names = [n for n, t in targets.items() if t.get("mix")]
    for c in clients:
        for stat in ("p50_ms", "p99_ms"):
            lines += ["", f"### {stat[:3]} latency per kind, ms, {c} client{'s' if c > 1 else ''}", ""]
            rows = []
            for kind in kinds:
                phase = "deref" if kind.startswith("deref-") else "mix"
                ref = tuple(_get(targets.get(r), phase, str(c), "kinds", kind, stat) for r in REFS)
                row = [titles.get(kind, kind)]
                for n in names:
                    t = targets[n]
                    if phase == "deref" and not t.get("deref"):
                        row.append("n/a")
                    else:
                        row.append(cell(_get(t, phase, str(c), "kinds", kind, stat), ref))
                row.append("n/a" if phase == "deref" else cell(_get(floor, str(c), "kinds", kind, stat), ref))
                rows.append(row)
            lines += table(["kind", *names, FLOOR], rows)

    slow_rows = []
    for n, t in targets.items():
        slow = t.get("slow")
        if not slow:
            continue
        base = _get(t, "mix", top) or {}
        outcomes = ", ".join(f"{k}: {v}" for k, v in (_get(slow, "slow", "outcomes") or {}).items())
        slow_rows.append([n, num(base.get("qps")), num(slow.get("qps")), num(base.get("p99_ms")),
                          num(slow.get("p99_ms")), str(slow.get("errors")),
                          f"{outcomes} (p50 {num(_get(slow, 'slow', 'p50_ms'), ' ms')})"])
    if slow_rows:
        lines += ["", f"### Slow query beside the {top}-client mix", ""]
        lines.append("One more client loops a cross join with COUNT (bench/workload/slow-cross-join.rq) that "
                     "exceeds the server's time limit.")
        lines.append("")
        lines += table(["target", "q/s without", "q/s with", "p99 ms without", "p99 ms with", "mix errors with",
                        "slow query answers"], slow_rows)

    cache_rows = []
    mix_len = sum((_get(entry, "workload", "instances") or {}).get(k, 0) for k in
                  (_get(entry, "workload", "kinds") or []))
    for n, t in targets.items():
        rep = t.get("repeated")
        if not rep:
            continue
        base = _get(t, "mix", top) or {}
        passes = (rep.get("ok", 0) + rep.get("errors", 0)) / mix_len if mix_len else None
        cache_rows.append([n, num(base.get("qps")), num(rep.get("qps")), num(base.get("p99_ms")),
                           num(rep.get("p99_ms")), str(rep.get("errors")), num(passes)])
    if cache_rows:
        lines += ["", f"### Answer cache: the same query texts again, {top} clients", ""]
        lines.append("The mix sends every query with a unique trailing comment, so no answer cache can serve it; "
                     "here the pool's texts are sent as they are, after a short pass to fill the cache. Only when "
                     "the pool is cycled more than once (passes > 1) is this the cache's best case.")
        lines.append("")
        lines += table(["target", "q/s unique texts", "q/s repeated texts", "p99 ms unique", "p99 ms repeated",
                        "errors", "passes over the pool"], cache_rows)

    error_rows = []
    for n, t in targets.items():
        for phase in ("mix", "deref", "repeated", "slow"):
            single = phase in ("slow", "repeated")  # run once, at the largest client count
            runs = ({top: t[phase]} if t.get(phase) else {}) if single else (t.get(phase) or {})
            for c, ph in runs.items():
                for kind, ks in (ph.get("kinds") or {}).items():
                    for reason, count in (ks.get("reasons") or {}).items():
                        error_rows.append([n, f"{phase}, {c} cl", titles.get(kind, kind), str(count), reason[:160]])
    if error_rows:
        lines += ["", "### Errors", ""]
        lines += table(["target", "phase", "kind", "count", "reason (first seen)"], error_rows)
    for n, t in targets.items():
        for note in t.get("notes", []):
            lines.append(f"- {n}: {note}")
        if t.get("status") != "ok" and t.get("mix"):
            lines.append(f"- {n} failed after measuring: {t.get('error')}")
    return lines
