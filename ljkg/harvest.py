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
    if parts.scheme not in ("http", "https") or not loopback:
        raise NotLoopback(f"--base-url {url!r} is not an http(s) URL on a loopback address (127.0.0.1, ::1, "
                          "localhost): this command talks to no other host")
    return url if url.endswith("/") else url + "/"


def http_get(base_url: str, timeout: float = 30.0) -> Get:
    """GET paths of a running server (loopback only), status and body; redirects are not followed."""
    import requests

    root = loopback_url(base_url)
    session = requests.Session()

    def get(path: str) -> tuple[int, bytes]:
        with session.get(root + path, headers={"Accept": "text/turtle"}, timeout=timeout,
                         allow_redirects=False, stream=True) as response:
            body = response.content if path == CATALOGUE_PATH else b""  # a dump's bytes are not needed
            return response.status_code, body

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
    spaces = sorted(str(o) for ds in catalogue.subjects(RDF.type, DCAT.Dataset)
                    for o in catalogue.objects(ds, VOID.uriSpace) if isinstance(o, Literal))
    base = spaces[0] if spaces else fallback_base
    return Harvested(catalogue, base, get)
