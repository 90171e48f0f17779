"""The few standard-library calls that decide which steps a package finds when it is imported
(a registry filled by a loop over its own modules): ``pkgutil.iter_modules`` over the package's
folder, ``pkgutil.iter_importers`` (the standard import system's finders), and ``re.match``,
``re.fullmatch`` and ``re.search`` on known texts with what a match gives. Anything else of the
standard library stays outside the project (``EXTERNAL``)."""

from __future__ import annotations

import re
from typing import Any

from bundler.frontends.python.values import UNKNOWN, Mapping, Matched, Value, is_number
from bundler.frontends.python.interpret.objects import EXTERNAL, Repeated
from bundler.frozen import frozen

MODELLED = {
    "pkgutil": {"iter_modules", "iter_importers"},
    "re": {"match", "fullmatch", "search"},
}
MAX_MATCHED_TEXT = 1_000  # longer texts (or patterns) are not matched: a pattern may take very long


@frozen
class Library:
    """A modelled standard-library module, or one of its functions (``pkgutil.iter_modules``)."""

    name: str

    def member(self, attr: str) -> Value:
        module, _, function = self.name.partition(".")
        if not function and attr in MODELLED.get(module, ()):
            return Library(f"{module}.{attr}")
        return EXTERNAL


@frozen
class PackagePath:
    """A package's ``__path__``: the folder its modules are found in."""

    folder: str


class _StandardFinder:
    """A finder of the standard import system (the code runs from its source, or from a zip
    archive such as a shiv bundle): its attributes are those all such finders have."""

    def __repr__(self) -> str:
        return "STANDARD_FINDER"


STANDARD_FINDER = _StandardFinder()


def library_for(dotted: str) -> Library | None:
    """``import pkgutil`` or ``from re import match``: the modelled module or function."""
    module, _, function = dotted.partition(".")
    if module in MODELLED and (not function or function in MODELLED[module]):
        return Library(dotted)
    return None


def standard_finders_have(attr: str) -> bool | None:
    """Whether every standard finder has ``attr`` (True), none has (False), or some do (None)."""
    import importlib.machinery
    import zipimport

    kinds = (importlib.machinery.PathFinder, importlib.machinery.BuiltinImporter, importlib.machinery.FrozenImporter,
             importlib.machinery.FileFinder, zipimport.zipimporter)
    found = {hasattr(kind, attr) for kind in kinds}
    return found.pop() if len(found) == 1 else None


def matched(function: str, pattern: Value, text: Value, flags: Value) -> Value:
    """``re.match(pattern, text)`` and friends, run when both are known texts."""
    if not (isinstance(pattern, str) and isinstance(text, str) and is_number(flags)) \
            or len(pattern) > MAX_MATCHED_TEXT or len(text) > MAX_MATCHED_TEXT:
        return UNKNOWN
    try:
        found = getattr(re, function)(pattern, text, flags)
    except re.error:
        return UNKNOWN
    if found is None:
        return None
    return Matched((found.group(0), *found.groups()), tuple(found.groupdict().items()))


class LibraryCalls:
    """Calls of the modelled standard library (part of ``Frame``)."""

    def library_call(self, library: Library, positional: list[Value] | None, keywords: dict[str, Value]) -> Value:
        args = positional or []
        if library.name == "pkgutil.iter_modules" and args and len(args) <= 2 and set(keywords) <= {"prefix"}:
            prefix = args[1] if len(args) == 2 else keywords.get("prefix", "")
            return self.iter_modules(args[0], prefix)
        if library.name == "pkgutil.iter_importers":
            return Repeated(STANDARD_FINDER)
        if library.name.startswith("re.") and 2 <= len(args) <= 3 and not keywords:
            return matched(library.name[3:], args[0], args[1], args[2] if len(args) == 3 else 0)
        return UNKNOWN

    def iter_modules(self, path: Value, prefix: Value) -> Value:
        """``pkgutil.iter_modules(__path__, prefix)``: a ``(finder, name, is_package)`` for each
        module of the package's folder, in name order, as Python lists them."""
        folders = path if isinstance(path, tuple) else (path,)
        if not isinstance(prefix, str) or not all(isinstance(f, PackagePath) for f in folders):
            return UNKNOWN
        found: list[Any] = []
        for folder in folders:
            names = self.resolver.modules.origin.list_folder(folder.folder) or []
            found += [(EXTERNAL, f"{prefix}{name[:-3]}", False) for name in sorted(names)
                      if name.endswith(".py") and name != "__init__.py" and name[:-3].isidentifier()]
        return tuple(found)

    def match_method(self, match: Matched, method: str, positional: list[Value] | None) -> Value:
        """``m.group("index")``, ``m.group(1)``, ``m.groups()``, ``m.groupdict()``."""
        args = positional or []
        if method == "group":
            picked = [self.match_group(match, key) for key in (args or [0])]
            return picked[0] if len(picked) == 1 else tuple(picked)
        if method == "groups" and not args:
            return match.groups[1:]
        if method == "groupdict" and not args:
            return Mapping(match.named)
        return UNKNOWN

    @staticmethod
    def match_group(match: Matched, key: Value) -> Value:
        if is_number(key) and 0 <= key < len(match.groups):  # type: ignore[operator]
            return match.groups[key]  # type: ignore[index]
        if isinstance(key, str):
            return dict(match.named).get(key, UNKNOWN)
        return UNKNOWN

