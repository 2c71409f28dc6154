"""Entry point: `python server.py [flags]` serves the dataset; `server:app` / `server:create_app()` for WSGI servers."""

from ljkg import create_app
from ljkg.cli import serve

__all__ = ["create_app"]  # and `app`, built on first access


def __getattr__(name):
    # `gunicorn server:app` builds the app on first access, from LJKG_* environment variables.
    if name == "app":
        return create_app()
    raise AttributeError(name)


if __name__ == "__main__":
    serve()
