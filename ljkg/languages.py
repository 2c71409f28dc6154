"""Which language a page or label is shown in: ?lang=, then Accept-Language, then English.

A language the reader chose with ?lang= is carried on every link to a page of ours (`carried`), so the
next click stays in it; one that came from Accept-Language needs no carrying, the browser sends it again.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request

SUPPORTED = ("en", "sl")
DEFAULT = "en"


def chosen() -> str:
    asked = request.args.get("lang", "").strip().lower()
    if asked in SUPPORTED:
        return asked
    best = request.accept_languages.best_match(SUPPORTED)
    return best or DEFAULT


def pick(labels: dict[str, str] | None, lang: str) -> str | None:
    """The label in `lang`, else the other supported language, else an untagged or any label."""
    if not labels:
        return None
    for candidate in (lang, *[x for x in SUPPORTED if x != lang], ""):
        if candidate in labels:
            return labels[candidate]
    return next(iter(labels.values()))


def asked() -> str | None:
    """The language named by ?lang= (a supported one), or None: what links must carry."""
    value = request.args.get("lang", "").strip().lower()
    return value if value in SUPPORTED else None


def carried(href: str | None, base: str) -> str | None:
    """`href` with the reader's ?lang= added when it is a link to one of our pages (under `base`)."""
    lang = asked()
    if not href or lang is None or not href.startswith(base):
        return href
    parts = urlsplit(href)
    if "lang=" in parts.query:
        return href
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    plain = href[:len(href) - len(fragment)] if fragment else href
    return f"{plain}{'&' if parts.query else '?'}lang={lang}{fragment}"


def init_app(app: Flask, base: str) -> None:
    app.add_template_filter(lambda href: carried(href, base), "carry_lang")
