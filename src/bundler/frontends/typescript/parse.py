"""Parsing TypeScript and JavaScript with tree-sitter, an optional extra: loaded only when a
configured entry is a .ts/.js file, so a Python check never imports it.

tree-sitter was measured on the 2.5 MB esbuild bundle of claude-mem's worker: 0.7 s idle (about
0.3 microseconds a byte, in the grammar's C parser, which releases the GIL: a bundle is parsed in
a thread while the source is checked). Considered: pure-Python parsers (esprima, pyjsparser) are
orders of magnitude slower and read no TypeScript; oxc's Python bindings are young and thinly
kept; parsing only the store's region of a bundle is not sound without lexing all of it (a
minified name's declaration can be anywhere)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from bundler.errors import ConfigError, SourceError

EXTRA_MISSING = ("reading TypeScript and JavaScript needs the typescript extra:"
                 " pip install 'migration-bundler[typescript]'")


@functools.lru_cache(maxsize=None)
def parser_for(suffix: str) -> Any:
    """A tree-sitter parser for a file suffix: TSX for .tsx/.jsx, TypeScript for .ts, JavaScript else."""
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
    return tree_sitter.Parser(tree_sitter.Language(language))


@dataclass(eq=False)
class Source:
    """One parsed file: where it is, its bytes and its tree."""

    relpath: str  # relative to the project folder
    display: str  # as shown to users
    data: bytes
    tree: Any
    bundle: bool = False  # an esbuild bundle: names are minified, SQL and method names survive
    _assigned: dict[bytes, list[Any]] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Any:
        return self.tree.root_node

    def line_of(self, node: Any) -> int:
        return node.start_point[0] + 1


def parse_source(relpath: str, display: str, data: bytes, *, bundle: bool = False) -> Source:
    suffix = "." + relpath.rsplit(".", 1)[-1] if "." in relpath else ".js"
    tree = parser_for(suffix).parse(data)
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
