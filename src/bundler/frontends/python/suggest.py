"""What configuration would fit the code, said when the configured one does not (issue 19.5).

Hints only: they are added to an error that stops the check anyway, never used for a verdict.
They read the file with Python's own parser, which the check runs first on every file anyway.
"""

from __future__ import annotations

import ast


def did_you_mean(name: str, names: list[str]) -> str:
    """``; did you mean 'X'?`` for the closest name, else nothing."""
    import difflib  # here: only a mistake needs it (a check starts faster without)
    found = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f"; did you mean '{found[0]}'?" if found else ""


def parsed(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def top_level(text: str) -> dict[str, ast.AST]:
    """The module's classes and functions by name."""
    tree = parsed(text)
    kinds = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {node.name: node for node in tree.body if isinstance(node, kinds)} if tree else {}


def class_names(text: str) -> list[str]:
    return [name for name, node in top_level(text).items() if isinstance(node, ast.ClassDef)]


def function_or_method(text: str, class_name: str, name: str | None) -> ast.AST | None:
    """``class_name`` as a module-level function (``name`` None), or its method ``name``."""
    node = top_level(text).get(class_name)
    if name is None or not isinstance(node, ast.ClassDef):
        return node if name is None else None
    return next((item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and item.name == name), None)


def tests_a_version(function: ast.AST | None) -> bool:
    """An ``if`` comparing something with a whole number (``if version < 28:``): a version chain."""
    for node in ast.walk(function) if function is not None else ():
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and any(
                isinstance(side, ast.Constant) and type(side.value) is int
                for side in (node.test.left, *node.test.comparators)):
            return True
    return False


def class_hint(text: str, name: str, file: str) -> str:
    """For ``file.py:Name`` naming a class where a function or method is expected: which methods it has."""
    found = function_or_method(text, name, None)
    if not isinstance(found, ast.ClassDef):
        return ""
    methods = [item.name for item in found.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))]
    listed = f" (its methods: {', '.join(methods)})" if methods else ""
    return f"; {name} is a class in {file}: name the method that applies the migrations, {file}:{name}.METHOD{listed}"


def why_nothing_is_recorded(text: str, class_name: str, method: str | None, version_record: str, style: str) -> str:
    """For a registry that records no number: the configuration the code reads like."""
    hints = []
    entry = function_or_method(text, class_name, method or None)
    if style == "methods" and tests_a_version(entry):
        hints.append('its if-blocks test the version: set style = "version-chain"')
    if version_record == "table" and "user_version" in text and "pragma" in text.lower():
        hints.append('it sets PRAGMA user_version: set version-record = "user_version"')
    return f"; {' and '.join(hints)}" if hints else " (is version-table, version-record or style set right?)"
