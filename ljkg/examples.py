"""The example queries (queries/NN-slug.rq): their bilingual headers, their text in a page's language, and
their description as RDF (SHACL executables, as the SIB SPARQL-examples guidelines publish them).

Why the files are the single source: the query page, the home page's timeline, the published RDF and the
golden-answer tests all read the same text, so an example cannot say one thing on the page and another in
/.well-known/sparql-examples.

A file starts with comment headers::

    # title@en: …            # title@sl: …
    # question@en: …         # question@sl: …
    # topic: networks        (one of TOPICS)
    #defaultView:Table       (one of VIEWS; the query page's JavaScript reads this exact comment)

Labels in the page's language: a query that shows labels starts its WHERE clause with the LANGUAGE_LINE
(`VALUES (?lang ?fallback) { ("en" "sl") }`) and picks each label with two OPTIONALs and a COALESCE, the
page's language first. The file is written for English; for another page language only the pair in that
one line is swapped, so the text served is still plain SPARQL that anyone can paste elsewhere.

The examples are metadata about the service, not data: they are not in the store, so the data's SHACL
shapes never see them, and every store (memory, disk, remote) answers the same queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from .languages import SUPPORTED
from .sparql_tokens import TokenError, read

# Topics, in the order the query page shows them: key -> (en, sl).
TOPICS: dict[str, tuple[str, str]] = {
    "networks": ("Networks and memberships", "Mreže in članstva"),
    "icorn": ("ICORN: Ljubljana as a city of refuge", "ICORN: Ljubljana kot mesto zatočišča"),
    "eurocities": ("Eurocities", "Eurocities"),
    "presentations": ("Presentations of Ljubljana abroad", "Predstavitve Ljubljane v tujini"),
    "map": ("On a map", "Na zemljevidu"),
    "overview": ("The whole graph", "Celoten graf"),
    "provenance": ("Provenance: back to the source text", "Provenienca: nazaj k izvornemu besedilu"),
}
# The result views the query page can draw (the engineer of the page's views reads #defaultView:X).
VIEWS = ("Table", "BarChart", "LineChart", "Timeline", "Map", "Graph")
DEFAULT_VIEW = "Table"
LANGUAGE_LINE = re.compile(r'^(\s*VALUES \(\?lang \?fallback\) \{ \()"en" "sl"(\) \})', re.MULTILINE)

_HEADER = re.compile(r"^#\s*(title|question)@(\w+):\s*(.+?)\s*$", re.MULTILINE)
_TOPIC = re.compile(r"^#\s*topic:\s*(\S+)\s*$", re.MULTILINE)
_VIEW = re.compile(r"^#defaultView:(\w+)\s*$", re.MULTILINE)

SH = "http://www.w3.org/ns/shacl#"
SCHEMA = "https://schema.org/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
# query form -> (the SHACL executable class, the property holding the text). DESCRIBE has no SHACL class;
# the SIB examples use sh:describe on a plain sh:SPARQLExecutable, and so do we.
FORMS = {"SELECT": ("SPARQLSelectExecutable", "select"), "CONSTRUCT": ("SPARQLConstructExecutable", "construct"),
         "ASK": ("SPARQLAskExecutable", "ask"), "DESCRIBE": (None, "describe")}
EXAMPLES_PATH = ".well-known/sparql-examples"


@dataclass(frozen=True)
class Example:
    slug: str  # the file name without .rq, e.g. 01-networks-of-ljubljana
    titles: dict[str, str]
    questions: dict[str, str]
    topic: str
    default_view: str
    text: str  # the file as written (English labels first)
    form: str  # SELECT, CONSTRUCT, ASK or DESCRIBE

    def title(self, lang: str) -> str:
        return _in(self.titles, lang) or self.slug

    def question(self, lang: str) -> str:
        return _in(self.questions, lang) or ""

    def topic_label(self, lang: str) -> str:
        return topic_label(self.topic, lang)

    def in_language(self, lang: str) -> str:
        """The text asking for labels in `lang` first and the other language second."""
        if lang == "en" or lang not in SUPPORTED:
            return self.text
        other = next(x for x in SUPPORTED if x != lang)
        return LANGUAGE_LINE.sub(lambda m: f'{m.group(1)}"{lang}" "{other}"{m.group(2)}', self.text, count=1)

    @property
    def chooses_language(self) -> bool:
        return LANGUAGE_LINE.search(self.text) is not None


def _in(texts: dict[str, str], lang: str) -> str | None:
    for candidate in (lang, *SUPPORTED):
        if texts.get(candidate):
            return texts[candidate]
    return None


def topic_label(topic: str, lang: str) -> str:
    labels = TOPICS.get(topic)
    if labels is None:
        return topic
    return labels[1] if lang == "sl" else labels[0]


def parse(slug: str, text: str) -> Example:
    """One file's example. Headers it lacks get neutral defaults (the tests insist on all of them)."""
    titles: dict[str, str] = {}
    questions: dict[str, str] = {}
    for kind, lang, value in _HEADER.findall(text):
        (titles if kind == "title" else questions).setdefault(lang, value)
    topic = _TOPIC.search(text)
    view = _VIEW.search(text)
    try:
        form = read(text).form
    except TokenError:
        form = ""
    return Example(slug, titles, questions, topic.group(1) if topic else "overview",
                   view.group(1) if view and view.group(1) in VIEWS else DEFAULT_VIEW, text, form)


