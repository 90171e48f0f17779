"""What importing a package runs of its own modules: those its top-level imports import (and
theirs, within the package), in the order Python imports them, each once, up to an import of a
module the package lacks (there it raises ``ImportError`` and nothing after it runs). A package's
``__init__.py`` that imports its step modules one by one, each registering its steps with a
decorator, registers what this finds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import field

import libcst as cst

from bundler.errors import UnresolvableError
from bundler.frontends.python.sources import ParsedModule
from bundler.frontends.python.values import Resolver, absolute_import, dotted_name
from bundler.frontends.python.walk import walk
from bundler.frozen import mutable


@mutable  # compared by identity
class ImportRun:
    """The modules an import ran, in order, and the import that raised, if one did."""

    modules: list[ParsedModule] = field(default_factory=list)
    stopped: dict[str, int] = field(default_factory=dict)  # a module's statements from this index on never ran
    failed: str | None = None  # why the import raised
    failed_at: str | None = None  # where


def imported_on_import(resolver: Resolver, package: ParsedModule) -> ImportRun:
    """The package's ``__init__`` and every module of the package importing it runs, depth first
    as Python runs them."""
    run = ImportRun()
    _run(resolver, package, f"{package.dotted}.", run, {})
    return run


def _run(resolver: Resolver, module: ParsedModule, within: str, run: ImportRun, running: dict[str, int]) -> bool:
    """Runs ``module``'s imports of the package's modules; False once one raised (what follows
    does not run, in this module and in those importing it). ``running``: each module entered,
    with the statement it is at (a module importing one still running sees only what that one
    has bound so far)."""
    run.modules.append(module)
    for index, statement in enumerate(module.tree.body):
        running[module.relpath] = index
        if not isinstance(statement, cst.SimpleStatementLine):
            refuse_nested_imports(resolver, module, within, statement)
            continue
        for small in statement.body:
            if not import_runs(resolver, module, small, within, run, running):
                run.stopped[module.relpath] = index
                return False
    running[module.relpath] = len(module.tree.body)
    return True


def import_runs(resolver: Resolver, module: ParsedModule, small: cst.CSTNode, within: str, run: ImportRun,
                running: dict[str, int]) -> bool:
    """One statement's imports of the package's modules, each run once; False where one raises."""
    where = f"{module.display}:{module.line_of(small)}"
    absent = None
    for dotted, listed in imported_names(resolver, module, small):
        if not dotted.startswith(within):
            continue  # the package's parents, other packages: they register nothing of its own
        found = resolver.modules.by_name(dotted)
        if found is None:  # a module of the package it does not have: ImportError
            refuse_star_imports(resolver, dotted, module, small)
            absent = absent or dotted
            if listed:
                continue  # `from pkg import a, b`: Python imports the other listed modules first, then raises
            break
        if found.relpath not in running and not _run(resolver, found, within, run, running):
            return False
    if absent is not None:
        run.failed, run.failed_at = f"{absent} is imported, which the project does not have", where
        return False
    if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        source = absolute_import(module, small)
        found = resolver.modules.by_name(source) if source is not None and source.startswith(within) else None
        if found is not None and running.get(found.relpath, 0) < len(found.tree.body):
            for alias in small.names:  # from a module still running: only what it has bound so far
                name = dotted_name(alias.name)
                if resolver.modules.by_name(f"{source}.{name}") is None and \
                        not bound_before(found, name, running[found.relpath]):
                    run.failed, run.failed_at = (f"{name} is imported from {source} while {source} is still"
                                                 " being imported, before it binds the name"), where
                    return False
    return True


def bound_before(module: ParsedModule, name: str, index: int) -> bool:
    """Whether a top-level statement before ``index`` binds ``name`` (a definition, an
    assignment, a loop target or an import, at any depth of an ``if`` or ``try`` there)."""
    for statement in module.tree.body[:index]:
        for node in walk(statement):
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node.name.value == name:
                return True
            if isinstance(node, cst.ImportAlias) and (node.asname.name.value if node.asname is not None  # type: ignore[union-attr]
                                                      else dotted_name(node.name).split(".")[0]) == name:
                return True
            target = node.target if isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For,
                                                      cst.NamedExpr)) else None
            if target is not None and any(isinstance(n, cst.Name) and n.value == name for n in walk(target)):
                return True
    return False


def imported_names(resolver: Resolver, module: ParsedModule, small: cst.CSTNode) -> Iterator[tuple[str, bool]]:
    """The dotted names an import statement imports, packages before their modules (``import
    a.b`` runs ``a``, then ``a.b``; ``from a import b`` runs ``a``, then ``a.b`` when ``b`` is not
    a name ``a`` defines), each with whether it is a name of a ``from`` list (whose absence
    Python reports only after importing the list's other modules)."""
    if isinstance(small, cst.Import):
        for alias in small.names:
            parts = dotted_name(alias.name).split(".")
            yield from ((".".join(parts[:i]), False) for i in range(1, len(parts) + 1))
    elif isinstance(small, cst.ImportFrom):
        source = absolute_import(module, small)
        if source is None:
            return
        parts = source.split(".")
        yield from ((".".join(parts[:i]), False) for i in range(1, len(parts) + 1) if parts[:i] != [""])
        if isinstance(small.names, cst.ImportStar):
            return
        package = resolver.modules.by_name(source)
        for alias in small.names:
            name = dotted_name(alias.name)
            if package is None or not defines(resolver, package, name):
                yield f"{source}.{name}", True


def defines(resolver: Resolver, package: ParsedModule, name: str) -> bool:
    """Whether ``name`` is a name the package binds itself (not one of its own submodules, which
    its ``__init__.py`` may import by ``from . import name`` too)."""
    scope = resolver.scope(package)
    imported = scope.imported_names.get(name)
    return any(name in table for table in (scope.constants, scope.functions, scope.classes)) or (
        imported is not None and imported[0] != package.dotted)


def refuse_star_imports(resolver: Resolver, dotted: str, module: ParsedModule, small: cst.CSTNode) -> None:
    """A name the package may bind through ``from m import *``: whether it is there cannot be told."""
    parent = resolver.modules.by_name(dotted.rpartition(".")[0])
    if parent is not None and resolver.scope(parent).star_imports:
        raise UnresolvableError(f"imports {dotted}, which is no module of the project and may be a name"
                                f" {parent.dotted} binds through `import *`: import it by its own module",
                                where=f"{module.display}:{module.line_of(small)}")


def refuse_nested_imports(resolver: Resolver, module: ParsedModule, within: str, statement: cst.CSTNode) -> None:
    """An import of one of the package's modules under an ``if``, ``try`` or loop at the top
    level may or may not run: what it registers cannot be told, so the check stops."""
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) or is_type_checking(statement):
        return
    for node in walk(statement):
        if isinstance(node, (cst.Import, cst.ImportFrom)) and any(
                dotted.startswith(within) for dotted, _ in imported_names(resolver, module, node)):
            raise UnresolvableError(
                f"imports a module of {within.rstrip('.')} inside a top-level {type(statement).__name__.lower()}"
                " statement, which the checker does not follow (it may or may not run): import the step modules"
                " at the top level", where=f"{module.display}:{module.line_of(node)}")


def is_type_checking(statement: cst.CSTNode) -> bool:
    """``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``) without ``else``: never runs."""
    return isinstance(statement, cst.If) and statement.orelse is None and isinstance(
        statement.test, (cst.Name, cst.Attribute)) and dotted_name(statement.test).split(".")[-1] == "TYPE_CHECKING"
