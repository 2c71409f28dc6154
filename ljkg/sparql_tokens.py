"""Read a SPARQL query into the tokens the engine will see, and what the guard needs to know from them.

The guard decides what a query does (update, SERVICE, FROM, volatile functions) and how deeply it nests
before Oxigraph sees it, so it must split the text exactly where the engine does: a regular expression
over "comments, strings and IRIs" misreads an escape in a prefixed name (`ex:a\\#b`) as a comment and never
sees the SERVICE after it. The terminals below follow the SPARQL 1.1 grammar (section 19.8), with
Oxigraph's additions (UCHAR escapes in IRIs and strings). One place where the grammar's terminals alone
are ambiguous is `<`: `?a<?b&&?b>?c` lexes as an IRIREF `<?b&&?b>`, but the engine, which parses by
context, reads two comparisons. So `<` right after an operand inside an expression is the operator, as
the engine reads it; everywhere else it starts an IRI when one can be read there.

A single pass over the text, without recursion, so any nesting depth costs only its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
         "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_VARNAME = f"[{_U}0-9][{_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"
_PREFIX = f"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
# PN_LOCAL without its rule that the last character is not a dot (eight times slower as a regular
# expression): tokens() gives the trailing dots back.
_LOCAL = f"(?:[{_U}:0-9]|{_PLX})(?:[{_CHARS}.:]+|{_PLX})*"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ESCAPE = rf"\\[tbnrf\\\"']|{_UCHAR}"
_EXPONENT = r"[eE][+-]?[0-9]+"
_WS = r"[ \t\r\n]"

_IRIREF = rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>"
_STRING = rf"""'''(?:(?:''?)?(?:[^'\\]|{_ESCAPE}))*'''
             | \"\"\"(?:(?:\"\"?)?(?:[^\"\\]|{_ESCAPE}))*\"\"\"
             | '(?:[^'\\\n\r]|{_ESCAPE})*'
             | \"(?:[^\"\\\n\r]|{_ESCAPE})*\""""
_NUMBER = rf"[0-9]+\.[0-9]*{_EXPONENT}|\.[0-9]+{_EXPONENT}|[0-9]+{_EXPONENT}|[0-9]*\.[0-9]+|[0-9]+"
# One expression, tried in this order at each token: white space and comments first, then the common
# tokens. A keyword or function name comes before a prefixed name, which can start like one (`select:x`,
# `ex.a:b`), and `word2` takes a keyword followed by a dot (`true.`). Anything else is an error.
_TOKEN = re.compile(rf"""(?:{_WS}+|\#[^\r\n]*)*(?:
    (?P<word>[A-Za-z][A-Za-z0-9_]*)(?![{_CHARS}.:%\\])
  | (?P<var>[?$]{_VARNAME})
  | (?P<iri>{_IRIREF})
  | (?P<pname>(?:{_PREFIX})?:(?:{_LOCAL})?)
  | (?P<word2>[A-Za-z][A-Za-z0-9_]*)
  | (?P<string>{_STRING})
  | (?P<number>{_NUMBER})
  | (?P<nil>\({_WS}*\))
  | (?P<anon>\[{_WS}*\])
  | (?P<punct>\^\^|\|\||&&|!=|<=|>=|<<|>>|\{{\||\|}}|[{{}}()\[\];,.=<>!+\-*/^|?~])
  | (?P<bnode>_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)
  | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<end>$)
  | (?P<error>[\s\S]))""", re.VERBOSE)

UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
# Each of these wraps the pattern before it in the engine's algebra, so a long run of them, even in one
# group, is as deep as nested brackets (bench/crash_shapes.py, docs/query-limits.md).
PATTERN_KEYWORDS = frozenset({"BIND", "OPTIONAL", "MINUS", "FILTER", "UNION", "VALUES", "GRAPH", "SERVICE"})
VOLATILE_FUNCTIONS = frozenset({"RAND", "NOW", "UUID", "STRUUID", "BNODE"})
_OPERAND_END = frozenset({"var", "string", "number", "langtag", "nil", "iri", "pname"})
_EXPRESSION, _PATTERN = "expression", "pattern"  # what an open bracket holds
_OPENERS = {"(": ")", "[": "]", "{": "}", "<<": ">>", "{|": "|}"}
_CLOSERS = frozenset(_OPENERS.values())


class TokenError(ValueError):
    """The text has something no SPARQL terminal matches: the engine could not read it either."""

    def __init__(self, query: str, offset: int) -> None:
        self.line, self.column = position(query, offset)
        found = query[offset:offset + 1]
        what = "an unterminated string" if found in "'\"" else f"the character {found!r}"
        super().__init__(f"the query cannot be read at line {self.line}, column {self.column}: {what} "
                         "starts no SPARQL token")


def position(query: str, offset: int) -> tuple[int, int]:
    """Line and column (both from 1) of a character offset, as the parser reports them."""
    line_start = query.rfind("\n", 0, offset) + 1
    return query.count("\n", 0, offset) + 1, offset - line_start + 1


