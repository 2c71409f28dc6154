"""Server processes for bench/compare.py: start them in their own session, measure them, always kill them.

Why a registry: the benchmark starts a dozen servers one after the other; a Ctrl-C, a failed target or
an exception must never leave one running (it would steal one of the 2 cores from the next target). Every
process is started with start_new_session, so killing its process group also kills the query processes
it forked; an atexit hook and SIGTERM/SIGHUP handlers kill whatever is still registered.

Why PSS over the process tree: the ljkg server forks query processes that share the loaded store
copy-on-write; RSS would count those shared pages once per process, PSS splits them, so the sum over the
tree is the memory the target really costs.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

_RUNNING: dict[int, subprocess.Popen] = {}
_LOCK = threading.Lock()
CLK_TCK = os.sysconf("SC_CLK_TCK")


def start(argv: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.Popen:
    """Start a process in a new session, stdout+stderr to a log file, and register it for cleanup."""
    log.parent.mkdir(parents=True, exist_ok=True)
    fh = open(log, "ab")  # noqa: SIM115 - closed with the process in stop()
    fh.write(f"$ {' '.join(argv)}\n".encode())
    fh.flush()
    proc = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True)
    proc._bench_log = fh  # type: ignore[attr-defined]
    with _LOCK:
        _RUNNING[proc.pid] = proc
    return proc


def stop(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left after the grace period."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # also children that outlived their parent
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    fh = getattr(proc, "_bench_log", None)
    if fh is not None:
        fh.close()
    with _LOCK:
        _RUNNING.pop(proc.pid, None)


def registered() -> set[int]:
    """Pids of the processes started here and not stopped yet."""
    with _LOCK:
        return set(_RUNNING)


def stop_since(before: set[int]) -> None:
    """Stop every process started after `before` was taken (a target whose start failed half-way)."""
    with _LOCK:
        procs = [p for pid, p in _RUNNING.items() if pid not in before]
    for proc in procs:
        stop(proc)


def stop_all() -> None:
    with _LOCK:
        procs = list(_RUNNING.values())
    for proc in procs:
        stop(proc, grace=2.0)


def _on_signal(signum: int, _frame: object) -> None:
    stop_all()
    sys.exit(128 + signum)


def install_cleanup() -> None:
    """Kill every registered server at exit, on SIGTERM and SIGHUP (Ctrl-C raises KeyboardInterrupt,
    which unwinds through the callers' finally blocks and then atexit)."""
    atexit.register(stop_all)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)


def run_timed(argv: list[str], log: Path, timeout: float, sampler: MemorySampler | None = None,
              env: dict[str, str] | None = None) -> tuple[int, float]:
    """Run a command to completion (or timeout); return (exit code, seconds). Sampled if a sampler is given."""
    t0 = time.perf_counter()
    proc = start(argv, log, env=env)
    if sampler:
        sampler.add(proc.pid)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(proc)
        raise TimeoutError(f"{argv[0]} did not finish within {timeout:g} s") from None
    finally:
        stop(proc)
    return code, time.perf_counter() - t0


def log_tail(log: Path, lines: int = 8) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-lines:])


# ---- /proc readings ------------------------------------------------------------------------------------

def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return out


def tree(pids: list[int]) -> list[int]:
    """The given processes and all their descendants that are alive now."""
    seen: list[int] = []
    stack = list(pids)
    while stack:
        pid = stack.pop()
        if pid in seen or not os.path.exists(f"/proc/{pid}"):
            continue
        seen.append(pid)
        stack += children(pid)
    return seen


def pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """utime+stime of one process (not its reaped children: the sampler counts each process of the tree
    itself, so adding cutime would count a killed query process twice)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields[0] is state (field 3); utime and stime are fields 14 and 15
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class MemorySampler:
    """Samples the summed PSS of process trees every `interval` seconds (longer for big processes, see
    _run) in a thread; keeps the peak.

    Also keeps the CPU seconds seen per process, so the tree's CPU over a phase can be computed.
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.roots: list[int] = []
        self.peak_kib = 0
        self.last_kib = 0
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pss-sampler", daemon=True)
        self._lock = threading.Lock()

    def add(self, pid: int) -> None:
        with self._lock:
            self.roots.append(pid)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def sample(self) -> int:
        with self._lock:
            roots = list(self.roots)
        pids = tree(roots)
        total = 0
        for pid in pids:
            total += pss_kib(pid)
            self._cpu[pid] = cpu_seconds(pid)
        self.last_kib = total
        self.peak_kib = max(self.peak_kib, total)
        return total

    def reset_peak(self) -> None:
        self.peak_kib = self.last_kib

    def cpu_total(self) -> float:
        """CPU seconds used so far by every process ever seen in the trees (dead ones keep their last value)."""
        with self._lock:
            roots = list(self.roots)
        for pid in tree(roots):
            self._cpu[pid] = cpu_seconds(pid)
        return sum(self._cpu.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            t0 = time.perf_counter()
            self.sample()
            spent = time.perf_counter() - t0
            # reading smaps_rollup walks the page tables (~30 ms for a 4.5 GB process): keep the sampler
            # under ~5 % of one core, so it does not take CPU from the server it measures
            self._stop.wait(max(self.interval, 20 * spent))


def machine() -> dict:
    """nproc, RAM, CPU model and kernel, for the report header."""
    info: dict = {"nproc": os.cpu_count()}
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["ram_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    info["kernel"] = os.uname().release
    return info
