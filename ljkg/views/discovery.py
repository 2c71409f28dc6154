"""sitemap.xml and robots.txt, and the language alternates every page's <head> links (discovery.py)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, redirect, request

from .. import discovery
from ..app import publication
from ..http_headers import set_validators
from ..languages import chosen
from ..metadata import DESCRIPTION

bp = Blueprint("discovery", __name__)


@bp.route("/sitemap.xml", methods=["GET", "HEAD"])
@bp.route("/sitemap-<int:page>.xml", methods=["GET", "HEAD"])
def sitemap(page: int | None = None):
    pub = publication()
    body = discovery.sitemap(pub, page)
    if body is None:
        abort(404, description=f"no sitemap-{page}.xml; the sitemap is {pub.namespaces.base}sitemap.xml")
    response = Response(body, content_type="application/xml; charset=utf-8")
    return set_validators(response, pub.version, pub.modified, "sitemap", str(page or 0))


@bp.route("/robots.txt", methods=["GET", "HEAD"])
def robots():
    pub = publication()
    response = Response(discovery.robots(pub.namespaces.base), content_type="text/plain; charset=utf-8")
    return set_validators(response, pub.version, pub.modified, "robots")


@bp.route("/favicon.ico", methods=["GET", "HEAD"])
def favicon():
    """Clients that ask the old fixed place (not the page's rel="icon") are sent to our icon, not a 404."""
    return redirect(publication().namespaces.base + "static/favicon.svg", code=301)


def init_app(app: Flask) -> None:
    @app.context_processor
    def _page_links() -> dict:
        """hreflang alternates and the default description, for base.html's <head>."""
        base = app.config["PUBLICATION"].namespaces.base
        lang = chosen()
        def links(path: str | None = None) -> dict:
            """`path`: the page's own path when it is served at several URLs (a resource at its IRI, at
            .html, the dataset's page at /.well-known/void), so every copy names the same alternates."""
            return discovery.page_links(base, request.path if path is None else path,
                                          request.query_string)

        return {"page_links": links,
                "default_description": DESCRIPTION[1] if lang == "sl" else DESCRIPTION[0]}
