"""The interface's words, from the gettext catalogues in ljkg/translations, in the language a page is shown in.

Why catalogues and not `'…' if lang == 'sl' else '…'` in the templates: a translator works on one file per
language with the tools every translator knows (a .po file), a new language is a new catalogue rather than
an edit of every template, and a string left untranslated is found by a test (tests/test_i18n.py), not by a
reader. The language is the one languages.chosen() picks for the page (?lang=, Accept-Language, English),
so the words and the data labels cannot disagree.

The query page's scripts (views.bundle.js, editor.bundle.js) show words too: the page hands them the same catalogues'
translations as JSON (`ui_strings`), so the bundles hold no language of their own beyond English fallbacks.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import Translations
from flask import Flask
from flask_babel import Babel, gettext, pgettext

from .languages import DEFAULT, chosen

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


@cache
def translations(lang: str) -> Translations:
    """The catalogue of `lang` for text made outside a page's own locale (a function given its language);
    the source strings (English) when there is none."""
    return Translations.load(str(TRANSLATIONS), [lang])


def ui_strings() -> dict[str, str]:
    """The words the query page's scripts show, by the key it looks them up with, in the page's language."""
    return {
        "Table": pgettext("result view", "Table"),
        "BarChart": pgettext("result view", "Bar chart"),
        "LineChart": pgettext("result view", "Line chart"),
        "Timeline": pgettext("result view", "Timeline"),
        "Map": pgettext("result view", "Map"),
        "Graph": pgettext("result view", "Graph"),
        "view": gettext("View"),
        "svg": gettext("Download SVG"),
        "png": gettext("Download PNG"),
        "code": gettext("Copy as code"),
        "copy": gettext("Copy"),
        "close": gettext("Close"),
        "history": gettext("Your recent queries (kept in this browser only)"),
        "clear": gettext("Clear history"),
        "unplaced": gettext("Not on the map (no coordinates)"),
        "triples": gettext("triples"),  # editor.bundle.js: after a property's count in a completion
    }


def init_app(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=chosen)
    app.add_template_global(ui_strings)


def status_title(title: str) -> str:
    """An HTTP error's title (errors.py, werkzeug) in the page's language; the message under it stays
    English, the protocol's diagnostic shared by every format. An unknown title is shown as it is."""
    titles = {
        "Bad Request": gettext("Bad Request"),
        "Malformed query": gettext("Malformed query"),
        "Forbidden": gettext("Forbidden"),
        "Not Found": gettext("Not Found"),
        "Method Not Allowed": gettext("Method Not Allowed"),
        "Not Acceptable": gettext("Not Acceptable"),
        "Unsupported Media Type": gettext("Unsupported Media Type"),
        "Payload Too Large": gettext("Payload Too Large"),
        "Request Entity Too Large": gettext("Payload Too Large"),
        "Request Header Fields Too Large": gettext("Request Header Fields Too Large"),
        "URI Too Long": gettext("URI Too Long"),
        "Query Timeout": gettext("Query Timeout"),
        "Service Busy": gettext("Service Busy"),
        "Query Over Memory Limit": gettext("Query Over Memory Limit"),
        "Query Crashed the Engine": gettext("Query Crashed the Engine"),
        "Too Many Requests": gettext("Too Many Requests"),
        "Bad Gateway": gettext("Bad Gateway"),
        "Internal Server Error": gettext("Internal Server Error"),
        "Service Unavailable": gettext("Service Unavailable"),
    }
    return titles.get(title, title)
