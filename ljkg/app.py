"""The application factory: build the publication (load → validate → store), then register blueprints."""

from __future__ import annotations

from flask import Flask, current_app

from . import errors, header_limits, http_headers, i18n, languages, safe_links, security_headers
from .publication import Publication, build_publication
from .request_limits import limit_requests
from .response_cache import ResponseCache
from .settings import Settings


def create_app(settings: Settings | None = None, publication: Publication | None = None) -> Flask:
    settings = settings or Settings.from_env()
    pub = publication or build_publication(settings, start_queries=True)
    app = Flask(__name__)
    app.config["PUBLICATION"] = pub
    app.config["JSON_AS_ASCII"] = False
    app.url_map.strict_slashes = False

    errors.init_app(app)
    header_limits.init_app(app)  # first: before any hook reads Accept
    http_headers.init_app(app)
    security_headers.init_app(app)  # CSP, nosniff, referrer and framing rules
    safe_links.init_app(app)  # pages link only http(s) IRIs
    languages.init_app(app, pub.namespaces.base)  # links keep the ?lang= the reader chose
    i18n.init_app(app)  # the interface's words from ljkg/translations, in the chosen language

    from .browse import load_config
    from .views import browse, dataset, discovery, pages, resources, search, sparql, vocabulary

    app.config["BROWSE"] = load_config(settings.data_root, pub.prefixes)  # a bad browse.toml stops the start

    app.register_blueprint(sparql.bp)
    app.register_blueprint(vocabulary.bp)
    app.register_blueprint(dataset.bp)
    app.register_blueprint(discovery.bp)
    discovery.init_app(app)  # hreflang links and the description of every page
    app.register_blueprint(pages.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(resources.bp)  # last: its catch-all route serves every other IRI of ours
    app.wsgi_app = ResponseCache(app.wsgi_app, pub.responses)  # repeated GET /sparql requests skip Flask
    limit_requests(app, settings.max_body)  # outermost: an oversized body is refused before anything reads it

    @app.context_processor
    def _globals():
        from .languages import chosen

        return {"pub": pub, "base": pub.namespaces.base, "lang": chosen()}

    return app


def publication() -> Publication:
    """The one accessor views use for the published dataset and its store (like flaskr's get_db)."""
    return current_app.config["PUBLICATION"]
