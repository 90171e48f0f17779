"""Where an esbuild bundle's top-level statements are, without parsing it: a bundle of megabytes
is read in parts (the store's class, the statements declaring the names it uses), each parsed
alone by tree-sitter, instead of whole (tree-sitter reads about 4 MB a second; a bundle is
several MB, its store a few kB of it).

One pass over the bytes finds what hides code: strings, template texts, comments and regular
expressions (one regular expression jumps over code and plain strings to the next); they are
blanked, and every bracket written as a parenthesis, so that a group of brackets is skipped in
C. A top-level statement ends at a ``;`` at depth 0, or at a ``}`` back to depth 0 before a
declaration (esbuild writes ``function a(){...}var b=...``). ``layout_of`` is None when the
text does not lex as JavaScript ends (a string left open, brackets that do not balance): the
caller parses the whole file then, as it does when a part parsed alone has a syntax error."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

# The next thing that may hide code (a string holding brackets, a comment, a template, a
# regular expression), past code and plain strings (no brackets, no ';': counted with the code):
HIDING = re.compile(rb'''(?:[^"'`/]++|"[^"\\\n;(){}\[\]]*+"|'[^'\\\n;(){}\[\]]*+')*+(?P<event>
    "[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'|//[^\n]*+|/\*.*?\*/|[`/"'])''',
                    re.DOTALL | re.VERBOSE)
TEMPLATE_TEXT = re.compile(rb'[^`\\$]*(?:(?:\\.|\$(?!\{))[^`\\$]*)*(?:`|\$\{)', re.DOTALL)
REGULAR_EXPRESSION = re.compile(rb'/(?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[A-Za-z]*')
BRACKETS = bytes.maketrans(b"{[}]", b"(())")  # every bracket as a parenthesis: two counts give the depth
OPENING = ord("(")
WORD_TEXT = re.compile(rb"[\w$\x80-\xff]+")
PATTERN_OPENING = frozenset(b"{[")
DECLARES_PATTERN = re.compile(rb"(?:\b(?:var|let|const|import)|,)\s*$")  # before a bracket: it opens a pattern
DECLARATION = re.compile(rb"(?:var|let|const|class|function|async)\b")
DIVISION_AFTER = frozenset(b")]\"'`")
WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")
EXPRESSION_KEYWORDS = frozenset((b"return", b"typeof", b"instanceof", b"in", b"of", b"new", b"delete", b"void",
                                 b"throw", b"case", b"do", b"else", b"yield", b"await"))
QUOTES = frozenset(b"\"'")
SPACE = frozenset(b" \t\r\n")
BACKTICK, DOLLAR_BRACE_END, CLOSE_BRACE = ord("`"), ord("{"), ord("}")


class Layout:
    """A bundle's code (strings, comments, template texts and regular expressions blanked,
    every bracket a parenthesis) and, found on first use, its top level: where statements end,
    the words there and where destructuring patterns open."""

    def __init__(self, data: bytes, code: bytes) -> None:
        self.data = data
        self.code = code
        self._ends: list[int] | None = None
        self._words: dict[str, list[int]] = {}
        self._destructuring: list[int] = []

    def statement_at(self, offset: int) -> tuple[int, int]:
        """The top-level statements around ``offset``: from the end of the one before to the
        end of the one holding it."""
        ends = self._top_level()
        index = bisect.bisect_right(ends, offset)
        return ends[index - 1] if index else 0, ends[index] if index < len(ends) else len(self.data)

    def top_level_word(self, name: str) -> list[int]:
        """Where ``name`` occurs as a word in code at depth 0 (where top-level names are declared)."""
        self._top_level()
        return self._words.get(name, [])

    def destructuring(self) -> list[int]:
        """Where a top-level declaration may bind names inside a pattern (``var{a:b}=...``,
        ``import{a as b}``): a bracket right after the keyword or a comma, at depth 0."""
        self._top_level()
        return self._destructuring

    def _top_level(self) -> list[int]:
        """Where top-level statements end; the words at depth 0 and the patterns opening there on the way."""
        if self._ends is not None:
            return self._ends
        code, data = self.code, self.data
        ends: list[int] = []
        words: dict[bytes, list[int]] = {}
        for start, end in self.top_level_code():
            if start > 0 and data[start - 1] == CLOSE_BRACE and DECLARATION.match(code, start):
                ends.append(start)  # function a(){...}var b=...
            semicolon = code.find(b";", start, end)
            while semicolon >= 0:
                ends.append(semicolon + 1)
                semicolon = code.find(b";", semicolon + 1, end)
            for match in WORD_TEXT.finditer(code, start, end):
                words.setdefault(match.group(), []).append(match.start())
            if end < len(data) and data[end] in PATTERN_OPENING \
                    and DECLARES_PATTERN.search(code, max(start, end - 8), end):
                self._destructuring.append(end)
        self._words = {word.decode("utf-8", "replace"): places for word, places in words.items()}
        self._ends = ends
        return ends

    def top_level_code(self) -> Iterator[tuple[int, int]]:
        """The stretches of code at depth 0, each up to the bracket that leaves it (a balanced
        group of brackets is skipped by one regular expression, in C)."""
        code = self.code
        position = 0
        while True:
            opening = code.find(b"(", position)
            stop = len(code) if opening < 0 else opening
            if stop > position:
                yield position, stop
            if opening < 0:
                return
            group = BALANCED.match(code, opening)
            position = group.end() if group is not None else group_end(code, opening)


def layout_of(data: bytes) -> Layout | None:
    """The code of a JavaScript text, or None when it does not lex."""
    brackets = data.translate(BRACKETS)
    starts: list[int] = []  # the stretches of code, between what hides code
    ends: list[int] = []
    substitutions: list[int] = []  # the depth each open ${...} of a template closes at
    depth = 0
    code = position = data.index(b"\n") + 1 if data.startswith(b"#!") and b"\n" in data else 0  # #!/usr/bin/env node
    find = HIDING.match
    while True:
        match = find(data, position)
        end = match.start("event") if match is not None else len(data)
        if substitutions and depth - brackets.count(b")", code, end) <= substitutions[-1]:
            closing = substitution_end(brackets, code, end, depth - substitutions[-1])
            if closing is not None:  # the template's text goes on after the }
                starts.append(code), ends.append(closing)
                depth = substitutions.pop()
                position = template_text(data, closing + 1, depth, substitutions)
                if position < 0:
                    return None
                if data[position - 1] == DOLLAR_BRACE_END:
                    depth += 1
                code = position
                continue
        if match is None:
            break
        start, position = match.span("event")
        if position - start == 1 and data[start] in QUOTES:
            return None  # a string that does not close on its line
        if position - start > 1 or data[start] == BACKTICK or starts_regular_expression(data, start):
            starts.append(code), ends.append(start)
            depth += brackets.count(b"(", code, start) - brackets.count(b")", code, start)
            if depth < 0:
                return None
            if data[start] == BACKTICK and position - start == 1:
                position = template_text(data, position, depth, substitutions)
                if position < 0:
                    return None
                if data[position - 1] == DOLLAR_BRACE_END:
                    depth += 1
            elif position - start == 1:
                literal = REGULAR_EXPRESSION.match(data, start)
                if literal is None:
                    return None
                position = literal.end()
            code = position
    starts.append(code), ends.append(len(data))
    depth += brackets.count(b"(", code) - brackets.count(b")", code)
    if depth != 0 or substitutions:
        return None
    return Layout(data, blanked(brackets, starts, ends))


def blanked(brackets: bytes, starts: list[int], ends: list[int]) -> bytes:
    """The text with what lies between stretches of code (strings, comments...) as spaces."""
    code = bytearray(brackets)
    blank = b" " * max((start - end for start, end in zip(starts[1:], ends)), default=0)
    for start, end in zip(starts[1:], ends):
        code[end:start] = blank[:start - end]
    return bytes(code)


def balanced(depth: int) -> re.Pattern[bytes]:
    """A group of brackets nested at most ``depth`` deep, matched without backtracking."""
    inner = rb"[^()]*+"
    for _ in range(depth - 1):
        inner = rb"[^()]*+(?:\(" + inner + rb"\)[^()]*+)*+"
    return re.compile(rb"\(" + inner + rb"\)")


BALANCED = balanced(32)


def group_end(code: bytes, opening: int) -> int:
    """Past the bracket closing the one at ``opening`` (nested deeper than BALANCED reads)."""
    depth, position = 0, opening
    while True:
        position = find_bracket(code, position, len(code))
        depth += 1 if code[position] == OPENING else -1
        position += 1
        if depth == 0:
            return position


def template_text(data: bytes, position: int, depth: int, substitutions: list[int]) -> int:
    """Past a template's text, to its closing backtick or into a ``${`` (then remembered); -1
    when it never closes."""
    text = TEMPLATE_TEXT.match(data, position)
    if text is None:
        return -1
    if data[text.end() - 1] == DOLLAR_BRACE_END:
        substitutions.append(depth)
    return text.end()


def substitution_end(brackets: bytes, start: int, end: int, open_count: int) -> int | None:
    """Where, in a stretch of code inside ``${...}``, the bracket closing it is (``open_count``
    brackets are open, its own included)."""
    position = start
    while open_count > 0:
        position = find_bracket(brackets, position, end)
        if position < 0:
            return None
        open_count += 1 if brackets[position] == ord("(") else -1
        position += 1
    return position - 1


def find_bracket(brackets: bytes, start: int, end: int) -> int:
    opening, closing = brackets.find(b"(", start, end), brackets.find(b")", start, end)
    if opening < 0 or closing < 0:
        return max(opening, closing)
    return min(opening, closing)


def starts_regular_expression(data: bytes, slash: int) -> bool:
    """Whether a ``/`` in code opens a regular expression (else it divides): as JavaScript
    decides, by what comes before it."""
    before = slash - 1
    while before >= 0 and data[before] in SPACE:
        before -= 1
    if before < 0:
        return True
    if data[before] in DIVISION_AFTER or data[before - 1:before + 1] in (b"++", b"--"):  # a++ / 2
        return False
    if data[before] in WORD:
        end = before + 1
        while before >= 0 and data[before] in WORD:
            before -= 1
        return data[before + 1:end] in EXPRESSION_KEYWORDS and data[before:before + 1] != b"."  # not x.in / 2
    return True
