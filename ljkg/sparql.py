"""Evaluate one SPARQL protocol request against an Oxigraph store: guard, evaluate, negotiate, serialise.

This runs inside an isolated query process (querypool.py) so that a query over the time limit can be
killed; everything it returns is plain data.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from itertools import islice

import pyoxigraph as ox

from . import errors, formats, sparql_tokens
from .jsonld import JsonLd
from .negotiation import choose
from .serialize import graph_bytes, solutions_bytes
from .settings import Settings

log = logging.getLogger(__name__)


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
    max_depth: int = 100  # --max-query-depth
    max_patterns: int = 500  # --max-query-patterns


def limits_of(settings: Settings) -> Limits:
    """The limits a query is held to, from the settings (ljkg/settings.py)."""
    return Limits(settings.row_limit, settings.allow_remote, settings.max_query_depth, settings.max_query_patterns)


def reading(query: str) -> sparql_tokens.Reading:
    """The query's tokens, as the engine reads them; text no SPARQL token matches is a 400 naming where."""
    try:
        return sparql_tokens.read(query)
    except sparql_tokens.TokenError as exc:
        raise errors.QuerySyntaxError(str(exc)) from None


def guard(query: str, limits: Limits) -> None:
    """Refuse, before evaluation, what this endpoint never does (updates; SERVICE unless --allow-remote), and
    what would crash the engine's recursive parser or evaluator: nesting past --max-query-depth, and more
    patterns than --max-query-patterns (docs/query-limits.md)."""
    read = reading(query)
    if read.form in sparql_tokens.UPDATE_KEYWORDS:
        raise errors.Forbidden("SPARQL Update is not accepted: this endpoint is read-only")
    if not limits.allow_remote and read.service_at is not None:
        raise errors.BadRequest(f"SERVICE (at {_where(query, read.service_at)}) is disabled on this endpoint: the "
                                "server does not fetch remote endpoints (an operator can enable it with "
                                "--allow-remote)")
    if read.depth > limits.max_depth:
        raise errors.BadRequest(f"the query nests brackets ((), [], {{}}) {read.depth} deep, reaching that depth "
                                f"at {_where(query, read.depth_at)}; this endpoint accepts at most "
                                f"{limits.max_depth} (--max-query-depth)")
    if read.patterns > limits.max_patterns:
        raise errors.BadRequest(f"the query has {read.patterns} BIND, OPTIONAL, MINUS, FILTER, UNION, VALUES, "
                                f"GRAPH and SERVICE patterns (the last at {_where(query, read.patterns_at)}); this "
                                f"endpoint accepts at most {limits.max_patterns} (--max-query-patterns)")


def _where(query: str, offset: int) -> str:
    line, column = sparql_tokens.position(query, offset)
    return f"line {line}, column {column}"


def is_volatile(query: str) -> bool:
    """Whether the same query may answer differently on the same data (RAND, NOW, UUID, STRUUID, BNODE,
    blank nodes, which are new ones in every CONSTRUCT answer): such an answer is never kept."""
    return reading(query).volatile


def names_its_dataset(query: str) -> bool:
    """FROM / FROM NAMED in the query pick its dataset; otherwise ours is the union of the named graphs."""
    return reading(query).names_dataset


def evaluate(store: ox.Store, job: QueryJob, base: str, limits: Limits, jsonld: JsonLd,
             prefixes: dict[str, str], predeclared: dict[str, str] | None = None) -> Answer:
    """Guard, evaluate on a local Oxigraph store, then shape the answer (see `answer`).

    ``predeclared`` prefixes are handed to Oxigraph's parser rather than written into the text, so a
    syntax error's line:column is the user's own, and a PREFIX line of the query overrides one of them.
    """
    guard(job.query, limits)
    options: dict = {"base_iri": base, "prefixes": predeclared or {}}
    if job.default_graphs:
        options["default_graph"] = [_graph(g, "default-graph-uri") for g in job.default_graphs]
    elif not names_its_dataset(job.query):
        options["use_default_graph_as_union"] = True
    if job.named_graphs:
        options["named_graphs"] = [_graph(g, "named-graph-uri") for g in job.named_graphs]
    try:
        result = store.query(job.query, **options)
    except SyntaxError as exc:
        raise errors.QuerySyntaxError.from_parser(exc) from None
    except Exception as exc:  # noqa: BLE001 (whatever the engine raises, its text stays in the log)
        raise evaluation_failed(job.query, exc) from None
    return answer(result, job, limits, jsonld, prefixes)


def _graph(iri: str, parameter: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise errors.BadRequest(f"{parameter} {iri!r} is not an absolute IRI") from None


def evaluation_failed(query: str, exc: Exception) -> errors.PublisherError:
    """Our own message for an error raised while the engine evaluates: its text (and the operating
    system's, such as "Connection refused (os error 111)" for a SERVICE call, which would make the endpoint
    a port scanner) goes to the log only."""
    log.warning("query evaluation failed: %s: %s", type(exc).__name__, exc)
    read = sparql_tokens.read(query)  # (already read by the guard: no TokenError here)
    if read.service_at is not None:
        return errors.BackendError(f"the SERVICE call at {_where(query, read.service_at)} failed: the remote "
                                   "endpoint could not be reached, or its answer could not be read (the reason "
                                   "is in the server's log)")
    return errors.BadRequest("the query could not be evaluated on this dataset (the engine's reason is in the "
                             "server's log)")


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
        rows = _take(result, limits.row_limit, job.query)
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
    triples = _take(result, limits.row_limit, job.query)
    truncated = len(triples) > limits.row_limit
    triples = triples[: limits.row_limit]
    return Answer(graph_bytes(triples, fmt, jsonld, prefixes), fmt.name, "graph", truncated, len(triples))


def _take(iterator, limit: int, query: str) -> list:
    try:
        return list(islice(iterator, limit + 1))
    except (OSError, ValueError, RuntimeError) as exc:  # evaluation errors surface while iterating
        raise evaluation_failed(query, exc) from None
