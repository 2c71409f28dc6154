"""Validated files, ready for a store: SHACL and metadata run once per dataset version, in a child process.

Why a child: rdflib and pyshacl need the whole graph in Python objects (about 6 GB at a million triples)
and Python keeps most of that memory after it is freed, so the serving process would carry it for its
whole life. The child parses, validates and describes, sends back the metadata graph (VoID, DCAT-AP, the
service description and the SHACL report) as N-Triples, and exits; the server then holds only Oxigraph.

Why a cache: the dataset version is a hash of every file (shapes included), so a report and metadata
computed for a version stay right for it. They are kept under --cache-dir, keyed also by the settings
the metadata mentions and the code and validator that produced them; a restart on unchanged files skips
SHACL, and any change to a file, a setting or the code validates again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import multiprocessing as mp
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path

import pyoxigraph as ox

from .iris import Namespaces
from .loading import GRAPH_FOLDERS, LoadError, fingerprint, source_files
from .processes import die_with_parent
from .releases import Releases
from .settings import Settings
from .store.oxigraph import files_by_graph

log = logging.getLogger(__name__)
Progress = Callable[[str], None]

CONFORMS = b"<http://www.w3.org/ns/shacl#conforms>"
KEEP = 16  # entries kept in the cache folder, the most recently used first
# Settings that change only how the server runs, never a triple of the metadata graph (the base IRI is
# in the dataset version already, as resolved: `--base-uri` given or derived from host and port).
NOT_IN_METADATA = {"base_uri", "host", "port", "data", "store", "cache_dir", "sparql_backend", "processes", "workers",
                   "search_dir", "query_workers", "query_processes", "query_memory", "query_recycle", "answer_cache",
                   "query_reserved", "client_queries",
                   "trusted_proxy", "trusted_proxy_header",
                   "max_query_length", "max_header_field", "max_body", "max_header", "max_connections",
                   "client_timeout", "max_query_depth", "max_query_patterns", "incoming_limit", "cache_max_age",
                   "validation_processes"}


@dataclass
class Checked:
    namespaces: Namespaces
    version: str
    releases: Releases
    files: dict[str, list[Path]]  # Turtle files by named graph IRI
    metadata: bytes  # N-Triples of the metadata graph, validation report included
    reused: bool  # True when the report came from the cache

    @property
    def metadata_graph_iri(self) -> str:
        return metadata_graph_iri(self.namespaces)


def metadata_graph_iri(namespaces: Namespaces) -> str:
    return namespaces["graph"] + "metadata"


class StartupRefused(Exception):
    """The data violates the shapes and --allow-invalid was not given; the message is the report."""


def check(settings: Settings, progress: Progress | None = None) -> Checked:
    """The files of ``settings.data`` with their metadata graph, validated now or reused from the cache.

    Raises LoadError (a file is missing or broken) or StartupRefused (violations, without --allow-invalid).
    """
    say = progress or (lambda _message: None)
    namespaces = Namespaces(settings.base)
    sources = source_files(settings.data_root)
    version, releases = fingerprint(settings.data_root, sources, namespaces.base)
    files = files_by_graph(sources, lambda folder: namespaces["graph"] + folder)
    folder = settings.cache_folder
    entry = folder / f"{version}-{_producer_digest(settings)}.nt" if folder else None
    kept = _kept(entry) if entry is not None else None
    if kept is not None:
        with contextlib.suppress(OSError):
            os.utime(entry)  # recently used: pruned last
        say(f"validation of version {version} reused from {entry}")
        return Checked(namespaces, version, releases, files, kept, reused=True)
    metadata = _in_child(settings, progress)
    if entry is not None:
        _keep(entry, metadata)
    return Checked(namespaces, version, releases, files, metadata, reused=False)


def _producer_digest(settings: Settings) -> str:
    """What else decides the metadata graph: the settings it states, our code, rdflib and pyshacl."""
    digest = hashlib.sha256()
    stated = {k: v for k, v in settings.as_dict().items() if k not in NOT_IN_METADATA}
    digest.update(json.dumps(stated, sort_keys=True, default=str).encode())
    for name in ("rdflib", "pyshacl"):
        digest.update(f"{name}={package_version(name)}".encode())
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _kept(entry: Path) -> bytes | None:
    """A cache entry that is there and whole (it parses), else None: a damaged one is validated again."""
    try:
        metadata = entry.read_bytes()
        for _triple in ox.parse(metadata, format=ox.RdfFormat.N_TRIPLES):
            pass
        if CONFORMS not in metadata:
            raise SyntaxError("it holds no validation report")
    except FileNotFoundError:
        return None
    except (OSError, SyntaxError) as exc:
        log.warning("ignoring the damaged validation cache entry %s: %s", entry, exc)
        return None
    return metadata


def _keep(entry: Path, metadata: bytes) -> None:
    """Write the cache entry whole or not at all; a cache that cannot be written only costs time."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=entry.parent, prefix=".", suffix=".tmp", delete=False) as fh:
            fh.write(metadata)
        os.replace(fh.name, entry)
        for old in sorted(entry.parent.glob("*.nt"), key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot keep the validation in %s: %s", entry.parent, exc)


def _in_child(settings: Settings, progress: Progress | None) -> bytes:
    """Run `prepare` in a forked child; its progress lines and its answer come back through a pipe."""
    context = mp.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_prepare_and_send, args=(settings, sending, os.getpid()), daemon=True)
    child.start()
    sending.close()
    kind, payload = "error", "the validation process died (out of memory?)"
    with contextlib.suppress(EOFError):  # read before join: a large answer must not block the child
        while (message := receiving.recv())[0] == "progress":
            if progress:
                progress(message[1])
        kind, payload = message
    child.join()
    if kind == "ok":
        return payload
    if kind == "load":
        raise LoadError(payload)
    if kind == "refused":
        raise StartupRefused(payload)
    raise RuntimeError(payload)


