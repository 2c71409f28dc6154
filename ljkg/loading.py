"""Read the dataset's RDF files from local disk only, resolved against the configured base.

Ontology and data go into two named graphs of one rdflib Dataset (``graph/ontology``, ``graph/data``);
the shapes stay a separate graph. The dataset version is a hash of the files and the base, so it changes
exactly when what we publish changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from .iris import Namespaces

GRAPH_FOLDERS = ("ontology", "data")


class LoadError(Exception):
    """A file could not be read or parsed; the message names the file and the position."""


@dataclass
class Loaded:
    namespaces: Namespaces
    dataset: Dataset
    shapes: Graph
    version: str
    modified: datetime
    files: list[Path]

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


def fingerprint(files: list[Path], base: str) -> tuple[str, datetime]:
    """The dataset version (a hash of the base and every file) and its modification time, without parsing."""
    digest = hashlib.sha256(base.encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    modified = datetime.fromtimestamp(max(p.stat().st_mtime for p in files), tz=UTC).replace(microsecond=0)
    return digest.hexdigest()[:16], modified


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
    version, modified = fingerprint(files, namespaces.base)
    return Loaded(namespaces, dataset, shapes, version, modified, files)
