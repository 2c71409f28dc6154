"""Read the dataset's RDF files from local disk only, resolved against the configured base.

Ontology and data go into two named graphs of one rdflib Dataset (``graph/ontology``, ``graph/data``);
the shapes stay a separate graph. The dataset version is a hash of the files, the release record and the
base, so it changes exactly when what we publish changes; dates come from the release record (releases.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from .iris import Namespaces
from .releases import ReleaseRecordError, Releases, read_releases, record_path

GRAPH_FOLDERS = ("ontology", "data")


class LoadError(Exception):
    """A file could not be read or parsed; the message names the file and the position."""


@dataclass
class Loaded:
    namespaces: Namespaces
    dataset: Dataset
    shapes: Graph
    version: str
    releases: Releases
    files: list[Path]

    @property
    def modified(self) -> datetime | None:
        return self.releases.modified

    def graph_iri(self, folder: str) -> URIRef:
        return URIRef(self.namespaces["graph"] + folder)

    def union(self) -> Graph:
        """Ontology and data as one graph (what the shapes validate and the default graph shows)."""
        union = Graph()
        for prefix, iri in self.namespaces.prefixes().items():
            union.bind(prefix, iri, override=True)
        for folder in GRAPH_FOLDERS:
            union += self.dataset.graph(self.graph_iri(folder))
        return union


def turtle_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ttl") if p.is_file())


def parse_into(graph: Graph, path: Path, base: str) -> None:
    try:
        graph.parse(path, format="turtle", publicID=base)
    except Exception as exc:  # rdflib raises several types; all mean "this file is broken"
        raise LoadError(f"{path}: {exc}") from exc


def source_files(root: Path) -> list[Path]:
    """The files a dataset is read from: ontology/ and data/ (each required), then shapes/."""
    root = Path(root)
    files: list[Path] = []
    for folder in GRAPH_FOLDERS:
        found = turtle_files(root / folder)
        if not found:
            raise LoadError(f"{root / folder}: no .ttl files")
        files += found
    return files + turtle_files(root / "shapes")


def fingerprint(root: Path, files: list[Path], base: str) -> tuple[str, Releases]:
    """The dataset version (a hash of the base, every file and the release record) and the recorded
    releases, without parsing the RDF. Never a file time: copies of the same files have the same version."""
    try:
        releases = read_releases(root)
    except ReleaseRecordError as exc:
        raise LoadError(str(exc)) from exc
    digest = hashlib.sha256(base.encode())
    record = record_path(root)
    for path in [*files, record] if record.is_file() else files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16], releases


def load(root: Path, base: str) -> Loaded:
    """Parse ontology/, data/ and shapes/ under ``root``; raise LoadError naming the broken file."""
    namespaces = Namespaces(base)
    files = source_files(root)
    dataset = Dataset()
    shapes = Graph()
    for path in files:
        folder = path.parent.name
        graph = dataset.graph(URIRef(namespaces["graph"] + folder)) if folder in GRAPH_FOLDERS else shapes
        parse_into(graph, path, namespaces.base)
    for prefix, iri in namespaces.prefixes().items():
        dataset.bind(prefix, iri, override=True)
    version, releases = fingerprint(root, files, namespaces.base)
    return Loaded(namespaces, dataset, shapes, version, releases, files)
