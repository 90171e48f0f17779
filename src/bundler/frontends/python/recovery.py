"""Reading a file whose syntax errors all sit inside functions (a Python 2 ``lambda (name, ver):``
left in a method that no path runs): each such function is read as a stub of the same name, and
the rest of the file as written. Nothing of a stub is guessed: running it stops the check (exit 2)
with the syntax error, and the names its text mentions count as changed by it. A syntax error
outside every function stops the check at once, as before."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import replace

from bundler.frontends.python.sources import STUB_MARK
from bundler.frozen import frozen

MAX_STUBS = 64
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@frozen
class Unreadable:
    """A function read as a stub: where it is, and the syntax error inside it."""

    name: str  # qualified: ``Environment.system_info``
    line: int  # of its ``def``
    error: str  # Python's message
    error_line: int
    text: str  # its source, as written

    def mentions(self) -> set[str]:
        """Every identifier in its text (the names it may change)."""
        return set(IDENTIFIER.findall(self.text))

    def attributes_of_self(self) -> set[str]:
        return set(re.findall(r"\bself\.([A-Za-z_][A-Za-z0-9_]*)", self.text))


@frozen
class Definition:
    name: str  # qualified: ``Environment.system_info``
    first: int  # the ``def`` line
    last: int  # its body's last line
    is_async: bool


def recover(text: str, error: str, line: int) -> tuple[str, tuple[Unreadable, ...]] | None:
    """The text with each function holding a syntax error made a stub (line numbers unchanged),
    and those functions; None when an error is outside every function or the text cannot be
    split into functions."""
    import ast

    stubs: list[Unreadable] = []
    while True:
        definition = innermost(definitions(text), line)
        if definition is None or len(stubs) >= MAX_STUBS:
            return None
        lines = text.splitlines(keepends=True)
        original = "".join(lines[definition.first - 1:definition.last])
        if STUB_MARK in original:
            return None  # the error is in a stub's own line: nothing more to take out
        stubs.append(Unreadable(definition.name, definition.first, error, line, original))
        indent = original[:len(original) - len(original.lstrip(" \t"))]
        stub = (f"{indent}{'async ' if definition.is_async else ''}def {definition.name.rsplit('.', 1)[-1]}"
                f"(*{STUB_MARK}{len(stubs) - 1}, **{STUB_MARK}kwargs): ...\n")
        text = "".join(lines[:definition.first - 1]) + stub + "\n" * (definition.last - definition.first) \
            + "".join(lines[definition.last:])
        try:
            ast.parse(text)
        except SyntaxError as next_error:
            error, line = next_error.msg, next_error.lineno or 1
            continue
        except (RecursionError, MemoryError, ValueError):
            return None
        return text, tuple(stubs)


def innermost(found: list[Definition] | None, line: int) -> Definition | None:
    holding = [d for d in found or () if d.first <= line <= d.last]
    return max(holding, key=lambda d: d.first) if holding else None


def definitions(text: str) -> list[Definition] | None:
    """Every ``def`` with the lines it spans and the classes and functions around it, from the
    tokens (which older syntax still has); None when the text cannot be tokenized."""
    found: list[Definition] = []
    opened: list[Opened] = []  # classes and functions whose bodies are open
    header: Opened | None = None  # one whose body has not begun
    depth, last_line, line_start, previous = 0, 0, True, ""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = token.type
            if header is not None and kind not in (tokenize.NL, tokenize.COMMENT) and previous == "NEWLINE":
                if kind == tokenize.INDENT:
                    opened.append(header)
                elif header.is_def:  # ``def f(): return x`` on one line
                    found.append(header.closed(opened, last_line))
                header = None
            if kind == tokenize.INDENT:
                depth += 1
            elif kind == tokenize.DEDENT:
                depth -= 1
                while opened and opened[-1].depth >= depth:
                    closing = opened.pop()
                    if closing.is_def:
                        found.append(closing.closed(opened, last_line))
            elif kind == tokenize.NEWLINE:
                last_line, line_start = token.start[0], True
            elif kind not in (tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER):
                if kind == tokenize.NAME and token.string in ("def", "class") and (line_start or previous == "async"):
                    header = Opened("", token.start[0], depth, token.string == "def", previous == "async")
                elif header is not None and not header.name and kind == tokenize.NAME:
                    header = replace(header, name=token.string)
                line_start = False
            if kind not in (tokenize.NL, tokenize.COMMENT):
                previous = "NEWLINE" if kind == tokenize.NEWLINE else token.string
    except (tokenize.TokenError, SyntaxError):
        return None
    return found


@frozen
class Opened:
    """A class or function whose body the tokens are in."""

    name: str
    first: int
    depth: int
    is_def: bool
    is_async: bool

    def closed(self, around: list[Opened], last: int) -> Definition:
        return Definition(".".join([*(o.name for o in around), self.name]), self.first, last, self.is_async)
