"""Every RDF file declares its prefixes as ljkg/iris.py does (same prefix, same IRI), and no file
spells one of our namespaces as an absolute IRI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ljkg.iris import OWN_PREFIXES, VOCAB_PREFIXES
from ljkg.settings import PROJECT_ROOT

CANONICAL = {**OWN_PREFIXES, **VOCAB_PREFIXES}
PREFIX_LINE = re.compile(r"^\s*@prefix\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>\s*\.", re.M)
SPARQL_PREFIX = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>", re.M | re.I)
RDF_FILES = sorted(
    p for folder in ("ontology", "data", "shapes") for p in (PROJECT_ROOT / folder).glob("*.ttl")
) + sorted((PROJECT_ROOT / "tests" / "shapes" / "cases").rglob("*.ttl"))
QUERY_FILES = sorted((PROJECT_ROOT / "queries").glob("*.rq"))


def test_files_found():
    assert len(RDF_FILES) > 10 and QUERY_FILES


@pytest.mark.parametrize("path", RDF_FILES + QUERY_FILES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_prefixes_agree_with_iris_py(path: Path):
    text = path.read_text(encoding="utf-8")
    pattern = SPARQL_PREFIX if path.suffix == ".rq" else PREFIX_LINE
    declared = pattern.findall(text)
    if path.suffix == ".ttl":
        assert declared, f"{path.name} declares its prefixes"
    for prefix, iri in declared:
        assert prefix in CANONICAL, f"{path.name}: prefix {prefix}: is not in ljkg/iris.py"
        expected = CANONICAL[prefix]
        assert iri == expected, f"{path.name}: {prefix}: is <{iri}>, iris.py says <{expected}>"


@pytest.mark.parametrize("path", RDF_FILES + QUERY_FILES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_absolute_iri_of_our_namespace(path: Path):
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"<([a-z][a-z0-9+.-]*:[^>\s]*)>", text):
        iri = match.group(1)
        for rel in OWN_PREFIXES.values():
            assert f"/{rel}" not in iri or any(iri.startswith(v) for v in VOCAB_PREFIXES.values()), (
                f"{path.name}: absolute IRI {iri} of our namespace {rel}: write it relative"
            )
