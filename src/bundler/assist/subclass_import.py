"""``bundler fix`` for registration by subclassing (style ``subclasses``): a step class registers
when its module is imported, so a path lacking it lacks an import, not a call. The fix imports
the step's module in the path's entry module, in the form that module already imports a module
of the registry's other steps (``from app.upgrades import notes`` grows ``, search``;
``import app.upgrades.notes`` gets ``import app.upgrades.search`` below it). Constructing or
calling the class there would run the step outside the runner, before the version is read."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from bundler.assist.fix import Insertion, Plan, parsed
from bundler.config import Config
from bundler.model import Migration, MigrationList


def dotted(file: str) -> str:
    """The module a file is imported as, from the project folder (``app/upgrades/notes.py``: ``app.upgrades.notes``)."""
    return str(PurePosixPath(file).with_suffix("")).removesuffix("/__init__").replace("/", ".")


def imported_modules(node: ast.Import | ast.ImportFrom, importer: str) -> list[str]:
    """The dotted modules an import statement may bind: ``from P import m`` binds ``P.m`` (a
    module) or a name of ``P``; relative imports resolved against the importing file's package."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = dotted(importer).split(".")[:-node.level]
        base = ".".join([*package, *([base] if base else [])])
    return [base, *(f"{base}.{alias.name}" if base else alias.name for alias in node.names)]


def same_module(imported: str, wanted: str) -> bool:
    """``wanted`` (from the project folder) is ``imported`` (from wherever the package root is: ``src/app``)."""
    return wanted == imported or wanted.endswith("." + imported)


def registered_import(config: Config, registry: MigrationList, origin: Migration, path: MigrationList,
                      plan: Plan) -> str | None:
    """The import of ``origin``'s module beside the entry module's import of a module holding
    another of the registry's steps, in the same folder; None when planned, else why not."""
    prefix = config.display_prefix
    relative, lines, tree = parsed(config, prefix, path.location.file)
    step_file = origin.location.file.removeprefix(prefix)
    folder, wanted = PurePosixPath(step_file).parent, dotted(step_file)
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    if any(same_module(m, wanted) for n in imports for m in imported_modules(n, relative)):
        return f"{relative} imports {wanted} already, yet {origin.method} does not register: fix it by hand"
    siblings = {dotted(file) for file in (m.location.file.removeprefix(prefix) for m in registry.migrations)
                if PurePosixPath(file).parent == folder and file != step_file}
    for node in imports:
        for module in imported_modules(node, relative):
            if any(same_module(module, sibling) for sibling in siblings):
                write_import(plan, relative, lines, node, module, wanted, origin)
                return None
    return (f"{relative} imports no module of the registry's steps beside {step_file} to import it like:"
            f" import {wanted} there by hand (importing it registers {origin.method})")


def write_import(plan: Plan, relative: str, lines: list[str], node: ast.Import | ast.ImportFrom, module: str,
                 wanted: str, origin: Migration) -> None:
    """``from P import sibling`` on one line grows ``, step``; ``import P.sibling`` and
    ``from P.sibling import Name`` get their twin for the step's module below them."""
    stem = wanted.rpartition(".")[2]
    spelled = f"{module.rpartition('.')[0]}.{stem}".lstrip(".")  # the step's module as this statement spells its sibling
    indent = " " * node.col_offset
    if isinstance(node, ast.ImportFrom) and module != (node.module or "") and node.lineno == node.end_lineno:
        line, last = lines[node.lineno - 1], node.names[-1]
        plan.add(relative, Insertion(node.lineno - 2, 0, line[:last.end_col_offset] + f", {stem}"
                                     + line[last.end_col_offset:], replaces=1))
    elif isinstance(node, ast.ImportFrom) and module != (node.module or ""):
        plan.add(relative, Insertion((node.end_lineno or node.lineno) - 1, 0,
                                     f"{indent}from {'.' * node.level}{node.module or ''} import {stem}\n"))
    elif isinstance(node, ast.Import):
        plan.add(relative, Insertion((node.end_lineno or node.lineno) - 1, 0, f"{indent}import {spelled}\n"))
    else:  # from P.sibling import Name: the step's class imported from its module the same way
        base = f"{(node.module or '').rpartition('.')[0]}.{stem}".lstrip(".")
        plan.add(relative, Insertion((node.end_lineno or node.lineno) - 1, 0,
                                     f"{indent}from {'.' * node.level}{base} import {origin.method}"
                                     "  # noqa: F401  (importing it registers it)\n"))
    plan.notes.append(f"{relative}:{node.lineno}: imported {wanted}, which registers {origin.method} (by subclassing:"
                      " no call to write)")