@cache
def read_folder(folder: str) -> tuple[Example, ...]:
    """Every queries/*.rq, in file-name order (the files never change while the server runs)."""
    return tuple(parse(p.stem, p.read_text(encoding="utf-8")) for p in sorted(Path(folder).glob("*.rq")))


def by_topic(examples: tuple[Example, ...]) -> list[tuple[str, list[Example]]]:
    """The examples grouped by topic, topics in TOPICS order (an unknown one last), files in order."""
    order = {t: i for i, t in enumerate(TOPICS)}
    groups: dict[str, list[Example]] = {}
    for example in examples:
        groups.setdefault(example.topic, []).append(example)
    return sorted(groups.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))


def pasteable(text: str, base: str) -> str:
    """A query as a user can paste it anywhere: our relative prefixes resolved by a BASE line."""
    return f"BASE <{base}>\n{text}"


def example_iri(base: str, example: Example) -> str:
    return f"{base}{EXAMPLES_PATH}#{example.slug}"


def description(examples: tuple[Example, ...], base: str) -> list[ox.Triple]:
    """The examples as SHACL executables with schema.org target and keywords (the SIB guidelines' shape):
    one per file, labelled and commented (title, question) in every language the file has."""
    document = ox.NamedNode(base + EXAMPLES_PATH)
    target = ox.NamedNode(base + "sparql")
    triples = [ox.Triple(document, RDFS_LABEL, ox.Literal("SPARQL examples", language="en")),
               ox.Triple(document, RDFS_LABEL, ox.Literal("Primeri SPARQL", language="sl"))]
    for example in examples:
        if example.form not in FORMS:
            continue
        node = ox.NamedNode(example_iri(base, example))
        cls, prop = FORMS[example.form]
        triples.append(ox.Triple(document, ox.NamedNode(SCHEMA + "hasPart"), node))
        triples.append(ox.Triple(node, RDF_TYPE, ox.NamedNode(SH + "SPARQLExecutable")))
        if cls:
            triples.append(ox.Triple(node, RDF_TYPE, ox.NamedNode(SH + cls)))
        for lang, title in sorted(example.titles.items()):
            triples.append(ox.Triple(node, RDFS_LABEL, ox.Literal(title, language=lang)))
        for lang, question in sorted(example.questions.items()):
            triples.append(ox.Triple(node, RDFS_COMMENT, ox.Literal(question, language=lang)))
        triples.append(ox.Triple(node, ox.NamedNode(SH + prop), ox.Literal(pasteable(example.text, base))))
        triples.append(ox.Triple(node, ox.NamedNode(SCHEMA + "target"), target))
        for lang, label in zip(("en", "sl"), TOPICS.get(example.topic, (example.topic,) * 2), strict=True):
            triples.append(ox.Triple(node, ox.NamedNode(SCHEMA + "keywords"), ox.Literal(label, language=lang)))
    return triples
