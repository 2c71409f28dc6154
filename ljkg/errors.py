"""Errors are raised with a status anywhere and rendered once, here, as text, JSON or HTML by Accept."""

from __future__ import annotations

import json

from flask import Flask, Response, current_app, render_template, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from .i18n import status_title


class PublisherError(Exception):
    status = 400
    title = "Bad Request"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(PublisherError):
    pass


class QuerySyntaxError(PublisherError):
    title = "Malformed query"

    @classmethod
    def from_parser(cls, exc: SyntaxError) -> QuerySyntaxError:
        """Oxigraph's parser names the line:column where it could go no further, which can be past the
        mistake itself (a misspelt keyword is read as the start of something else)."""
        return cls(f"{exc} (where the parser stopped; the mistake may be just before)")


class Forbidden(PublisherError):
    status = 403
    title = "Forbidden"


class NotFound(PublisherError):
    status = 404
    title = "Not Found"


class MethodNotAllowed(PublisherError):
    status = 405
    title = "Method Not Allowed"

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(f"use one of: {', '.join(allowed)}", headers={"Allow": ", ".join(allowed)})


class NotAcceptable(PublisherError):
    status = 406
    title = "Not Acceptable"

    def __init__(self, offered, reason: str) -> None:
        types = ", ".join(f.media_type for f in offered)
        super().__init__(f"{reason}. Available: {types}")
        self.available = [f.media_type for f in offered]


class UnsupportedMediaType(PublisherError):
    status = 415
    title = "Unsupported Media Type"


class PayloadTooLarge(PublisherError):
    status = 413
    title = "Payload Too Large"


class HeaderFieldTooLarge(PublisherError):
    """Rendered as plain text whatever the client accepts: the header too large may be Accept itself, and
    reading it is the work the limit is there to spare."""

    status = 431
    title = "Request Header Fields Too Large"
    negotiated = False


class QueryTimeout(PublisherError):
    status = 503
    title = "Query Timeout"

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class ServiceBusy(QueryTimeout):
    title = "Service Busy"


class QueryOverMemory(PublisherError):
    status = 503
    title = "Query Over Memory Limit"


class QueryCrashed(PublisherError):
    """No Retry-After: the same query would only take another query process down."""
    status = 503
    title = "Query Crashed the Engine"


class TooManyRequests(PublisherError):
    status = 429
    title = "Too Many Requests"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class BackendError(PublisherError):
    status = 502
    title = "Bad Gateway"


NOT_FOUND_HELP = "ljkg.not-found-help"


def _error_format() -> str:
    parsed = parse_accept_header(request.headers.get("Accept", ""), MIMEAccept)
    best = parsed.best_match(["text/plain", "application/json", "text/html"], default="text/plain")
    if best == "text/plain" and parsed.quality("application/sparql-results+json") > parsed.quality("text/plain"):
        return "application/json"
    if best == "text/plain" and parsed.quality("application/ld+json") > parsed.quality("text/plain"):
        return "application/json"
    return best


def render(status: int, title: str, message: str, headers: dict[str, str] | None = None,
           negotiated: bool = True) -> Response:
    kind = _error_format() if negotiated else "text/plain"
    if kind == "application/json":
        body = json.dumps({"ok": False, "status": status, "error": title, "message": message}, ensure_ascii=False)
        response = Response(body, status=status, content_type="application/json; charset=utf-8")
    elif kind == "text/html":
        body = render_template("error.html", status=status, title=status_title(title), message=message,
                               **(_not_found_help() if status == 404 else {}))
        response = Response(body, status=status, content_type="text/html; charset=utf-8")
    else:
        response = Response(f"{status} {title}: {message}\n", status=status, content_type="text/plain; charset=utf-8")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    response.headers["Vary"] = "Accept"
    return response


def _not_found_help() -> dict:
    """What a 404 page offers besides the message (search text, nearest matches), from the hook another
    module registered as ``app.extensions["ljkg.not-found-help"]``. It must never turn a 404 into a 500."""
    helper = current_app.extensions.get(NOT_FOUND_HELP)
    if helper is None:
        return {}
    try:
        return helper()
    except Exception:  # noqa: BLE001 - the 404 is the answer; the suggestions are a courtesy
        current_app.logger.exception("suggestions for a 404 failed")
        return {}


def init_app(app: Flask) -> None:
    @app.errorhandler(PublisherError)
    def _ours(exc: PublisherError):
        return render(exc.status, exc.title, exc.message, exc.headers, getattr(exc, "negotiated", True))

    @app.errorhandler(HTTPException)
    def _werkzeug(exc: HTTPException):
        if exc.response is not None:  # a view already rendered this error in the client's format
            return exc.response
        headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
        return render(exc.code or 500, exc.name, exc.description or exc.name, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return render(500, "Internal Server Error", "the server failed; the error was logged")


def rebuild(status: int, title: str, message: str, headers: dict[str, str]) -> PublisherError:
    """An error raised in a query process, raised again in the request thread."""
    exc = PublisherError(message, headers=headers)
    exc.status, exc.title = status, title
    return exc
