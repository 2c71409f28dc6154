"""`ljkg serve` / `python server.py`: build the app, then hand it to waitress (a production WSGI server).

One process answers requests with threads, but Flask and waitress hold the GIL for every request, so one
process uses about one core. `--processes N` binds the port once and forks N waitress processes that
share it; the in-memory store is loaded and validated once, before the fork, and shared copy-on-write.
A disk or remote store is opened by each process after the fork (a RocksDB handle must not cross one).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
import sys

from .connections import BACKLOG, raise_open_file_limit
from .loading import LoadError
from .processes import die_with_parent
from .publication import (
    Publication,
    SandboxUnavailable,
    StartupRefused,
    StoreUnavailable,
    build_publication,
    start_query_processes,
)
from .settings import Settings

log = logging.getLogger(__name__)


def run(settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    raise_open_file_limit(settings)
    single = settings.processes <= 1
    pub, failure = _publication(settings, start_queries=single)
    if pub is None:
        return failure
    _announce(pub, settings)
    if single:
        try:
            server = _server(pub, settings, sockets=None)
        except OSError as exc:
            pub.store.close()
            return _cannot_listen(settings, exc)
        # SIGTERM unwinds like Ctrl+C, so the store closes and exit handlers (a private index folder) run
        signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
        try:
            server.print_listen("Serving on http://{}:{}")
            server.run()
        finally:
            pub.store.close()
        return 0
    if settings.store or settings.sparql_backend:  # checked; each serving process opens its own
        pub.store.close()
        pub = None
        gc.collect()
    return _run_processes(settings, pub)


def _publication(settings: Settings, start_queries: bool) -> tuple[Publication | None, int]:
    """The publication, or None and the exit status after saying why it cannot start."""
    try:
        return build_publication(settings, start_queries=start_queries), 0
    except LoadError as exc:
        print(f"error: cannot load the dataset: {exc}", file=sys.stderr)
        return None, 2
    except StoreUnavailable as exc:
        print(f"error: cannot open the store: {exc}", file=sys.stderr)
        return None, 2
    except SandboxUnavailable as exc:
        return None, _unsandboxed(exc)
    except StartupRefused as exc:
        print("Refusing to start: the data does not conform to its shapes.\n", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        print("Fix the data, or start anyway with --allow-invalid (every page then says so).", file=sys.stderr)
        return None, 1


def _unsandboxed(exc: SandboxUnavailable) -> int:
    print(f"Refusing to start: {exc}", file=sys.stderr)
    return 2


def _announce(pub: Publication, settings: Settings) -> None:
    if pub.invalid:
        print("WARNING: serving data that does not conform to its shapes (--allow-invalid).", file=sys.stderr)
    processes = f" with {settings.processes} processes" if settings.processes > 1 else ""
    listening = f"http://{settings.host}:{settings.port}/"
    public = "" if pub.namespaces.base == listening else f" as {pub.namespaces.base}"
    print(f"Serving dataset version {pub.version} on {listening}{public}{processes} — SPARQL at "
          f"{pub.namespaces.base}sparql", flush=True)


def _server(pub: Publication, settings: Settings, sockets: list[socket.socket] | None):
    """The waitress server for our app, on the given sockets or bound to host:port (OSError if it can't)."""
    from .app import create_app
    from .connections import create_server

    app = create_app(settings, publication=pub)
    return create_server(app, settings, sockets)


def _cannot_listen(settings: Settings, exc: OSError) -> int:
    print(f"error: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}", file=sys.stderr)
    return 2


def _run_processes(settings: Settings, shared: Publication | None) -> int:
    """Bind once, fork N serving processes, and stop them all when one dies or we are told to stop."""
    try:
        listener = socket.create_server((settings.host, settings.port), backlog=BACKLOG)
    except OSError as exc:
        return _cannot_listen(settings, exc)
    children: list[int] = []
    parent_pid = os.getpid()
    for _ in range(settings.processes):
        pid = os.fork()
        if pid == 0:
            os._exit(_child(settings, shared, listener, parent_pid))
        children.append(pid)
    listener.close()

    def stop(signum, _frame) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    status = 0
    remaining = set(children)
    while remaining:
        try:
            pid, code = os.wait()
        except ChildProcessError:
            break
        remaining.discard(pid)
        if code != 0 and remaining:  # one failed: take the others down, so a supervisor restarts us whole
            log.error("serving process %d exited with status %d; stopping the others", pid, code)
            status = 1
            stop(signal.SIGTERM, None)
    return status


def _child(settings: Settings, shared: Publication | None, listener: socket.socket, parent_pid: int) -> int:
    die_with_parent(parent_pid)  # a killed parent takes its serving processes (and so their query ones) along
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    if shared is None:
        pub, failure = _publication(settings, start_queries=True)
        if pub is None:
            return failure
    else:
        pub = shared
        try:
            start_query_processes(pub)
        except SandboxUnavailable as exc:
            return _unsandboxed(exc)

    def stop(_signum, _frame) -> None:
        pub.store.close()  # our query processes go with us
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        _server(pub, settings, sockets=[listener]).run()
    finally:
        pub.store.close()
    return 0
