"""Parsing TypeScript and JavaScript with tree-sitter, an optional extra: loaded only when a
configured entry is a .ts/.js file, so a Python check never imports it.

tree-sitter was measured on the 2.5 MB esbuild bundle of claude-mem's worker: 0.7 s idle (about
0.3 microseconds a byte, in the grammar's C parser). Considered: pure-Python parsers (esprima,
pyjsparser) are orders of magnitude slower and read no TypeScript; oxc's Python bindings are
young and thinly kept. A bundle is therefore not parsed whole: ``layout`` lexes it (a tenth of
the time) and its parts are parsed as the check reaches them."""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from bundler.errors import ConfigError, SourceError
from bundler.frontends.typescript.layout import Layout, layout_of

EXTRA_MISSING = ("reading TypeScript and JavaScript needs the typescript extra:"
                 " pip install 'migration-bundler[typescript]'")


class PartialParseError(Exception):
    """A part of a bundle, parsed alone, has a syntax error: the whole bundle must be parsed
    (the part's edges may be wrong, or the error is the bundle's own). Not a BundlerError: no
    handler of the interpreter may take it for a construct it cannot follow."""


@functools.lru_cache(maxsize=None)
def parser_for(suffix: str) -> Any:
    """A tree-sitter parser for a file suffix: TSX for .tsx/.jsx, TypeScript for .ts, JavaScript else."""
    language = language_for(suffix)  # first: says which extra to install when tree-sitter is missing
    import tree_sitter
    return tree_sitter.Parser(language)


def language_for(suffix: str) -> Any:
    try:
        import tree_sitter
        import tree_sitter_javascript
        import tree_sitter_typescript
    except ImportError:
        raise ConfigError(EXTRA_MISSING) from None
    if suffix in (".tsx", ".jsx"):
        language = tree_sitter_typescript.language_tsx()
    elif suffix in (".ts", ".mts", ".cts"):
        language = tree_sitter_typescript.language_typescript()
    else:
        language = tree_sitter_javascript.language()
    return tree_sitter.Language(language)


@dataclass(eq=False)
class Source:
    """One parsed file: where it is, its bytes and its tree; or a bundle's bytes, its layout
    and the parts of it parsed so far (``tree`` is None then)."""

    relpath: str  # relative to the project folder
    display: str  # as shown to users
    data: bytes
    tree: Any
    bundle: bool = False  # an esbuild bundle: names are minified, SQL and method names survive
    layout: Layout | None = None
    _parts: dict[tuple[int, int], Any] = field(default_factory=dict, repr=False)
    _newlines: list[int] | None = field(default=None, repr=False)

    @property
    def root(self) -> Any:
        return self.tree.root_node

    def line_of(self, node: Any) -> int:
        return node.start_point[0] + 1

    def node_at(self, start: int, end: int) -> Any:
        """The smallest node spanning the bytes ``start:end``, of the whole tree or of the part holding them."""
        tree = self.tree if self.tree is not None else self.part(start)
        return tree.root_node.descendant_for_byte_range(start, end)

    def part(self, offset: int) -> Any:
        """The tree of the top-level statements holding ``offset``, parsed alone (once), at the
        bundle's own offsets and lines."""
        assert self.layout is not None
        span = self.layout.statement_at(offset)
        tree = self._parts.get(span)
        if tree is None:
            import tree_sitter
            start, end = span
            only = tree_sitter.Range(self.point(start), self.point(end), start, end)
            parser = tree_sitter.Parser(parser_for(suffix_of(self.relpath)).language, included_ranges=[only])
            tree = parser.parse(self.data)
            if tree.root_node.has_error:
                raise PartialParseError(f"{self.display}: bytes {start}-{end}")
            self._parts[span] = tree
        return tree

    def point(self, offset: int) -> Any:
        """Row and column of a byte offset, as tree-sitter counts them (by the newlines before it)."""
        import tree_sitter
        if self._newlines is None:
            self._newlines = [match.start() for match in re.finditer(b"\n", self.data)]
        row = bisect.bisect_left(self._newlines, offset)
        return tree_sitter.Point(row, offset - (self._newlines[row - 1] + 1 if row else 0))

    def whole(self) -> "Source":
        """This bundle parsed whole."""
        return Source(self.relpath, self.display, self.data, parser_for(suffix_of(self.relpath)).parse(self.data),
                      self.bundle)


def suffix_of(relpath: str) -> str:
    return "." + relpath.rsplit(".", 1)[-1] if "." in relpath else ".js"


def parse_source(relpath: str, display: str, data: bytes, *, bundle: bool = False) -> Source:
    """A source file parsed whole; a bundle laid out to be parsed in parts (whole when it does not lex)."""
    parser = parser_for(suffix_of(relpath))
    if bundle:
        layout = layout_of(data)
        if layout is not None:
            return Source(relpath, display, data, None, bundle, layout)
    tree = parser.parse(data)
    if tree.root_node.has_error and not bundle:
        raise SourceError(f"syntax error at line {first_error(tree.root_node)}", where=display)
    return Source(relpath, display, data, tree, bundle)


def first_error(node: Any) -> int:
    """The line of the first node tree-sitter could not parse."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "ERROR" or current.is_missing:
            return current.start_point[0] + 1
        stack.extend(reversed([child for child in current.children if child.has_error or child.is_missing]))
    return node.start_point[0] + 1


def text(node: Any) -> str:
    return node.text.decode("utf-8", "replace")
