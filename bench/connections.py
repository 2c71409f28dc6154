"""HTTP servers side by side: idle/slow connections, the query mix, a huge body, and SIGTERM.

    python bench/connections.py [--size 10k] [--servers ljkg,waitress-default,granian] [--idle 1000]
                                [--trickle 50] [--duration 20] [--clients 8] [--body-mb 200]

Why: the HTTP server in front of the app decides whether a few hundred idle sockets lock clients out,
what a huge request body costs, and part of the throughput. This runs each server alone, on the same
synthetic data root (bench/generate.py, via compare.py's cache) and the same checked, unique-text mix as
bench/compare.py, then for each one:

1. mix: `--clients` threads for `--duration` s: q/s, p50, p99, errors (wrong answers count as errors);
2. hold: opens `--idle` idle sockets and `--trickle` sockets that send a header byte every 0.5 s, then a
   fresh client sends 20 queries one after another (5 s timeout each): how many are answered, p50, max;
3. body: one POST /sparql with a form body of `--body-mb` MB (a small `query` first) and the status the
   client gets, with the process tree's peak PSS above its level before (0 skips);
4. SIGTERM to the process we started: seconds until every process of its tree is gone (capped at 15 s).

Servers: `ljkg` is `python server.py` (waitress tuned, ljkg/connections.py); `waitress-default` is
`waitress-serve server:app` with the settings main had (connection_limit 100, channel_timeout 60, 8
threads, no body limit: LJKG_MAX_BODY is set to 1 TB); `granian` is `granian --interface wsgi server:app`
(1 worker, 8 blocking threads). The last two build the app from LJKG_* variables. Results go to stdout
as Markdown, raw JSON to --output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare_procs as procs  # noqa: E402
from compare import DEFAULT_BASE, DEFAULT_CACHE, data_root  # noqa: E402
from compare_drive import drive  # noqa: E402
from compare_http import free_port, wait_for_port  # noqa: E402
from compare_targets import Running, SizeContext, _ljkg_ready, _probe  # noqa: E402
from compare_workload import build, reference_store  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
THREADS = 8  # request threads for every server (ljkg's --workers default)
FRESH_REQUESTS = 20


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def command(name: str, ctx: SizeContext, port: int) -> tuple[list[str], dict[str, str]]:
    env = {"LJKG_DATA": str(ctx.root), "LJKG_BASE_URI": ctx.base, "LJKG_CACHE_DIR": str(ctx.work / "cache"),
           "LJKG_QUERY_TIMEOUT": f"{ctx.server_timeout:g}", "PYTHONPATH": str(PROJECT)}
    if name == "ljkg":
        return [sys.executable, "server.py", "--host", "127.0.0.1", "--port", str(port)], env
    if name == "waitress-default":
        env["LJKG_MAX_BODY"] = str(1 << 40)  # main had no body limit of its own
        return [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}", f"--threads={THREADS}",
                "--channel-timeout=60", "--ident=ljkg", "server:app"], env
    if name == "granian":
        return [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port",
                str(port), "--workers", "1", "--blocking-threads", str(THREADS), "server:app"], env
    raise SystemExit(f"unknown server {name!r}")


def start(name: str, ctx: SizeContext, sampler: procs.MemorySampler) -> tuple[Running, float]:
    port = free_port()
    argv, env = command(name, ctx, port)
    t0 = time.perf_counter()
    proc = procs.start(argv, ctx.work / "logs" / f"{name}.log", env=env, cwd=PROJECT)
    sampler.add(proc.pid)
    if not wait_for_port(port, ctx.load_timeout, alive=lambda: proc.poll() is None):
        procs.stop(proc)
        raise SystemExit(f"{name} did not start: {procs.log_tail(ctx.work / 'logs' / f'{name}.log')}")
    running = Running(name, port, "/sparql", True, sampler, processes=[proc])
    _probe(running, ctx, ctx.load_timeout, t0)
    _ljkg_ready(running, ctx)
    return running, time.perf_counter() - t0


def fresh_client(base: str) -> dict:
    """Up to FRESH_REQUESTS queries, each on a new connection (5 s timeout); answered count, p50 and max
    in ms. Three unanswered in a row end it: the rest count as unanswered."""
    times, answered, misses = [], 0, 0
    for _ in range(FRESH_REQUESTS):
        t0 = time.perf_counter()
        try:
            r = requests.get(base + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=5)
            answered += r.status_code == 200
            misses = 0
        except requests.RequestException:
            misses += 1
        times.append((time.perf_counter() - t0) * 1000)
        if misses == 3:
            break
    return {"answered": answered, "of": FRESH_REQUESTS, "p50_ms": statistics.median(times), "max_ms": max(times)}


def hold(running: Running, idle: int, trickle: int) -> dict:
    """Fresh-client figures while `idle` silent and `trickle` slowloris sockets are open."""
    port = running.port
    stop = threading.Event()
    opened: list[socket.socket] = []
    refused = 0
    for _ in range(idle + trickle):
        try:
            opened.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        except OSError:
            refused += 1

    def slowloris(conn: socket.socket) -> None:
        try:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            while not stop.wait(0.5):
                conn.sendall(b"a")
        except OSError:
            return

    for conn in opened[idle:]:
        threading.Thread(target=slowloris, args=(conn,), daemon=True).start()
    time.sleep(2.0)
    try:
        result = fresh_client(f"http://127.0.0.1:{port}/")
    finally:
        stop.set()
        for conn in opened:
            conn.close()
    result["not_connected"] = refused
    return result


def huge_body(running: Running, megabytes: int) -> dict:
    """POST a form of `megabytes` MB; the status seen and the tree's PSS peak above its start, in MB."""
    sampler = procs.MemorySampler(0.1)
    sampler.add(running.processes[0].pid)
    before = sum(procs.pss_kib(pid) for pid in procs.tree([running.processes[0].pid]))
    size = megabytes * 1024 * 1024
    head = (f"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Accept: application/sparql-results+json\r\nConnection: close\r\nContent-Length: {size}\r\n\r\n"
            ).encode()
    first = b"query=ASK%7B%7D&pad="
    piece = b"a" * (1 << 20)
    status, t0 = "no answer", time.perf_counter()
    with sampler, socket.create_connection(("127.0.0.1", running.port), timeout=120) as conn:
        try:
            conn.sendall(head + first)
            sent = len(first)
            while sent < size:
                chunk = piece[:size - sent]
                conn.sendall(chunk)
                sent += len(chunk)
            answer = conn.recv(64)
        except OSError:
            answer = b""
            conn.settimeout(5)
            with contextlib.suppress(OSError):
                answer = conn.recv(64)
        if answer:
            status = answer.split(b"\r\n", 1)[0].decode(errors="replace")
    return {"mb": megabytes, "status": status, "seconds": time.perf_counter() - t0,
            "peak_extra_mb": max(0, sampler.peak_kib - before) / 1024}


