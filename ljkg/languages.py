"""Which language a page or label is shown in: ?lang=, then Accept-Language, then English."""

from __future__ import annotations

from flask import request

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
