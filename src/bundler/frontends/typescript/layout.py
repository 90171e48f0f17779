"""Where an esbuild bundle's top-level statements are, without parsing it: a bundle of megabytes
is read in parts (the store's class, the statements declaring the names it uses), each parsed
alone by tree-sitter, instead of whole (tree-sitter reads about 4 MB a second; a bundle is
several MB, its store a few kB of it).

One pass over the bytes finds what hides code: strings, template texts, comments and regular
expressions (one regular expression jumps over code and plain strings to the next; whether a
``/`` divides or opens a regular expression is told by what comes before it, as JavaScript
tells it). They are blanked and every bracket written as a parenthesis; then every group of
brackets at depth 0 is hollowed by one regular expression (in C), and what is left is the top
level: a statement ends at a ``;`` there, or at a ``}`` before a declaration (esbuild writes
``function a(){...}var b=...``), and a top-level name is declared there.

``layout_of`` is None when the text does not lex as JavaScript ends (a string left open,
brackets that do not balance, groups nested deeper than 64): the caller parses the whole file
then, as it does when a part parsed alone has a syntax error. On claude-mem's bundles of 16
commits the parts agree with tree-sitter's whole parse: no top-level statement is cut."""

from __future__ import annotations

import re

# The next thing that may hide code (a string holding brackets, a comment, a template, a
# regular expression), past code and plain strings (no brackets, no ';': counted with the code):
HIDING = re.compile(rb'''(?:[^"'`/]++|"[^"\\\n;(){}\[\]]*+"|'[^'\\\n;(){}\[\]]*+')*+(?P<event>
    "[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'|//[^\n]*+|/\*.*?\*/|[`/"'])''',
                    re.DOTALL | re.VERBOSE)
TEMPLATE_TEXT = re.compile(rb'[^`\\$]*(?:(?:\\.|\$(?!\{))[^`\\$]*)*(?:`|\$\{)', re.DOTALL)
REGULAR_EXPRESSION = re.compile(rb'/(?:[^/\\\[\n]|\\.|\[(?:[^\]\\\n]|\\.)*\])+/[A-Za-z]*')
BRACKETS = bytes.maketrans(b"{[}]", b"(())")  # every bracket as a parenthesis: two counts give the depth
OPENING = ord("(")
# A ; at depth 0, or a bracket back to depth 0 before a declaration (function a(){...}var b=...):
STATEMENT_END = re.compile(rb";|\)(?=(?:var|let|const|class|function|async)\b)")
PATTERN_START = re.compile(rb"[,rt]\s*\(")  # a bracket after a comma, var, let, const or import...
STATEMENT_END_CHARACTERS = frozenset(b";}")
PATTERN_OPENING = frozenset(b"{[")
DECLARES_PATTERN = re.compile(rb"(?:,|(?<![\w$])(?:var|let|const|import))$")  # ...that may open a pattern
DIVISION_AFTER = frozenset(b")]\"'`")
WORD = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$" + bytes(range(0x80, 0x100)))
EXPRESSION_KEYWORDS = frozenset((b"return", b"typeof", b"instanceof", b"in", b"of", b"new", b"delete", b"void",
                                 b"throw", b"case", b"do", b"else", b"yield", b"await"))
QUOTES = frozenset(b"\"'")
SPACE = frozenset(b" \t\r\n")
BACKTICK, DOLLAR_BRACE_END = ord("`"), ord("{")


class Layout:
    """A bundle's top level: its code (strings, comments, template texts and regular
    expressions blanked) with the inside of every group of brackets at depth 0 blanked too, so
    that what is left is what top-level statements are made of, at the bundle's offsets."""

    def __init__(self, data: bytes, top: bytes) -> None:
        self.data = data
        self.top = top
        self._words: dict[str, list[int]] = {}
        self._patterns: list[int] | None = None

    def statement_at(self, offset: int) -> tuple[int, int]:
        """The top-level statements around ``offset``: from the end of the one before to the
        end of the one holding it."""
        top = self.top
        start = top.rfind(b";", 0, offset) + 1
        for match in STATEMENT_END.finditer(top, start, offset + len(b"function")):  # }function...: read past offset
            if match.end() <= offset and self.ends_statement(match.start()):
                start = match.end()
        end = len(top)
        for match in STATEMENT_END.finditer(top, offset):
            if self.ends_statement(match.start()):
                end = match.end()
                break
        return start, end

    def ends_statement(self, position: int) -> bool:
        """A ``;``, or a ``}`` (not a ``)`` or ``]``) before a declaration."""
        return self.data[position] in STATEMENT_END_CHARACTERS

    def top_level_word(self, name: str) -> list[int]:
        """Where ``name`` occurs as a word in code at depth 0 (where top-level names are declared)."""
        if name not in self._words:  # a pattern that starts with the name: searched for as text, in C
            pattern = re.compile(re.escape(name.encode()) + rb"(?![\w$\x80-\xff])")
            self._words[name] = [match.start() for match in pattern.finditer(self.top)
                                 if match.start() == 0 or self.top[match.start() - 1] not in WORD]
        return self._words[name]

    def destructuring(self) -> list[int]:
        """Where a top-level declaration may bind names inside a pattern (``var{a:b}=...``,
        ``import{a as b}``): a bracket right after the keyword or a comma, at depth 0."""
        if self._patterns is None:
            self._patterns = [match.end() - 1 for match in PATTERN_START.finditer(self.top)
                              if self.data[match.end() - 1] in PATTERN_OPENING
                              and DECLARES_PATTERN.search(self.top, max(0, match.start() - 6), match.start() + 1)]
        return self._patterns


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
    top = hollowed(blanked(brackets, starts, ends))
    return Layout(data, top) if top is not None else None


def blanked(brackets: bytes, starts: list[int], ends: list[int]) -> bytes:
    """The text with what lies between stretches of code (strings, comments...) as spaces."""
    code = bytearray(brackets)
    blank = b" " * max((start - end for start, end in zip(starts[1:], ends)), default=0)
    for start, end in zip(starts[1:], ends):
        code[end:start] = blank[:start - end]
    return bytes(code)


def balanced(depth: int) -> re.Pattern[bytes]:
    """A group of brackets nested at most ``depth`` deep, matched without backtracking: its
    opening bracket, what is inside and its closing bracket as three groups."""
    inner = rb"[^()]*+"
    for _ in range(depth - 1):
        inner = rb"[^()]*+(?:\(" + inner + rb"\)[^()]*+)*+"
    return re.compile(rb"(\()(" + inner + rb")(\))")


BALANCED = balanced(64)


def hollowed(code: bytes) -> bytes | None:
    """The code with the inside of every group of brackets at depth 0 blanked (as zero bytes,
    by one split and builtins: no Python call per group); None when one nests deeper than
    BALANCED reads (the caller parses the whole file then)."""
    parts = BALANCED.split(code)  # text at depth 0, then each group's (, inside and ), in turn
    parts[2::4] = map(bytes, map(len, parts[2::4]))
    top = b"".join(parts)
    return top if top.count(b"(") == len(parts) // 4 else None


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
        open_count += 1 if brackets[position] == OPENING else -1
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
