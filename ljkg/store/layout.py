"""The folder `ljkg load --store DIR` fills and `ljkg serve --store DIR` opens, replaced by one rename(2).

    DIR/current -> versions/<id>    a relative symlink: the version that is served
    DIR/versions/<id>/              one Oxigraph database per version
    DIR/oxigraph/                   the layout before versions: served as long as DIR/current does not exist

Why a symlink: a new version is written beside the old one, and renaming a new link over `current` is
the single atomic step that publishes it, so a load killed at any instant leaves a whole version to serve,
the old one or the new one. A folder in the old layout is upgraded the same way: `current` takes
precedence over `DIR/oxigraph` as soon as it exists, so creating it is the switch, and the old folder is
removed afterwards.

Why locks: a running server keeps reading the version it opened (and its query processes reopen it after
a restart), so that version must outlive the swap. Each server holds a shared flock(2) on its version's
directory; the loader removes an old version only if it can take an exclusive one, else leaves it for the
next load. A second `ljkg load` on the same DIR is refused by an exclusive lock on DIR itself.

`LJKG_LOAD_PAUSE_AT=<phase>` (one of PHASES) stops a load at that phase until it is killed: the tests use it
to kill a load at each step and check that DIR can still be served. It is a fault-injection hook, not a
setting of the publisher.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

Progress = Callable[[str], None]
CURRENT = "current"
VERSIONS = "versions"
LEGACY = "oxigraph"  # the database folder of the layout before versions
LEGACY_STAGING = "oxigraph.new"  # where that layout's loader wrote before its (two-step) swap
PAUSE_VARIABLE = "LJKG_LOAD_PAUSE_AT"
PHASES = ("validate", "write", "before-swap", "after-swap", "delete")
_paused: set[str] = set()


class StoreBusy(OSError):
    """Another `ljkg load` is filling the same folder."""


def reached(phase: str, progress: Progress) -> None:
    """Mark a phase of a load; with LJKG_LOAD_PAUSE_AT naming it, wait there (once) until killed."""
    if os.environ.get(PAUSE_VARIABLE) != phase or phase in _paused:
        return
    _paused.add(phase)
    progress(f"paused at phase {phase} ({PAUSE_VARIABLE}); waiting to be killed")
    while True:
        signal.pause()


def served_database(folder: str | Path) -> Path:
    """The database `ljkg serve --store folder` opens now: where `current` points, else the old layout's."""
    folder = Path(folder)
    link = folder / CURRENT
    if link.is_symlink():
        target = link.resolve()
        if not target.is_dir():
            raise OSError(f"{link} points to {os.readlink(link)}, which is missing; fill the folder again with "
                          f"`ljkg load --replace --store {folder}`")
        return target
    legacy = folder / LEGACY
    if legacy.is_dir():
        return legacy
    raise OSError(f"{folder}: no Oxigraph database in {link} (nor {legacy}); "
                  f"fill it first with `ljkg load --store {folder}`")


def hold_served(folder: str | Path, attempts: int = 10) -> tuple[Path, int]:
    """The served database and a descriptor holding a shared lock on it, so no load removes it while this
    process (or a process it forks) reads it. Close the descriptor to let go."""
    for _ in range(attempts):
        path = served_database(folder)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            continue  # removed between the two calls: look again
        fcntl.flock(fd, fcntl.LOCK_SH)
        with contextlib.suppress(OSError):
            if served_database(folder) == path and path.is_dir():
                return path, fd
        os.close(fd)  # swapped or removed while we waited for the lock: open the version served now
    raise OSError(f"{folder}: the store kept changing while it was being opened")


@contextlib.contextmanager
def _only_loader(folder: Path) -> Iterator[None]:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreBusy(f"{folder}: another `ljkg load` is filling this folder; wait for it to end") from None
        yield
    finally:
        os.close(fd)


def replace_version(folder: str | Path, write: Callable[[Path], int], *, replace: bool = False,
                    progress: Progress | None = None) -> int:
    """Write a new version with ``write(path)`` beside the served one, swap it in, remove the old one.

    Returns what ``write`` returned (the quad count). Raises FileExistsError when the folder already holds
    a store and ``replace`` is false, StoreBusy when another load holds the folder.
    """
    say = progress or (lambda _message: None)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with _only_loader(folder):
        try:
            old: Path | None = served_database(folder)
        except OSError:
            old = None
        if (old is not None or (folder / CURRENT).is_symlink()) and not replace:
            raise FileExistsError(f"{folder} already holds a store ({old or folder / CURRENT}); "
                                  "add --replace to overwrite it")
        _sweep(folder, old, say)
        versions = folder / VERSIONS
        versions.mkdir(exist_ok=True)
        new = versions / f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(4)}"
        new.mkdir()  # not mkdtemp: the folder gets the umask's permissions, so a server of another user reads it
        try:
            count = write(new)
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)  # never served: nothing reads it
            raise
        _sync(versions)
        link = folder / f".{CURRENT}.{os.getpid()}.new"
        link.unlink(missing_ok=True)
        os.symlink(os.path.join(VERSIONS, new.name), link)
        reached("before-swap", say)
        os.replace(link, folder / CURRENT)  # the swap: one rename(2)
        _sync(folder)
        say(f"  {folder / CURRENT} -> {VERSIONS}/{new.name}")
        reached("after-swap", say)
        if old is not None:
            _retire(old, say, "the old version", marked=True)
        return count


def _retire(path: Path, say: Progress, what: str, marked: bool = False) -> None:
    """Remove a version no longer served, unless a server still reads it (then the next load does).
    ``marked``: this is the load's own phase "delete" (not the sweep of an earlier load's leftovers)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"  kept {what} {path}: a server still has it open (restart it to serve the new one); "
                "the next `ljkg load --replace` removes it once no server uses it")
            return
        # the files that make a database openable go first: a version removed halfway can never be opened
        files = sorted(path.iterdir(), key=lambda p: (not p.name.startswith(("CURRENT", "MANIFEST")), p.name))
        for entry in files[:1]:
            _remove(entry)
        if marked:
            reached("delete", say)
        shutil.rmtree(path)
        say(f"  removed {what} {path}")
    finally:
        os.close(fd)


def _sweep(folder: Path, served: Path | None, say: Progress) -> None:
    """Remove what killed loads left behind: unfinished or retired versions no server holds, stray links,
    and the old layout's folders once `current` has replaced them."""
    leftovers = [p for p in folder.glob(f".{CURRENT}.*.new") if p.is_symlink()]
    if (folder / LEGACY_STAGING).exists():
        leftovers.append(folder / LEGACY_STAGING)
    if served is not None and served != folder / LEGACY and (folder / LEGACY).is_dir():
        leftovers.append(folder / LEGACY)
    if (folder / VERSIONS).is_dir():
        leftovers += [p for p in (folder / VERSIONS).iterdir() if p != served]
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            _retire(path, say, "what an earlier load left")
        else:
            _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def _sync(directory: Path) -> None:
    """Make a rename or a new entry in ``directory`` durable (a power cut after the swap keeps it)."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
