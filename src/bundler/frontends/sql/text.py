"""SQL text as statements of tokens, by sqlparse's lexer (a real SQL tokenizer, not regular
expressions): comments and whitespace are dropped, quoted identifiers unquoted, SQLite's
parameters (``?``, ``?NNN``, ``:name``, ``@name``, ``$name``) recognised, and the unknown parts of
a string (``values.HOLE``) kept as tokens of their own.

sqlparse was chosen over sqlglot by measurement: importing it costs 15 ms against 84 ms, and a
check reads tens of statements, not thousands (0.19 ms against 0.08 ms a statement).
"""

from __future__ import annotations

import functools
import importlib.util
import sys

from bundler.frontends.sql.values import HOLE, NUMBER_HOLE
from bundler.frozen import frozen


def without_package_init() -> None:
    """Make ``import sqlparse.lexer`` load the lexer and the few modules it imports, without the
    package's ``__init__``: that imports its formatter, its filters, its grouping engine and its
    command line (with argparse), none of which reading tokens needs, and costs a cold check
    12 M instructions. The package stands in ``sys.modules`` as its own module, and runs its
    ``__init__`` the first time anything reads a name the lexer's modules did not bring (its
    ``parse``, ``format``, ``__version__``...), so whoever imports sqlparse later in the same
    process gets the whole package."""
    spec = importlib.util.find_spec("sqlparse")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not a package we know: imported the ordinary way (or not found, as usual)
    package = importlib.util.module_from_spec(spec)
    loading = True

    def complete(name: str) -> object:
        if loading:  # `from sqlparse import tokens` in the lexer: imported as a submodule
            raise AttributeError(name)
        del package.__dict__["__getattr__"]
        spec.loader.exec_module(package)  # type: ignore[union-attr]
        return getattr(package, name)

    package.__getattr__ = complete  # type: ignore[method-assign]
    sys.modules["sqlparse"] = package
    try:
        import sqlparse.lexer  # noqa: F401
    except BaseException:
        del sys.modules["sqlparse"]
        raise
    finally:
        loading = False


if "sqlparse" not in sys.modules:
    without_package_init()

from sqlparse import tokens as T  # noqa: E402
from sqlparse.lexer import tokenize  # noqa: E402

HOLE_NAME = "__bundler_hole__"  # what a HOLE is spelled as for the lexer: an identifier


@frozen
class Token:
    """One SQL token, normalised so statements compare by meaning, not spelling."""

    kind: str  # keyword, name, number, string, parameter, punctuation, hole, other
    text: str  # keywords upper-cased; names unquoted; parameters as written (``?3``, ``:v``)

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "keyword" and self.text in words

    def is_punctuation(self, text: str) -> bool:
        return self.kind == "punctuation" and self.text == text


@functools.lru_cache(maxsize=4096)
def statements(sql: str) -> tuple[tuple[Token, ...], ...]:
    """Each statement's tokens, split at top-level semicolons; empty statements dropped. The
    same text is read once (a recording statement is usually one constant, run by every step)."""
    return tuple(tuple(statement) for statement in read_statements(sql))


def read_statements(sql: str) -> list[list[Token]]:
    result: list[list[Token]] = []
    current: list[Token] = []
    previous: Token | None = None
    for ttype, text in tokenize(sql.replace(HOLE, f" {HOLE_NAME} ").replace(NUMBER_HOLE, f" {HOLE_NAME} ")):
        if ttype in T.Whitespace or ttype in T.Comment or ttype in T.Newline or ttype is T.Text.Whitespace:
            previous = None
            continue
        if ttype in T.Punctuation and text == ";":
            if current:
                result.append(current)
            current, previous = [], None
            continue
        token = classify(ttype, text)
        if previous is not None and previous.text == "?" and token.kind == "number" and text.isdigit():
            current[-1] = token = Token("parameter", f"?{text}")  # sqlparse splits ?NNN in two
        else:
            current.append(token)
        previous = token
    if current:
        result.append(current)
    return result


def classify(ttype: object, text: str) -> Token:
    if text == HOLE_NAME:
        return Token("hole", text)
    if ttype in T.Keyword:
        return Token("keyword", text.upper())
    if ttype in T.Name.Placeholder:
        return Token("parameter", text)
    if ttype in T.Name or ttype in T.Literal.String.Symbol:
        if text[:1] in "@$":
            return Token("parameter", text)
        return Token("name", unquote(text))
    if ttype in T.Literal.Number.Integer or ttype in T.Literal.Number.Hexadecimal:
        return Token("number", text)
    if ttype in T.Literal.String:
        return Token("string", text)
    if ttype in T.Punctuation:
        return Token("punctuation", text)
    return Token("other", text)


def unquote(name: str) -> str:
    if len(name) >= 2 and (name[0], name[-1]) in (('"', '"'), ("`", "`"), ("[", "]"), ("'", "'")):
        return name[1:-1]
    return name


def split_top_level(tokens: list[Token]) -> list[list[Token]]:
    """``a, f(b, c), d`` → ``[[a], [f, (, b, ,, c, )], [d]]``."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.is_punctuation("("):
            depth += 1
        elif token.is_punctuation(")"):
            depth -= 1
        if depth == 0 and token.is_punctuation(","):
            parts.append([])
        else:
            parts[-1].append(token)
    return parts if parts != [[]] else []


def parenthesised(tokens: list[Token], start: int) -> tuple[list[Token], int] | None:
    """The tokens inside the parentheses opening at ``start``, and the index after them."""
    if start >= len(tokens) or not tokens[start].is_punctuation("("):
        return None
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index].is_punctuation("("):
            depth += 1
        elif tokens[index].is_punctuation(")"):
            depth -= 1
            if depth == 0:
                return tokens[start + 1:index], index + 1
    return None
