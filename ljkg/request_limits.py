"""WSGI middleware: a request body over `--max-body` is refused with 413 before anything reads it.

Why below Flask: werkzeug parses a form body as soon as a view touches `request.form`, before any view
could look at its size; the limit must hold whichever view runs and ahead of the response cache. A
declared `Content-Length` over the limit is answered at once, unread, with a message naming the limit and
the setting, in the client's format (errors.render). A body without one (chunked) never gets here over
the limit under `ljkg serve`: waitress is given the same limit and refuses it while it streams
(serving.py). Under another WSGI server that streams such a body to the app, Flask's own caps, set to the
same value, make werkzeug read it through its `LimitedStream`, which stops at the limit with a 413.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask

from . import errors
from .settings import BY_NAME

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
SETTING = BY_NAME["max_body"]


def limit_requests(app: Flask, max_body: int) -> None:
    """Cap every request body of `app` at `max_body` bytes: below Flask, and in Flask's own settings."""
    app.config["MAX_CONTENT_LENGTH"] = max_body
    app.config["MAX_FORM_MEMORY_SIZE"] = max_body
    app.wsgi_app = RequestLimits(app.wsgi_app, max_body, app)


def over_limit_message(max_body: int) -> str:
    """What a client is told, by us or by the server in front of us (serving.py)."""
    return (f"the request body is over the limit of {max_body} bytes "
            f"(the {SETTING.flag} setting, {SETTING.env})")


class RequestLimits:
    def __init__(self, app: WSGIApp, max_body: int, flask_app: Flask) -> None:
        self.app = app
        self.max_body = max_body
        self.flask_app = flask_app  # renders the refusal like every other error

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        declared = environ.get("CONTENT_LENGTH", "")
        if declared:
            if not declared.isdigit():
                return self._refuse(environ, start_response, 400, "Bad Request",
                                    f"the Content-Length header is not a number of bytes: {declared[:40]!r}")
            if int(declared) > self.max_body:
                return self._refuse(environ, start_response, 413, "Payload Too Large",
                                    over_limit_message(self.max_body))
        return self.app(environ, start_response)

    def _refuse(self, environ: dict, start_response: Callable, status: int, title: str,
                message: str) -> Iterable[bytes]:
        with self.flask_app.request_context(environ):  # headers only: the body is never read
            response = errors.render(status, title, message)
        return response(environ, start_response)
