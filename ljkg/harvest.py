"""Reading our catalogue the way a harvester does, over HTTP, without ever leaving this machine.

`ljkg check-metadata` must see what a portal sees: the catalogue as served, and whether its access and
download URLs answer. Two clients give that: a running server at a loopback ``--base-url`` (requests), or,
without one, the app itself in this process (Flask's test client, the same routes without a socket). Only
URLs under our own base IRI are asked; any other is reported "not fetched", so the command never sends
traffic to another host, whatever a catalogue says. Redirects are not followed, for the same reason.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from rdflib import RDF, Graph, Literal, Namespace

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
CATALOGUE_PATH = ".well-known/void"

Get = Callable[[str], tuple[int, bytes]]  # a path under the server's root -> (status, body)


class NotLoopback(ValueError):
    """A --base-url that is not a loopback http(s) URL; the message says what was given."""


def loopback_url(url: str) -> str:
    """``url`` with a trailing slash, if it is http(s) on a loopback address; else NotLoopback."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        loopback = False
    if parts.scheme not in ("http", "https") or not loopback:
        raise NotLoopback(f"--base-url {url!r} is not an http(s) URL on a loopback address (127.0.0.1, ::1, "
                          "localhost): this command talks to no other host")
    return url if url.endswith("/") else url + "/"


MAX_CATALOGUE = 16 * 2**20  # bytes: ours is tens of KB; a server sending more is not ours


class NoAnswer(OSError):
    """The server at --base-url gave no usable answer; the message says what happened, in one line."""


def http_get(base_url: str, timeout: float = 30.0) -> Get:
    """GET paths of a running server (loopback only), status and body; redirects are not followed. Each
    request has ``timeout`` seconds in all, not per read: it runs in a daemon thread that is left behind
    when the time is up, so a server trickling bytes cannot hold the command. A catalogue longer than
    MAX_CATALOGUE is refused."""
    import queue
    import threading

    import requests

    root = loopback_url(base_url)
    session = requests.Session()

    def fetch(path: str) -> tuple[int, bytes]:
        try:
            with session.get(root + path, headers={"Accept": "text/turtle"}, timeout=timeout,
                             allow_redirects=False, stream=True) as response:
                if path != CATALOGUE_PATH:  # a dump's bytes are not needed, its status is
                    return response.status_code, b""
                body = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > MAX_CATALOGUE:
                        raise NoAnswer(f"GET {root}{path} sent more than {MAX_CATALOGUE // 2**20} MB: not our "
                                       "catalogue")
                return response.status_code, bytes(body)
        except requests.ConnectionError as exc:
            if "timed out" in str(exc):
                raise NoAnswer(f"GET {root}{path} got no complete answer within {timeout:.0f} s") from None
            raise NoAnswer(f"nothing answers at {root} (connection refused or reset)") from None
        except requests.Timeout:
            raise NoAnswer(f"GET {root}{path} got no complete answer within {timeout:.0f} s") from None
        except requests.RequestException as exc:
            raise NoAnswer(f"GET {root}{path} failed: {type(exc).__name__}") from None

    def get(path: str) -> tuple[int, bytes]:
        answers: queue.Queue = queue.Queue(1)

        def run() -> None:
            try:
                answers.put(fetch(path))
            except OSError as exc:
                answers.put(exc)

        threading.Thread(target=run, name="harvest-get", daemon=True).start()
        try:
            answer = answers.get(timeout=timeout)
        except queue.Empty:
            raise NoAnswer(f"GET {root}{path} got no complete answer within {timeout:.0f} s") from None
        if isinstance(answer, OSError):
            raise answer
        return answer

    return get


def in_process_get(settings) -> Get:
    """GET paths of the app built here from ``settings`` (loads and validates the files, as `serve` does)."""
    from .app import create_app
    from .publication import build_publication

    client = create_app(settings, build_publication(settings)).test_client()

    def get(path: str) -> tuple[int, bytes]:
        response = client.get("/" + path, headers={"Accept": "text/turtle"})
        return response.status_code, response.get_data() if path == CATALOGUE_PATH else b""

    return get


@dataclass(frozen=True)
class Harvested:
    catalogue: Graph
    base: str  # our base IRI, as the catalogue states it (void:uriSpace)
    get: Get

    def status(self, iri: str) -> int | str:
        """The HTTP status of one of our IRIs; a sentence instead for anything not ours (never asked)."""
        if not iri.startswith(self.base):
            return "not under our base IRI, not fetched"
        try:
            return self.get(iri[len(self.base):])[0]
        except OSError as exc:  # requests' connection errors are OSErrors
            return f"no answer ({type(exc).__name__})"


def harvest(get: Get, fallback_base: str) -> Harvested:
    """The served catalogue (Turtle) and the base IRI its URLs are under."""
    status, body = get(CATALOGUE_PATH)
    if status != 200:
        raise LookupError(f"GET /{CATALOGUE_PATH} answered {status}, not 200: no catalogue to assess")
    try:
        catalogue = Graph().parse(data=body, format="turtle")
    except (SyntaxError, ValueError) as exc:  # rdflib's BadSyntax is a SyntaxError
        raise LookupError(f"GET /{CATALOGUE_PATH} is not Turtle ({type(exc).__name__}): no catalogue to "
                          "assess") from exc
    if (None, RDF.type, DCAT.Dataset) not in catalogue:
        raise LookupError(f"GET /{CATALOGUE_PATH} holds no dcat:Dataset: not a catalogue to assess (is the "
                          "server at --base-url ours?)")
    spaces = sorted(str(o) for ds in catalogue.subjects(RDF.type, DCAT.Dataset)
                    for o in catalogue.objects(ds, VOID.uriSpace) if isinstance(o, Literal))
    base = spaces[0] if spaces else fallback_base
    return Harvested(catalogue, base, get)
