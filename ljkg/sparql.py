"""Evaluate one SPARQL protocol request against an Oxigraph store: guard, evaluate, negotiate, serialise.

This runs inside an isolated query process (querypool.py) so that a query over the time limit can be
killed; everything it returns is plain data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import islice

import pyoxigraph as ox

from . import errors, formats
from .jsonld import JsonLd
from .negotiation import choose
from .serialize import graph_bytes, solutions_bytes


@dataclass(frozen=True)
class QueryJob:
    query: str
    accept: str | None = None
    format_override: str | None = None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass
class Answer:
    body: bytes
    format_name: str
    kind: str  # "solutions", "boolean" or "graph"
    truncated: bool = False
    count: int = 0
    variables: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    row_limit: int
    allow_remote: bool


_STRIP = re.compile(
    r"""\#[^\n]*                       # comment
      | "\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"  # long strings
      | '''(?:[^'\\]|\\.|'(?!''))*'''
      | "(?:[^"\\\n]|\\.)*"             # strings
      | '(?:[^'\\\n]|\\.)*'
      | <[^<>"{}|^`\\\s]*>              # IRIs
    """, re.VERBOSE)
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
_WORD = re.compile(r"[A-Za-z_][\w.-]*:?|:")
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)
_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)


def skeleton(query: str) -> str:
    """The query without comments, strings and IRIs, so keywords can be looked for safely."""
    return _STRIP.sub(" ", query)


def first_keyword(skeleton_text: str) -> str:
    """The first keyword after the prologue (PREFIX p: and BASE declarations; their IRIs are stripped)."""
    words = iter(_WORD.findall(skeleton_text))
    for word in words:
        upper = word.upper()
        if upper == "PREFIX":
            next(words, None)
        elif upper != "BASE":
            return upper
    return ""


def guard(query: str, limits: Limits) -> None:
    """Refuse, before evaluation, what this endpoint never does: updates, and (by default) SERVICE."""
    skeleton_text = skeleton(query)
    if first_keyword(skeleton_text) in UPDATE_KEYWORDS:
        raise errors.Forbidden("SPARQL Update is not accepted: this endpoint is read-only")
    if not limits.allow_remote and _SERVICE.search(skeleton_text):
        raise errors.BadRequest("SERVICE is disabled on this endpoint: the server does not fetch remote "
                                "endpoints (an operator can enable it with --allow-remote)")


# Functions whose value changes from one evaluation to the next, and blank node syntax (blank nodes in a
# CONSTRUCT template are new ones in every answer; elsewhere the check only costs a cache entry).
_VOLATILE = re.compile(r"\b(?:RAND|NOW|UUID|STRUUID|BNODE)\s*\(|_:|\[", re.IGNORECASE)


def is_volatile(query: str) -> bool:
    """Whether the same query may answer differently on the same data: such an answer is never kept."""
    return bool(_VOLATILE.search(skeleton(query)))


def names_its_dataset(query: str) -> bool:
    """FROM / FROM NAMED in the query pick its dataset; otherwise ours is the union of the named graphs."""
    return bool(_FROM.search(skeleton(query)))


def evaluate(store: ox.Store, job: QueryJob, base: str, limits: Limits, jsonld: JsonLd,
             prefixes: dict[str, str], predeclared: dict[str, str] | None = None) -> Answer:
    """Guard, evaluate on a local Oxigraph store, then shape the answer (see `answer`).

    ``predeclared`` prefixes are handed to Oxigraph's parser rather than written into the text, so a
    syntax error's line:column is the user's own, and a PREFIX line of the query overrides one of them.
    """
    guard(job.query, limits)
    options: dict = {"base_iri": base, "prefixes": predeclared or {}}
    if job.default_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    elif not names_its_dataset(job.query):
        options["use_default_graph_as_union"] = True
    if job.named_graphs:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    try:
        result = store.query(job.query, **options)
    except SyntaxError as exc:
        raise errors.QuerySyntaxError.from_parser(exc) from None
    except (OSError, ValueError) as exc:
        raise errors.BadRequest(f"query failed: {exc}") from None
    return answer(result, job, limits, jsonld, prefixes)


def answer(result, job: QueryJob, limits: Limits, jsonld: JsonLd, prefixes: dict[str, str]) -> Answer:
    """Negotiate, cap at the row limit (signalled) and serialise a result from any store.

    ``result`` is what pyoxigraph gives for a query (or parses from a remote endpoint's response):
    QueryBoolean, QuerySolutions, or an iterator of triples.
    """
    if isinstance(result, ox.QueryBoolean):
        fmt = choose(job.accept, formats.SOLUTIONS, job.format_override)
        return Answer(result.serialize(format=fmt.results), fmt.name, "boolean", count=1)
    if isinstance(result, ox.QuerySolutions):
        fmt = choose(job.accept, formats.SOLUTIONS, job.format_override)
        variables = [v.value for v in result.variables]
        rows = _take(result, limits.row_limit)
        truncated = len(rows) > limits.row_limit
        rows = rows[: limits.row_limit]
        body = solutions_bytes(variables, rows, fmt)
        if truncated and fmt is formats.RESULTS_JSON:
            document = json.loads(body)
            document["truncated"] = True
            document["limit"] = limits.row_limit
            body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        return Answer(body, fmt.name, "solutions", truncated, len(rows), variables)
    fmt = choose(job.accept, formats.GRAPH_RESULTS, job.format_override)
    triples = _take(result, limits.row_limit)
    truncated = len(triples) > limits.row_limit
    triples = triples[: limits.row_limit]
    return Answer(graph_bytes(triples, fmt, jsonld, prefixes), fmt.name, "graph", truncated, len(triples))


def _take(iterator, limit: int) -> list:
    try:
        return list(islice(iterator, limit + 1))
    except (OSError, ValueError) as exc:  # evaluation errors surface while iterating
        raise errors.BadRequest(f"query failed: {exc}") from None
