"""Browser hardening on every response: a strict Content-Security-Policy, nosniff, referrer and framing rules.

Why a policy this strict: pages show strings from the store and from the query a visitor was sent
(a crafted link to the query page is the attack), and Jinja's escaping is the only thing standing
between those and the DOM. With `script-src 'self'` and no inline script or style allowed, a string that
slips through escaping still cannot run: only our own files under /static/ can.

Style elements may carry a per-response nonce (`csp_nonce` in every template, `'nonce-…'` in
style-src only) for an editor that injects its own `<style>` where constructable stylesheets are not
available (CodeMirror's `EditorView.cspNonce`); scripts get no nonce at all. Non-HTML answers get a
policy that allows nothing, so an RDF/XML or JSON body opened in a browser tab is inert too.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, g

NONCE_BYTES = 16
HTML_TYPES = ("text/html", "application/xhtml+xml")
# What a non-page response may load or be framed by: nothing.
INERT_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def csp_nonce() -> str:
    """This response's nonce for `<style nonce>`, made on first use and the same for the whole request."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(NONCE_BYTES)
    return nonce


def page_policy(nonce: str, base: str) -> str:
    """The policy of an HTML page. The configured base's origin is named beside 'self' because pages link
    their stylesheet, script and form to `--base-uri`, which a proxy may serve under another origin than
    the one a visitor reached (the same origin in a normal deployment: then it changes nothing)."""
    parts = urlsplit(base)
    own = "'self'" if not parts.netloc else f"'self' {parts.scheme}://{parts.netloc}"
    return "; ".join((
        f"default-src {own}",
        f"script-src {own}",
        f"style-src {own} 'nonce-{nonce}'",
        f"img-src {own} data:",  # data: for the SVG markers editor themes draw with; never a remote host
        f"connect-src {own}",
        "object-src 'none'",
        "base-uri 'none'",
        f"form-action {own}",
        "frame-ancestors 'none'",
    ))


def init_app(app: Flask) -> None:
    @app.context_processor
    def _nonce() -> dict[str, str]:
        return {"csp_nonce": csp_nonce()}

    @app.after_request
    def _harden(response: Response) -> Response:
        for name, value in ALWAYS.items():
            response.headers.setdefault(name, value)
        if response.mimetype in HTML_TYPES:
            base = app.config["PUBLICATION"].namespaces.base
            response.headers["Content-Security-Policy"] = page_policy(csp_nonce(), base)
        else:
            response.headers.setdefault("Content-Security-Policy", INERT_POLICY)
        return response