@dataclass(frozen=True)
class Reading:
    """What the guard and the caches decide from a query's tokens (offsets point into the text)."""
    form: str  # first keyword after the prologue, upper case ("SELECT", "INSERT", ...; "" if none)
    service_at: int | None  # offset of the first SERVICE keyword
    names_dataset: bool  # FROM / FROM NAMED
    volatile: bool  # RAND, NOW, UUID, STRUUID, BNODE calls, or blank node syntax
    depth: int  # deepest nesting of (), [], {}, << >>
    depth_at: int  # offset of the bracket that first reached that depth
    patterns: int  # how many PATTERN_KEYWORDS: the engine nests each in the pattern before it
    patterns_at: int  # offset of the last of them
    tokens: int


def tokens(query: str):
    """(kind, text, offset) for every token, comments and white space left out; raises TokenError.

    `<` is decided by context (see the module docstring), so this is the reading the engine makes."""
    stack: list[str] = []  # what each open bracket holds
    query_levels: set[int] = set()  # stack heights whose brackets hold a (sub)query's clauses
    kind = upper = ""  # the last significant token: its kind, and its text upper case (words, punctuation)
    before_upper = ""  # the one before it
    resume = 0
    while resume is not None:
        scan, resume = _TOKEN.finditer(query, resume), None
        for found in scan:
            new_kind = found.lastgroup
            offset = found.start(new_kind)
            text = found.group(new_kind)
            if new_kind == "word2":
                new_kind = "word"
            elif new_kind == "pname" and text.endswith("."):
                text = _without_final_dots(text)
                resume = offset + len(text)
            elif new_kind == "iri" and stack and stack[-1] is _EXPRESSION and (
                    kind in _OPERAND_END or upper in (")", "TRUE", "FALSE")):
                new_kind, text = "punct", "<=" if text.startswith("<=") else "<"  # a comparison, as the engine reads it
                resume = offset + len(text)
            elif new_kind == "end":
                return
            elif new_kind == "error":
                raise TokenError(query, offset)
            if new_kind == "punct":
                if text in _OPENERS:
                    if text == "(" and (not stack or stack[-1] is _EXPRESSION or len(stack) in query_levels
                                        or (kind == "word" and upper != "A")
                                        or (kind in ("iri", "pname") and before_upper == "FILTER")):
                        stack.append(_EXPRESSION)
                    else:
                        stack.append(_PATTERN)
                elif text in _CLOSERS:
                    query_levels.discard(len(stack))
                    if stack:
                        stack.pop()
            elif new_kind == "word" and len(text) == 6 and text.upper() == "SELECT":
                query_levels.add(len(stack))
            yield new_kind, text, offset
            before_upper = upper
            kind, upper = new_kind, (text.upper() if new_kind == "word" or new_kind == "punct" else "")
            if resume is not None:
                break  # the scan read past the end of this token: go on from there


def _without_final_dots(name: str) -> str:
    """A local name may hold dots but not end with one, unless it is escaped (`ex:a\\.`)."""
    while name.endswith(".") and not name.endswith("\\."):
        name = name[:-1]
    return name


@lru_cache(maxsize=64)  # the serving process asks about a query, then its query process does (per process)
def read(query: str) -> Reading:
    """The guard's view of a query, in one pass; raises TokenError for text no SPARQL token matches."""
    form = ""
    service_at: int | None = None
    names_dataset = volatile = False
    depth = max_depth = depth_at = count = patterns = patterns_at = 0
    in_prologue = True
    expect_prologue = 0  # tokens still belonging to a BASE or PREFIX declaration
    for kind, text, offset in tokens(query):
        count += 1
        if kind == "punct":
            if text in _OPENERS:
                depth += 1
                if depth > max_depth:
                    max_depth, depth_at = depth, offset
                if text == "[":
                    volatile = True
            elif text in _CLOSERS and depth:
                depth -= 1
        elif kind == "word":
            upper = text.upper()
            if in_prologue:
                if expect_prologue:
                    expect_prologue -= 1
                elif upper in ("BASE", "PREFIX"):
                    expect_prologue = 1 if upper == "BASE" else 2
                    continue
                else:
                    form, in_prologue = upper, False
            if upper in PATTERN_KEYWORDS:
                patterns += 1
                patterns_at = offset
                if upper == "SERVICE" and service_at is None:
                    service_at = offset
            elif upper == "FROM":
                names_dataset = True
            elif upper in VOLATILE_FUNCTIONS:
                volatile = True
        elif kind in ("bnode", "anon"):
            volatile = True
        if in_prologue and kind != "word":
            if expect_prologue:
                expect_prologue -= 1
            else:
                in_prologue = False
    return Reading(form, service_at, names_dataset, volatile, max_depth, depth_at, patterns, patterns_at, count)
