"""`ljkg serve` / `python server.py`: build the app, then hand it to waitress (a production WSGI server)."""

from __future__ import annotations

import logging
import sys

from .loading import LoadError
from .publication import StartupRefused, StoreUnavailable, build_publication
from .settings import Settings


def run(settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        pub = build_publication(settings, start_queries=True)
    except LoadError as exc:
        print(f"error: cannot load the dataset: {exc}", file=sys.stderr)
        return 2
    except StoreUnavailable as exc:
        print(f"error: cannot open the store: {exc}", file=sys.stderr)
        return 2
    except StartupRefused as exc:
        print("Refusing to start: the data does not conform to its shapes.\n", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        print("Fix the data, or start anyway with --allow-invalid (every page then says so).", file=sys.stderr)
        return 1
    from waitress import serve

    from .app import create_app

    app = create_app(settings, publication=pub)
    if pub.invalid:
        print("WARNING: serving data that does not conform to its shapes (--allow-invalid).", file=sys.stderr)
    print(f"Serving {pub.namespaces.base} (dataset version {pub.version}) on http://{settings.host}:{settings.port}/"
          f" — SPARQL at {pub.namespaces.base}sparql", flush=True)
    try:
        serve(app, host=settings.host, port=settings.port, threads=settings.workers, ident="ljkg",
              channel_timeout=60, clear_untrusted_proxy_headers=True)
    finally:
        pub.store.close()
    return 0