def sigterm(running: Running, cap: float = 15.0) -> dict:
    """SIGTERM to the process we started (as a supervisor sends it); how long its whole tree takes to go."""
    root = running.processes[0].pid
    family = procs.tree([root])
    os.kill(root, signal.SIGTERM)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < cap:
        running.processes[0].poll()
        if not [pid for pid in family if alive(pid)]:
            return {"processes": len(family), "gone_s": time.perf_counter() - t0}
        time.sleep(0.05)
    left = [pid for pid in family if alive(pid)]
    return {"processes": len(family), "gone_s": None, "left": len(left)}


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return "State:\tZ" not in fh.read()
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="10k", help="synthetic data size (bench/generate.py), or 'real'")
    parser.add_argument("--servers", default="ljkg,waitress-default,granian")
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--trickle", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--body-mb", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=Path("/tmp/ljkg-bench/connections.json"))
    args = parser.parse_args()
    procs.install_cleanup()
    DEFAULT_CACHE.mkdir(parents=True, exist_ok=True)
    root, note = data_root(args.size, args.seed, DEFAULT_CACHE, 600)
    if note:
        log(note)
    store = reference_store(root, DEFAULT_BASE)
    workload = build(store, DEFAULT_BASE, 30, args.seed, 1000)
    work = DEFAULT_CACHE / f"connections-{args.size}"
    ctx = SizeContext(args.size, root, DEFAULT_BASE, work, workload, 5.0, 600.0, 600.0, [], "", store=store)
    sequence = workload.sequence()
    results: dict = {}
    for name in args.servers.split(","):
        log(f"{name}: starting")
        with procs.MemorySampler() as sampler:
            running, started = start(name, ctx, sampler)
            try:
                log(f"{name}: mix, {args.clients} clients, {args.duration:g} s")
                phase = drive(running, sequence, args.clients, args.duration)
                log(f"{name}: {args.idle} idle + {args.trickle} trickling sockets")
                held = hold(running, args.idle, args.trickle)
                body = huge_body(running, args.body_mb) if args.body_mb else None
                stopped = sigterm(running)
            finally:
                running.stop()
        results[name] = {"start_s": started, "qps": phase.qps, "p50_ms": phase.p50_ms, "p99_ms": phase.p99_ms,
                         "ok": phase.ok, "errors": phase.errors, "hold": held, "body": body, "sigterm": stopped}
        log(f"{name}: {json.dumps(results[name])}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"args": vars(args) | {"output": str(args.output)}, "results": results},
                                      indent=2))
    print(report(results, args))


def report(results: dict, args: argparse.Namespace) -> str:
    lines = [f"{args.size} triples; mix: {args.clients} clients, {args.duration:g} s, unique query texts; hold: "
             f"{args.idle} idle + {args.trickle} trickling sockets, then {FRESH_REQUESTS} fresh requests; body: "
             f"{args.body_mb} MB form POST", "",
             "| server | q/s | p50 ms | p99 ms | errors | fresh client answered (held) | its p50 / max ms "
             "| body answer | body peak +MB | SIGTERM: tree gone after |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        h, b, s = r["hold"], r["body"] or {}, r["sigterm"]
        gone = f"{s['gone_s']:.1f} s" if s["gone_s"] is not None else f"not after 15 s ({s['left']} left)"
        lines.append(f"| {name} | {r['qps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} "
                     f"| {h['answered']}/{h['of']} | {h['p50_ms']:.0f} / {h['max_ms']:.0f} "
                     f"| {b.get('status', '-')} | {b.get('peak_extra_mb', 0):.0f} | {gone} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
