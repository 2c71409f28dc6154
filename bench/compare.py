"""Side-by-side benchmark: our publisher against plain Oxigraph and rdflib-endpoint, one run, one table.

    python bench/compare.py [--sizes 10k,1m] [--clients 1,8] [--duration 20] [--targets a,b] [--quick]

Why: "is ljkg fast?" only means something next to the engines people would otherwise deploy, on the same
machine, the same data and the same queries, with every answer checked. In one run this script, for
each data size: generates (or reuses) the synthetic data root; loads a reference store in-process and
draws a seeded workload from it (bench/workload/*.rq, one template per query kind); then starts each
target alone (never two at once: they would share the 2 cores), records its load time (process start to
first successful query) and peak PSS (whole process tree, sampled every 100 ms), drives the mix at each
client count for a fixed time, checks every answer against the reference (a wrong answer is an error,
never throughput), runs ljkg's resource dereferences (HTML, JSON-LD) as a second mix for the ljkg
targets, and for targets with a time limit loops a deliberately slow query beside the largest mix. It
prints Markdown tables, each figure also as a ratio to oxigraph-memory and to rdflib-endpoint, next to
the in-process floor (the same workload on pyoxigraph without HTTP), and writes them plus raw JSON to
--output (default bench/results/<timestamp>.{md,json}).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compare_procs as procs  # noqa: E402
from compare_drive import drive, drive_in_process  # noqa: E402
from compare_report import render  # noqa: E402
from compare_targets import TARGETS, Running, SizeContext, TargetFailed  # noqa: E402
from compare_workload import Workload, build, reference_store, self_test  # noqa: E402

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
DEFAULT_BASE = "http://bench.ljkg.example/"
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", "/tmp")) / "ljkg-bench"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---- data roots ------------------------------------------------------------------------------------------

def data_root(size: str, seed: int, cache: Path, timeout: float) -> tuple[Path, str | None]:
    """The data root for a size: the project's own data for "real", else bench/generate.py's output,
    generated once per (size, seed, generator version) under the cache directory."""
    if size == "real":
        return PROJECT, None
    generator = BENCH / "generate.py"
    if not generator.exists():
        return PROJECT, f"bench/generate.py does not exist yet: size {size} ran on the real data"
    digest = hashlib.sha256(generator.read_bytes()).hexdigest()[:12]
    out = cache / f"data-{size}-seed{seed}-{digest}"
    if (out / ".complete").exists():
        return out, None
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    log(f"generating {size} (seed {seed}) into {out}")
    argv = [sys.executable, str(generator), "--triples", size, "--seed", str(seed), "--out", str(tmp)]
    code, seconds = procs.run_timed(argv, cache / f"generate-{size}.log", timeout)
    if code != 0:
        raise RuntimeError(f"generate.py {size} exited {code}: {procs.log_tail(cache / f'generate-{size}.log')}")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    (out / ".complete").write_text(f"{seconds:.1f} s\n")
    log(f"generated {size} in {seconds:.0f} s")
    return out, None


# ---- versions --------------------------------------------------------------------------------------------

def versions(oxigraph_cmd: str) -> dict:
    out: dict = {"python": platform.python_version()}
    for dist in ("pyoxigraph", "rdflib", "rdflib-endpoint", "uvicorn", "waitress", "ljkg"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    try:
        out["oxigraph (server)"] = subprocess.run([oxigraph_cmd, "--version"], capture_output=True, text=True,
                                                  timeout=10).stdout.strip().removeprefix("oxigraph ")
    except (OSError, subprocess.TimeoutExpired):
        out["oxigraph (server)"] = None
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        out["ljkg commit"] = head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.TimeoutExpired):
        pass
    return out


# ---- one size ----------------------------------------------------------------------------------------------

def run_size(size: str, args: argparse.Namespace, results: dict) -> None:
    root, note = data_root(size, args.seed, args.cache_dir, args.load_timeout)
    label = size if note is None else f"{size} (real data: generator missing)"
    entry: dict = {"size": size, "root": str(root), "notes": [note] if note else [], "targets": {}, "floor": {}}
    results["sizes"][label] = entry
    t0 = time.perf_counter()
    store = reference_store(root, args.base)
    entry["reference_load_s"] = time.perf_counter() - t0
    entry["triples"] = len(store)
    log(f"{label}: {entry['triples']} quads loaded in-process in {entry['reference_load_s']:.1f} s")
    workload = build(store, args.base, args.instances, args.seed, args.max_rows, args.reference_budget)
    entry["workload"] = {"kinds": workload.kinds, "titles": workload.titles,
                         "instances": {k: len(v) for k, v in workload.instances.items()},
                         "build_s": workload.build_seconds}
    entry["notes"] += workload.notes
    log(f"{label}: workload of {sum(len(v) for v in workload.instances.values())} instances "
        f"in {workload.build_seconds:.1f} s")
    problems = self_test(store, workload)
    entry["self_test"] = problems or "passed: right answers accepted, dropped/altered/reordered rejected"
    if problems:
        raise SystemExit("the answer check cannot be trusted:\n  " + "\n  ".join(problems))
    if not workload.kinds:
        raise SystemExit(f"{label}: no query kind has an instance; is {root} a data root?")

    mix = workload.sequence()
    for clients in args.clients:
        entry["floor"][str(clients)] = drive_in_process(store, args.base, mix, clients, args.duration).as_dict()
        log(f"{label}: in-process floor, {clients} clients: {entry['floor'][str(clients)]['qps']:.0f} q/s")

    work = args.cache_dir / f"work-{size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    ctx = SizeContext(size, root, args.base, work, workload, args.server_timeout, args.load_timeout,
                      args.rdflib_load_timeout, args.ljkg_cmd, args.oxigraph_cmd, store=store,
                      validation_cache=args.cache_dir / f"validation-{size}" if args.reuse_validation else None)
    try:
        for name in args.targets:
            entry["targets"][name] = run_target(name, ctx, workload, args, label)
            entry["validation_reused"] = ctx.shared.get("validation-reused", False)  # known once ljkg loaded
            write(results, args)  # partial results survive a crash or Ctrl-C later on
    finally:
        if not args.keep_stores:
            shutil.rmtree(work / "ljkg-store", ignore_errors=True)
            shutil.rmtree(work / "oxigraph-store", ignore_errors=True)
    del store


def run_target(name: str, ctx: SizeContext, workload: Workload, args: argparse.Namespace, label: str) -> dict:
    target = TARGETS[name]
    out: dict = {"status": "ok", "mix": {}, "deref": {}, "notes": []}
    running = None
    other = wait_for_quiet(args.quiet_wait)
    if other > QUIET_CORES:
        out["notes"].append(f"other processes were using {other:.2f} cores when it started")
    log(f"{label}: starting {name}")
    before = procs.registered()
    with procs.MemorySampler() as sampler:
        try:
            running = target.start(ctx, sampler)
            sampler.sample()
            out.update(load_s=running.load_seconds, prep_s=running.prep_seconds,
                       prep_peak_mib=running.prep_peak_kib / 1024 if running.prep_peak_kib else None)
            out["notes"] += running.notes
            out["load_peak_mib"] = sampler.peak_kib / 1024
            log(f"{label}: {name} answered after {running.load_seconds:.1f} s "
                f"(peak {sampler.peak_kib / 1024:.0f} MiB so far)")
            mix = workload.sequence()
            if args.warmup > 0:
                drive(running, mix, 1, args.warmup)
            for clients in args.clients:
                settle(running)
                phase = drive(running, mix, clients, args.duration)
                out["mix"][str(clients)] = phase.as_dict()
                log(f"{label}: {name} mix, {clients} clients: {phase.qps:.1f} q/s, p99 {fmt_ms(phase.p99_ms)}, "
                    f"{phase.errors} errors, client {phase.client_cpu:.2f} / server {phase.server_cpu:.2f} cores")
                if not running.alive():
                    raise TargetFailed("the server died during the mix")
            if target.ljkg:  # the answer cache's best case: the same texts again (all cached after one pass)
                clients = max(args.clients)
                settle(running)
                drive(running, mix, clients, min(args.duration, 5.0), unique=False)  # fill the cache
                phase = drive(running, mix, clients, args.duration, unique=False)
                out["repeated"] = phase.as_dict()
                log(f"{label}: {name} repeated texts (answer cache), {clients} clients: {phase.qps:.1f} q/s, "
                    f"p99 {fmt_ms(phase.p99_ms)}, {phase.errors} errors")
            if target.slow and args.slow and workload.slow_query:
                clients = max(args.clients)
                settle(running)
                phase = drive(running, mix, clients, args.duration, slow_query=workload.slow_query)
                out["slow"] = phase.as_dict()
                log(f"{label}: {name} mix + slow query, {clients} clients: {phase.qps:.1f} q/s, "
                    f"p99 {fmt_ms(phase.p99_ms)}; slow query: {phase.slow}")
            # dereferences last: a page that outlives the client's timeout keeps the server busy afterwards
            if target.ljkg and workload.sequence(deref=True):
                for clients in args.clients:
                    settle(running)
                    phase = drive(running, workload.sequence(deref=True), clients, args.duration)
                    out["deref"][str(clients)] = phase.as_dict()
                    log(f"{label}: {name} dereferences, {clients} clients: {phase.qps:.1f} req/s, "
                        f"{phase.errors} errors")
            if not running.alive():
                raise TargetFailed("the server died during the run")
        except TargetFailed as exc:
            out["status"] = "failed"
            out["error"] = str(exc)
            log(f"{label}: {name} FAILED: {exc}")
        except Exception as exc:  # a bug or an unexpected answer: keep going with the next target
            out["status"] = "failed"
            out["error"] = f"{type(exc).__name__}: {exc}"
            log(f"{label}: {name} FAILED: {traceback.format_exc()}")
        finally:
            if running is not None:
                running.stop()
            procs.stop_since(before)  # also what a start that failed half-way left running
            out["peak_mib"] = sampler.peak_kib / 1024 if sampler.peak_kib else None
    return out


QUIET_CORES = 0.25


def wait_for_quiet(max_wait: float) -> float:
    """Wait (at most max_wait s) until processes other than this one use < QUIET_CORES cores; return
    what they used in the last half second. Other work on a 2-core machine would distort every figure."""
    from compare_drive import _rusage_cpu, machine_busy

    deadline = time.monotonic() + max_wait
    warned = False
    while True:
        busy0, own0 = machine_busy(), _rusage_cpu()
        time.sleep(0.5)
        other = ((machine_busy() - busy0) - (_rusage_cpu() - own0)) / 0.5
        if other < QUIET_CORES or time.monotonic() >= deadline:
            return other
        if not warned:
            log(f"waiting up to {max_wait:.0f} s for a quiet machine (other processes use {other:.2f} cores)")
            warned = True


def settle(running: Running, max_wait: float = 90.0, idle_cores: float = 0.15) -> None:
    """Wait until the target's process tree is idle (work left over from abandoned requests of the
    previous phase would otherwise be measured as part of the next one)."""
    deadline = time.monotonic() + max_wait
    while time.monotonic() < deadline:
        cpu0 = running.sampler.cpu_total()
        time.sleep(0.3)
        if (running.sampler.cpu_total() - cpu0) / 0.3 < idle_cores:
            return
    running.notes.append(f"the server was still busy {max_wait:g} s after a phase ended")


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


# ---- output ------------------------------------------------------------------------------------------------

def write(results: dict, args: argparse.Namespace) -> None:
    prefix = args.output
    prefix.parent.mkdir(parents=True, exist_ok=True)
    prefix.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    prefix.with_suffix(".md").write_text(render(results), encoding="utf-8")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,1m",
                        help="comma-separated: real (the project's own data), 10k, 100k, 1m, 10m [10k,1m]")
    parser.add_argument("--clients", default="1,8", help="concurrent clients per mix, comma-separated [1,8]")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per measured phase [20]")
    parser.add_argument("--targets", default=",".join(TARGETS), help=f"subset of: {', '.join(TARGETS)}")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run in about 75 s: real data, 1.5 s phases, 30 instances per kind")
    parser.add_argument("--seed", type=int, default=1, help="seed for the data and the workload [1]")
    parser.add_argument("--instances", type=int, default=200, help="query instances per kind [200]")
    parser.add_argument("--max-rows", type=int, default=2000,
                        help="skip instances whose reference answer has more rows [2000]")
    parser.add_argument("--reference-budget", type=float, default=10.0,
                        help="seconds of in-process reference evaluation per kind before it stops drawing "
                             "instances (at least 10 are drawn) [10]")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of 1-client warm-up per target [2]")
    parser.add_argument("--server-timeout", type=float, default=2.0,
                        help="query time limit given to ljkg (--query-timeout) and oxigraph (--timeout-s) [2]")
    parser.add_argument("--quiet-wait", type=float, default=60.0,
                        help="before each target, wait up to this long for other processes to go idle [60]")
    parser.add_argument("--no-slow", dest="slow", action="store_false", help="skip the slow-query phase")
    parser.add_argument("--load-timeout", type=float, default=900.0, help="seconds a target may take to load [900]")
    parser.add_argument("--rdflib-load-timeout", type=float, default=3600.0,
                        help="seconds rdflib-endpoint may take to load [3600]")
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"base IRI of the data [{DEFAULT_BASE}]")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE,
                        help=f"generated data, stores and server logs [{DEFAULT_CACHE}]")
    parser.add_argument("--keep-stores", action="store_true", help="keep the on-disk stores after each size")
    parser.add_argument("--reuse-validation", action="store_true",
                        help="keep ljkg's validation cache between runs (CACHE_DIR/validation-SIZE), so a "
                             "comparison of two server builds skips the minutes of SHACL at 1M; the prep "
                             "is then no longer a cold validation, and the report says so")
    parser.add_argument("--output", type=Path, default=None,
                        help="path prefix of the .md and .json results [bench/results/<timestamp>]")
    parser.add_argument("--ljkg-cmd", default=f"{sys.executable} -m ljkg.cli",
                        help="how to run the ljkg command [python -m ljkg.cli]")
    parser.add_argument("--oxigraph-cmd", default=shutil.which("oxigraph") or "oxigraph",
                        help="the oxigraph server binary (pip install oxigraph)")
    args = parser.parse_args(argv)
    if args.quick:
        defaults = {"sizes": "10k,1m", "duration": 20.0, "instances": 200, "warmup": 2.0}
        defaults["quiet_wait"] = 60.0
        for name, quick in (("sizes", "real"), ("duration", 1.5), ("instances", 30), ("warmup", 0.3),
                            ("quiet_wait", 0.0)):
            if getattr(args, name) == defaults[name]:
                setattr(args, name, quick)
    args.sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    args.clients = [int(c) for c in args.clients.split(",") if c.strip()]
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown targets {unknown}; choose from {list(TARGETS)}")
    args.ljkg_cmd = shlex.split(args.ljkg_cmd)
    if args.output is None:
        args.output = BENCH / "results" / datetime.now().strftime("%Y%m%d-%H%M%S")
    args.output = Path(str(args.output).removesuffix(".md").removesuffix(".json"))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    procs.install_cleanup()
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python bench/compare.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])),
        "machine": procs.machine(),
        "versions": versions(args.oxigraph_cmd),
        "settings": {"sizes": args.sizes, "clients": args.clients, "duration_s": args.duration,
                     "targets": args.targets, "seed": args.seed, "instances_per_kind": args.instances,
                     "max_rows": args.max_rows, "reference_budget_s": args.reference_budget,
                     "server_timeout_s": args.server_timeout,
                     "warmup_s": args.warmup, "slow": args.slow, "base": args.base,
                     "reuse_validation": args.reuse_validation},
        "sizes": {},
    }
    code = 0
    try:
        for size in args.sizes:
            run_size(size, args, results)
    except KeyboardInterrupt:
        log("interrupted: stopping the servers and writing what was measured")
        results["interrupted"] = True
        code = 130
    finally:
        procs.stop_all()
        results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        write(results, args)
    print(render(results))
    log(f"wrote {args.output.with_suffix('.md')} and {args.output.with_suffix('.json')}")
    return code


if __name__ == "__main__":
    sys.exit(main())