def _prepare_and_send(settings: Settings, sending, parent_pid: int) -> None:
    die_with_parent(parent_pid)  # a server killed while validating must not leave gigabytes behind
    try:
        sending.send(("ok", prepare(settings, lambda message: sending.send(("progress", message)))))
    except LoadError as exc:
        sending.send(("load", str(exc)))
    except StartupRefused as exc:
        sending.send(("refused", str(exc)))
    except Exception as exc:  # a bug: say so in the parent instead of dying silently here
        sending.send(("error", f"validation failed: {exc!r}"))
    finally:
        sending.close()


def prepare(settings: Settings, progress: Progress | None = None) -> bytes:
    """Load → validate (refused unless conforming or --allow-invalid) → metadata, as N-Triples."""
    from rdflib import RDF, Dataset, Graph, URIRef

    from .loading import load
    from .metadata import build_metadata
    from .validation import SH, render_text, validate_graph

    say = progress or (lambda _message: None)
    started = time.monotonic()
    namespaces = Namespaces(settings.base)
    loaded = load(settings.data_root, namespaces.base)
    counts = {str(loaded.graph_iri(f)): len(loaded.dataset.graph(loaded.graph_iri(f))) for f in GRAPH_FOLDERS}
    say(f"parsed {len(loaded.files)} files, {sum(counts.values()):,} triples ({time.monotonic() - started:.1f} s)")
    union = loaded.union()  # a copy of every triple (about 20 s at 1M): made once, for the shapes and VoID
    # the graphs as parsed are not needed any more: freed before validating, their memory (about 1.5 GB
    # at 1M) serves pyshacl, and processes forked to validate do not inherit them
    loaded = dataclasses.replace(loaded, dataset=Dataset())
    outcome = validate_graph(union, loaded.shapes, *settings.validators)
    shared = f" in {outcome.processes} processes" if outcome.processes > 1 else ""
    say(f"validated with SHACL{shared}: {'conforms' if outcome.conforms else f'{len(outcome.violations)} results'}"
        f" ({time.monotonic() - started:.1f} s)")
    if not outcome.conforms and not settings.allow_invalid:
        raise StartupRefused(render_text(outcome, loaded, union))
    metadata: Graph = build_metadata(namespaces, union, loaded.version, loaded.releases, settings,
                                     graph_counts=counts)
    root = URIRef(namespaces.iri_of("dataset/validation-report"))  # the report travels with the metadata
    for s, p, o in outcome.report:
        metadata.add((root if (s, RDF.type, SH.ValidationReport) in outcome.report else s, p, o))
    say(f"described: {len(metadata):,} metadata triples ({time.monotonic() - started:.1f} s)")
    return metadata.serialize(format="nt", encoding="utf-8")
