"""A remote SPARQL 1.1 endpoint as the store: our server stays stateless and can be replicated.

Pages, descriptions, metadata and /sparql answers are all SPARQL sent over the SPARQL 1.1 Protocol
(form-encoded POST, which Oxigraph, Fuseki, Virtuoso, GraphDB, QLever and Neptune accept). Responses are
parsed with pyoxigraph's readers, so the rest of the publisher sees the same terms as with the embedded
stores, and /sparql answers are re-serialised by the same code (negotiation, row cap, JSON-LD).

Our default graph is the union of the named graphs. Engines disagree on how to configure that (and
Oxigraph's --union-default-graph overrides FROM), so the union is asked for in the protocol instead:
each request names the dataset's graphs as default-graph-uri and named-graph-uri, unless the client
chose a dataset itself (protocol parameters, or FROM / FROM NAMED in the query).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlencode

import pyoxigraph as ox
import urllib3

from .. import errors, sparql_tokens
from ..sparql import Answer, Limits, QueryJob, guard, names_its_dataset

RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
ACCEPT_ANY = f"{RESULTS_JSON}, {NTRIPLES};q=0.9"


class RemoteStore:
    name = "remote"

    def __init__(self, endpoint: str, base: str, timeout: float, limits: Limits,
                 shape: Callable | None = None, connections: int = 16,
                 predeclared: Mapping[str, str] | None = None) -> None:
        self.endpoint = endpoint
        self.predeclared = dict(predeclared or {})
        self.base = base
        self.limits = limits
        self.timeout = timeout
        self._shape = shape  # answer() with the JSON-LD context and prefixes bound (set by the publication)
        self._http = urllib3.PoolManager(maxsize=connections, block=False, retries=False,
                                         timeout=urllib3.Timeout(connect=min(5.0, timeout), read=timeout))
        self.graphs: tuple[str, ...] = ()
        self.graphs = tuple(sorted(r["g"].value for r in self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")))

    # --- our own queries: small, bounded, on the union default graph ------------------------------

    def select(self, query: str) -> list[dict]:
        response = self._post(query, RESULTS_JSON, self.graphs, self.graphs)
        try:
            solutions = ox.parse_query_results(response.data, format=ox.QueryResultsFormat.JSON)
        finally:
            response.release_conn()
        if isinstance(solutions, ox.QueryBoolean):
            raise errors.BackendError(f"{self.endpoint} answered a SELECT with a boolean")
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names} for s in solutions]

    def construct(self, query: str) -> list[ox.Triple]:
        response = self._post(query, NTRIPLES, self.graphs, self.graphs)
        try:
            return list(ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES))
        finally:
            response.release_conn()

    def quads(self) -> list[ox.Quad]:
        rows = self.select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted((ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows), key=str)

    # --- public /sparql: guarded here, evaluated there, shaped here ----------------------------------

    def sparql(self, job: QueryJob) -> Answer:
        guard(job.query, self.limits)
        check_syntax(job.query, self.base, self.predeclared)
        query = job.query
        prologue = prologue_for(query, self.predeclared)
        if job.default_graphs or job.named_graphs or not names_its_dataset(job.query):
            response = self._post(query, ACCEPT_ANY, job.default_graphs or self.graphs,
                                  job.named_graphs or self.graphs, prologue)
        else:  # FROM / FROM NAMED in the query pick its dataset
            response = self._post(query, ACCEPT_ANY, (), (), prologue)
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        shaped = None
        try:
            if content_type == RESULTS_JSON:
                result = ox.parse_query_results(response, format=ox.QueryResultsFormat.JSON)
            elif content_type == NTRIPLES:
                result = ox.parse(response, format=ox.RdfFormat.N_TRIPLES)
            else:
                raise errors.BackendError(
                    f"the SPARQL backend answered with {content_type or 'no content type'}, "
                    f"not {RESULTS_JSON} or {NTRIPLES}")
            assert self._shape is not None, "the publication binds the answer shaper"
            shaped = self._shape(result, job)
            return shaped
        except (SyntaxError, ValueError, OSError) as exc:
            raise errors.BackendError(f"unreadable answer from the SPARQL backend: {exc}") from None
        finally:
            if shaped is not None and not shaped.truncated:
                response.drain_conn()  # at most a trailing newline is left: the connection can be reused
                response.release_conn()
            else:
                response.close()  # the rest was left unread: drop that connection

    def bind_answer(self, shape: Callable) -> None:
        self._shape = shape

    def _post(self, query: str, accept: str, default_graphs: tuple[str, ...] = (),
              named_graphs: tuple[str, ...] = (), prologue: str = "") -> urllib3.BaseHTTPResponse:
        # one line before the user's text, whatever the prologue holds (the backend's own messages are
        # off by that line; syntax errors are found by check_syntax first, with the user's positions)
        fields = [("query", f"BASE <{self.base}>{prologue}\n{query}")]
        fields += [("default-graph-uri", g) for g in default_graphs]
        fields += [("named-graph-uri", g) for g in named_graphs]
        try:
            response = self._http.request(
                "POST", self.endpoint, body=urlencode(fields),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
                preload_content=False)
        except urllib3.exceptions.ReadTimeoutError:
            raise errors.QueryTimeout(
                f"the SPARQL backend did not answer within the time limit of {self.timeout:g} s; "
                "narrow the query (LIMIT, more specific patterns) and try again",
                retry_after=max(1, int(self.timeout))) from None
        except urllib3.exceptions.HTTPError as exc:
            raise errors.BackendError(f"the SPARQL backend at {self.endpoint} is unreachable: {exc}") from None
        if response.status >= 400:
            message = response.data[:1000].decode("utf-8", "replace").strip()
            response.release_conn()
            if response.status == 400:
                raise errors.QuerySyntaxError(f"the query was refused by the SPARQL backend: {message}")
            raise errors.BackendError(f"the SPARQL backend answered {response.status}: {message}")
        return response

    def check_dataset(self, probe_iri: str) -> None:
        """Say at start-up, not at the first request, that the endpoint holds nothing of ours."""
        if not self.graphs or not self.select(f"SELECT ?v WHERE {{ <{probe_iri}> ?p ?v }} LIMIT 1"):
            raise OSError(f"{self.endpoint} holds no description of <{probe_iri}>: load the dataset first "
                          "(`ljkg dump --format nquads` gives every graph), with the same --base-uri")

    def close(self) -> None:
        self._http.clear()


def prologue_for(query: str, predeclared: Mapping[str, str]) -> str:
    """PREFIX declarations, on one line, for the predeclared prefixes the query does not declare itself.

    The engine behind us knows nothing of our predeclared prefixes, so they travel in the text; a prefix
    the query declares is left out rather than declared twice, since engines differ on redeclaration.
    """
    own = set()
    before = ""
    for kind, text, _ in sparql_tokens.tokens(query):
        if kind == "pname" and before == "PREFIX":
            own.add(text[:-1])
        before = text.upper() if kind == "word" else ""
    return "".join(f" PREFIX {name}: <{iri}>" for name, iri in predeclared.items() if name not in own)


def check_syntax(query: str, base: str, predeclared: Mapping[str, str] | None = None) -> None:
    """Parse the query here first, so a syntax error names the same line and column on every store."""
    try:
        ox.Store().query(query, base_iri=base, prefixes=dict(predeclared or {}))
    except SyntaxError as exc:
        raise errors.QuerySyntaxError.from_parser(exc) from None
    except (OSError, ValueError):
        pass  # evaluation errors on an empty store are the backend's to report
