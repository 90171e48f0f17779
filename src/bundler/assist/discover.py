"""``bundler init``: find the registry and the paths in a project, and the ``[tool.bundler]`` table
that describes them (issue 19.4).

A reading, not a proof: it proposes a configuration from the shape of the code (shapes.py),
says which reading it chose and why, and the check that runs afterwards is what proves it. It
never guesses silently: when nothing records a version it stops and says what it looked for.
The readings are tried in order, the first that finds a registry wins: method lists (the
worker's shape), decorated functions, lists of numbered steps, numbered names, version chains, folders
of numbered modules.
"""

from __future__ import annotations

import ast
import collections.abc
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bundler.assist import shapes
from bundler.assist.shapes import Callable, Source
from bundler.errors import ConfigError
from bundler.frozen import frozen

Referencing = collections.abc.Callable[[shapes.Function], list[str]]  # what a step's body names: self.m, or m
SKIPPED = {"tests", "test", "build", "dist", "venv", "node_modules", "site-packages", "__pycache__", "docs"}


@frozen
class Entry:
    """A registry or a path: its spec, how many steps it applies, and whether it is named like a registry."""

    spec: str  # file.py:Class.method, file.py:function, file.py:LIST, file.py, or a folder
    steps: int
    registry_like: bool


@frozen
class Found:
    """A registry one reading found, with the paths that apply it."""

    style: str
    registry: Entry
    paths: list[Entry]
    why: str  # what the registry is: "holds 12 methods named upgrade_version_N"
    numbers: list[int]
    styles: dict[str, object] = field(default_factory=dict)
    others: list[Entry] = field(default_factory=list)  # registries of the same shape not chosen


@dataclass
class Reading:
    """The configuration init proposes, and why."""

    table: dict[str, object] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    project: Project | None = None  # what it was read from: init reads it again where the check stops


@frozen
class Project:
    root: Path
    sources: list[Source]
    callables: list[Callable]
    files: list[str]  # every file below the root, relative (step modules may be SQL)

    def callers(self, names: set[str], besides: set[str] = frozenset()) -> list[Callable]:
        """Functions that use one of ``names`` (call it, loop over it, read it), other than those."""
        return [c for c in self.callables if c.name not in names and c.spec not in besides
                and shapes.referenced(c.node) & names]


def read_sources(root: Path) -> Project:
    sources, files = [], []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in SKIPPED
                               and not d.endswith(".egg-info"))
        for name in sorted(names):
            relative = (Path(folder) / name).relative_to(root).as_posix()
            files.append(relative)
            if not name.endswith(".py") or name.startswith("test_"):
                continue
            try:
                sources.append(Source(relative, ast.parse((root / relative).read_text(encoding="utf-8"))))
            except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
                continue
    return Project(root, sources, [c for s in sources for c in shapes.callables_in(s)], files)


def named(*parts: str) -> bool:
    return any(shapes.REGISTRY_NAMES.search(part) for part in parts)


# --- method lists (the worker's shape) -------------------------------------------------------


def method_lists(project: Project) -> Found | None:
    """Methods that apply two or more of their class's recording methods (directly, or through a
    grouping helper), and that no other such method of the class calls: the top entries. A
    method that is itself a version chain is no step (it is read as a chain)."""
    entries, dispatching = [], []
    for source in project.sources:
        module_constants = shapes.recording_constants(source.tree.body)
        for node in source.tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            methods = {item.name: item for item in node.body if isinstance(item, shapes.FUNCTIONS)
                       and len(shapes.version_bounds(item)) < 2}  # a chain is read as a chain
            recorders = shapes.recorders_of(methods, module_constants | shapes.recording_constants(node.body))
            steps = {name: steps_of(name, methods, recorders, set()) for name in methods if name not in recorders}
            applying = {name for name, applied in steps.items() if len(applied) >= 2}
            called = {r for name in applying for r in shapes.self_references(methods[name]) if r != name}
            for name in sorted(applying - called, key=list(methods).index):
                entries.append(Entry(f"{source.relative}:{node.name}.{name}", len(steps[name]),
                                     named(source.relative, node.name, name)))
            dispatching += [Entry(f"{source.relative}:{node.name}.{name}", len(reached), False)
                            for name, reached in ((n, templated(methods[n], recorders)) for n in methods)
                            if len(reached) >= 2 and name not in applying]
        # the same shape in functions: a module function applying two or more recording functions
        functions = {c.name: c.node for c in project.callables if c.source is source and c.owner == source.relative
                     and len(shapes.version_bounds(c.node)) < 2}
        recorders = shapes.recorders_of(functions, module_constants)
        steps = {name: steps_of(name, functions, recorders, set(), names_loaded) for name in functions
                 if name not in recorders}
        applying = {name for name, applied in steps.items() if len(applied) >= 2}
        called = {r for name in applying for r in names_loaded(functions[name]) if r != name}
        entries += [Entry(f"{source.relative}:{name}", len(steps[name]), named(source.relative, name))
                    for name in sorted(applying - called, key=list(functions).index)]
    if not entries:
        return None  # a class whose steps are only reached by name is read as numbered names
    registry, paths = rank(entries)
    paths += dispatching  # a path beside the registry reaching its recording methods by a built name
    module, _, entry = registry.spec.partition(":")  # wrappers beside the registry are not paths of their own
    method = entry.rpartition(".")[2]
    delegating = [Entry(c.spec, 0, False) for c in project.callables if c.source.relative != module
                  and method in {n.func.attr for n in ast.walk(c.node) if isinstance(n, ast.Call)
                                 and isinstance(n.func, ast.Attribute)
                                 and not (isinstance(n.func.value, ast.Name) and n.func.value.id == "self")}]
    if "." not in entry:  # a function: what other modules import and call
        delegating = [Entry(c.spec, 0, False) for c in project.callables if c.source.relative != module
                      and method in names_loaded(c.node) and imports_from(c.source, module, {method})]
    paths += [e for e in delegating if e.spec not in {p.spec for p in paths}]
    return Found("methods", registry, paths, f"applies {registry.steps} recording methods", [])


def templated(method: shapes.Function, recorders: set[str]) -> set[str]:
    """The recording methods a method reaches by a name it builds (``getattr(self, f"_convert_version_{v}")``)."""
    stems = {t[:-1] for t in shapes.templates(method) if t.endswith("{") and len(t) > 1 and "{" not in t[:-1]}
    return {r for r in recorders for stem in stems if re.fullmatch(re.escape(stem) + r"\d+", r)}


def names_loaded(function: shapes.Function) -> list[str]:
    """The plain names a function uses (the functions it calls or loops over)."""
    return [n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]


def steps_of(name: str, methods: dict[str, shapes.Function], recorders: set[str], seen: set[str],
             references: Referencing = shapes.self_references) -> set[str]:
    """The recording methods (or functions) ``name`` applies, directly or through the grouping helpers it calls."""
    seen.add(name)
    found = set()
    for reference in references(methods[name]):
        if reference in recorders:
            found.add(reference)
        elif reference in methods and reference not in seen:
            found |= steps_of(reference, methods, recorders, seen, references)
    return found


def rank(entries: list[Entry]) -> tuple[Entry, list[Entry]]:
    """The registry is the entry named like one, else the one applying the most steps; the rest are paths."""
    ranked = sorted(entries, key=lambda e: (not e.registry_like, -e.steps, e.spec.endswith("__init__"), e.spec))
    return ranked[0], ranked[1:]


# --- decorated functions ---------------------------------------------------------------------


def decorated(project: Project) -> Found | None:
    """Functions numbered by a decorator (``@migration(28)``), or marked by one decorator and
    numbered by their names (``@migration`` on ``m001_initial``): the module holding them is the
    registry; several modules of one folder holding one each are, as the folder."""
    by_module: dict[str, dict[str, list[tuple[str, int | None]]]] = {}
    for c in project.callables:
        if c.owner == c.source.relative:
            for name, number, _ in shapes.decorators_of(c.node):
                by_module.setdefault(name, {}).setdefault(c.source.relative, []).append((c.name, number))
    best = None
    for decorator, modules in by_module.items():
        functions = [f for found in modules.values() for f in found]
        numbered = [n for _, n in functions if n is not None]
        groups = [g for g in shapes.numbered_groups(f for f, _ in functions) if shapes.looks_like_steps(g, 2)]
        if len(numbered) < 2 and not (groups and named(decorator)):  # marks steps, not logging or caching
            continue
        group = groups[0] if groups and len(numbered) < 2 else None
        count = len(numbered) if group is None else len(group.members)
        if best is None or count > best[1]:
            best = (decorator, count, modules, group)
    if best is None:
        return None
    decorator, count, modules, group = best
    styles: dict[str, object] = {} if decorator == "migration" else {"decorator": decorator}
    if group is not None:
        styles["name-pattern"] = group.pattern
    numbers = group.numbers if group else sorted(n for found in modules.values() for _, n in found if n is not None)
    how = f"holds {count} functions decorated with @{decorator}" + (f" and numbered by name ({group.pattern})"
                                                                     if group else "")
    holding = [Entry(m, len(found), named(m)) for m, found in modules.items() if len(found) >= 2]
    folders = {m.rpartition("/")[0] for m in modules}
    if not holding and len(folders) == 1:
        folder = folders.pop()
        package = f"{folder}/__init__.py" if folder else "__init__.py"
        registry = Entry(folder, count, named(folder))
        paths = [Entry(package, 0, False)] if package in project.files else []
        return Found("decorators", registry, paths, how, numbers, styles)
    if not holding:
        return None
    registry, paths = rank(holding)
    if not paths:  # one module: the functions that apply what the decorator collects (the app's own
        # runners importing the list, else the module's), else the module itself
        def loops_over(c: Callable) -> set[str]:
            return {n.iter.id for n in ast.walk(c.node) if isinstance(n, ast.For) and isinstance(n.iter, ast.Name)
                    and n.iter.id.isupper()}
        own = [c for c in project.callables if c.source.relative == registry.spec and loops_over(c)]
        lists = {name for c in own for name in loops_over(c)}
        importing = [c for c in project.callables if c.source.relative != registry.spec and loops_over(c) & lists
                     and imports_from(c.source, registry.spec, loops_over(c) & lists)]
        paths = [Entry(c.spec, 0, False) for c in importing or own] or [Entry(registry.spec, registry.steps, False)]
    return Found("decorators", registry, paths, how, numbers, styles)


def imports_from(source: Source, module: str, names: set[str]) -> bool:
    """``from <module> import NAME`` for one of ``names`` (the module given as its file)."""
    dotted = module.removesuffix(".py").replace("/", ".")
    return any(isinstance(n, ast.ImportFrom) and n.module and (dotted == n.module or dotted.endswith("." + n.module))
               and {a.name for a in n.names} & names for n in source.tree.body)


# --- numbered names --------------------------------------------------------------------------


def numbered_names(project: Project) -> Found | None:
    """Methods of one class, or functions of one module, numbered by name (``upgrade_version_3``,
    ``_update_db_9``, ``migrate_1to2``): the class or module is the registry; what calls two or
    more of them, builds their names from a template (``getattr(self, f"upgrade_version_{v}")``),
    or lists them is a path."""
    candidates = []
    owners: dict[str, list[Callable]] = {}
    for c in project.callables:
        owners.setdefault(c.owner, []).append(c)
    for owner, members in owners.items():
        for group in shapes.numbered_groups(c.name for c in members):
            if shapes.looks_like_steps(group):
                candidates.append((owner, group))
    if not candidates:
        return None
    candidates.sort(key=lambda item: (not named(item[0], item[1].key), -len(item[1].members)))
    owner, group = candidates[0]
    paths = [Entry(c.spec, len(shapes.referenced(c.node) & group.names), False)
             for c in project.callables if c.name not in group.names
             and (len(shapes.referenced(c.node) & group.names) >= 2
                  or any(t.lstrip("_").startswith(group.key + "{") for t in shapes.templates(c.node)))]
    relative = owner.partition(":")[0]
    for source in project.sources:
        for name, value in shapes.module_lists(source.tree):
            listed = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)} & group.names
            if len(listed) >= 2 and source.relative == relative:
                paths.append(Entry(f"{source.relative}:{name}", len(listed), False))
                paths += [Entry(c.spec, len(listed), False) for c in project.callers({name})  # what runs a part of it
                          if c.source.relative == relative and c.spec not in {p.spec for p in paths} and any(
                              isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == name
                              for n in ast.walk(c.node))]  # (running it whole, it is the list again)
    registry = Entry(owner, len(group.members), named(owner, group.key))
    return Found("naming", registry, paths, f"holds {len(group.members)} functions named by {group.pattern}",
                 group.numbers, {"name-pattern": group.pattern},
                 [Entry(o, len(g.members), False) for o, g in candidates[1:]])


# --- version chains --------------------------------------------------------------------------


def chains(project: Project) -> Found | None:
    """Functions whose ``if`` blocks test the version (two or more, or one in a function named
    like an upgrade, or one whose block records the number it tests) and that record it, in SQL,
    through a helper given the number (of the module, a base class, or setting and saving a
    model's version): version chains. The functions calling a chain (in its module, through a
    base class, else importing it) are its paths; a chain nothing calls is its own path (the
    check still reads its blocks)."""
    found = []
    for source in project.sources:
        functions = {c.spec: c for c in shapes.callables_in(source)}
        recorders = recorders_by_spec(source, functions, lambdas_reached(project, source) | inherited(project, source))
        for spec, c in functions.items():
            bounds = shapes.version_bounds(c.node)
            if spec in recorders and (len(bounds) >= 2 or (bounds and (named(c.name) or shapes.stamps_its_bound(c.node)))):
                found.append((c, bounds))
    if not found:
        return None
    found.sort(key=lambda item: (-len(item[1]), not named(item[0].spec), item[0].spec))
    chain, bounds = found[0]
    callers = [c for c in project.callers({chain.name}) if c.source.relative == chain.source.relative]
    callers = callers or through_base_class(project, chain) or [  # a module's chain, imported by name elsewhere
        c for c in project.callers({chain.name}) if chain.owner == chain.source.relative
        and imports_from(c.source, chain.source.relative, {chain.name})]
    if creates_fresh(chain, recorders_by_spec(chain.source, {c.spec: c for c in shapes.callables_in(chain.source)},
                                              lambdas_reached(project, chain.source))):
        callers = []  # it creates or upgrades: the whole entry, whoever calls it
    mirrors = [c for c, b in found[1:] if sorted(set(b)) == sorted(set(bounds))]  # the same steps again
    paths = [Entry(c.spec, 0, False) for c in callers] + [Entry(c.spec, len(bounds), False) for c in mirrors]
    return Found("version-chain", Entry(chain.spec, len(bounds), named(chain.spec)),
                 paths or [Entry(chain.spec, len(bounds), False)], f"is a version chain of {len(bounds)} if-blocks",
                 sorted(set(bounds)), others=[Entry(c.spec, len(b), False) for c, b in found[1:] if c not in mirrors])


def inherited(project: Project, source: Source) -> set[str]:
    """The recording methods the module's classes inherit from base classes of the project
    (``self.version(v)``, defined in the base ``SQLiteStorage`` as ``UPDATE version SET number = ?``)."""
    bases = {b.id if isinstance(b, ast.Name) else b.attr for node in source.tree.body if isinstance(node, ast.ClassDef)
             for b in node.bases if isinstance(b, (ast.Name, ast.Attribute))}
    return {c.name for c in project.callables if c.owner.rpartition(":")[2] in bases and c.owner != c.source.relative
            and shapes.records(shapes.strings_in(c.node))}


def through_base_class(project: Project, chain: Callable) -> list[Callable]:
    """A chain method its base class calls (``self._migrate()`` in ``Storage._migrate_storage``,
    called by ``Storage.init``): the methods of the chain's class that call one of the base's
    methods reaching it (``Storage.init(self)``, ``super().init()``) are its paths."""
    klass = next((n for n in chain.source.tree.body if isinstance(n, ast.ClassDef)
                  and chain.owner == f"{chain.source.relative}:{n.name}"), None)
    bases = {b.id if isinstance(b, ast.Name) else b.attr for b in getattr(klass, "bases", [])
             if isinstance(b, (ast.Name, ast.Attribute))}
    inherited = [c for c in project.callables if c.owner.rpartition(":")[2] in bases]
    reaching = {chain.name}
    while True:
        more = {c.name for c in inherited if c.name not in reaching and set(shapes.self_references(c.node)) & reaching}
        if not more:
            break
        reaching |= more
    reaching.discard(chain.name)

    def calls_base(node: ast.AST) -> bool:
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in reaching):
            return False
        owner = node.func.value
        return (isinstance(owner, ast.Name) and owner.id in bases) or (
            isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "super")
    return [c for c in shapes.callables_in(chain.source) if c.owner == chain.owner and c.spec != chain.spec
            and any(calls_base(n) for n in ast.walk(c.node))]


def lambdas_reached(project: Project, source: Source) -> set[str]:
    """The recording lambdas a module can call: its own, those it imports by name (``stamp``), and
    those of a module it imports (``helpers.stamp``), among the project's modules."""
    found = shapes.recording_lambdas(source.tree.body)
    for node in source.tree.body:
        if isinstance(node, ast.ImportFrom):
            imported = imported_source(project, source, node.module or "", node.level)
            lambdas = shapes.recording_lambdas(imported.tree.body) if imported is not None else set()
            found |= {alias.asname or alias.name for alias in node.names if alias.name in lambdas}
        elif isinstance(node, ast.Import):
            for alias in node.names:  # a dotted module without "as" binds its package, not the module
                imported = imported_source(project, source, alias.name, 0)
                if imported is not None and (alias.asname or "." not in alias.name):
                    local = alias.asname or alias.name
                    found |= {f"{local}.{name}" for name in shapes.recording_lambdas(imported.tree.body)}
    return found


def imports_of(project: Project, source: Source) -> list[Source | None]:
    """The project's modules ``source`` imports, anywhere in it (``from trac import db_default``: the module)."""
    found = []
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Import):
            found += [imported_source(project, source, alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            found.append(imported_source(project, source, base, node.level))
            found += [imported_source(project, source, f"{base}.{alias.name}".lstrip("."), node.level)
                      for alias in node.names]
    return found


def imported_source(project: Project, source: Source, module: str, level: int) -> Source | None:
    """The project's module an import names (relative to ``source`` for ``from .x import``)."""
    if level:
        base = source.relative.split("/")[:-level]
        module = ".".join([*base, *([module] if module else [])])
    for candidate in project.sources:
        dotted = candidate.relative.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        if dotted == module or (not level and dotted.endswith("." + module)):
            return candidate
    return None


def creates_fresh(chain: Callable, recorders: set[str]) -> bool:
    """The chain calls a function of its class or module that records a version without steps,
    or that creates a table with a column one of its steps adds (the latest schema, stamped or not)."""
    called = shapes.called_outside_steps(chain.node)
    added = shapes.added_columns(chain.node)
    return any(c.name in called and c.spec != chain.spec and c.owner == chain.owner
               and len(shapes.version_bounds(c.node)) < 2 and not any("ver" in a.arg.lower() for a in c.node.args.args)
               for c in shapes.callables_in(chain.source) if c.spec in recorders or shapes.creates_with(c.node, added))


def recorders_by_spec(source: Source, functions: dict[str, Callable], known: set[str] = frozenset()) -> set[str]:
    """The functions of one module that record a version (per class, so helpers resolve by name),
    ``known`` the recording lambdas it can call."""
    constants = shapes.recording_constants(source.tree.body)
    found = set()
    by_owner: dict[str, dict[str, Callable]] = {}
    for spec, c in functions.items():
        by_owner.setdefault(c.owner, {})[c.name] = c
    for owner, members in by_owner.items():
        body = next((n.body for n in source.tree.body if isinstance(n, ast.ClassDef)
                     and f"{source.relative}:{n.name}" == owner), [])
        names = shapes.recorders_of({n: c.node for n, c in members.items()}, constants | shapes.recording_constants(body),
                                    known)
        found |= {members[n].spec for n in names}
    return found


# --- lists of steps --------------------------------------------------------------------------


def step_lists(project: Project) -> Found | None:
    """Module lists named like a registry holding numbered steps (``[(27, up_27), ...]``,
    ``[Record(from_version=27, ...)]``), or steps a function indexes by the version (their
    position is the number): the list is the registry, the functions reading it are its paths
    (through their callers, when a reader is a helper given the version)."""
    found = []
    for source in project.sources:
        for name, value in shapes.module_lists(source.tree):
            numbers, styles = shapes.step_numbers(value)
            readers = [c for c in project.callers({name}) if c.source.relative == source.relative]
            if len(numbers) < 2 and isinstance(value, (ast.List, ast.Tuple)) and len(value.elts) >= 2 and any(
                    shapes.indexed_by_version(c.node, name) for c in readers):
                numbers, styles = list(range(1, len(value.elts) + 1)), {"record-number": "position"}
            if len(numbers) >= 2:
                found.append((Entry(f"{source.relative}:{name}", len(numbers), named(name)), numbers, styles, readers))
    found.sort(key=lambda item: (not item[0].registry_like, -item[0].steps))
    if not found or not found[0][0].registry_like:  # an unnamed list of numbers may be data, not steps
        return None
    registry, numbers, styles, readers = found[0]
    mirrors = [item[0] for item in found[1:] if sorted(item[1]) == sorted(numbers)]  # the same steps again
    paths = unique([Entry(c.spec, 0, False) for r in readers for c in callers_of_helper(project, r)]) + mirrors
    return Found("records", registry, paths, f"lists {registry.steps} numbered steps", numbers, styles,
                 [item[0] for item in found[1:] if item[0] not in mirrors])


# --- folders of numbered modules -------------------------------------------------------------


def module_folders(project: Project) -> Found | None:
    """A folder of modules (or SQL scripts) numbered by file name (``db42.py``,
    ``migrate10to11.py``, ``upgrade-v3.sql``): the folder is the registry; a function that
    imports two or more of them, builds their names from a template, or uses the folder's
    package is a path (through its caller, when it is a helper given the version)."""
    by_folder: dict[tuple[str, str], list[str]] = {}
    for relative in project.files:
        folder, _, name = relative.rpartition("/")
        stem, dot, ending = name.rpartition(".")
        if dot and ending in ("py", "sql"):
            by_folder.setdefault((folder, ending), []).append(stem)
    candidates = [(folder, ending, group) for (folder, ending), stems in by_folder.items()
                  for group in shapes.numbered_groups(stems, rf"\.{ending}") if shapes.looks_like_steps(group)]
    if not candidates:
        return None
    candidates.sort(key=lambda item: (not named(item[0], item[2].key), -len(item[2].members)))
    folder, ending, group = candidates[0]
    package = folder.rpartition("/")[2]
    paths = []
    for c in project.callables:
        imported = {n.module.rpartition(".")[2] for n in ast.walk(c.node) if isinstance(n, ast.ImportFrom) and n.module}
        if (len(imported & group.names) >= 2 or uses_package(c.node, package)
                or any(re.search(rf"(^|[./]){re.escape(group.key)}\{{", t) for t in shapes.templates(c.node))):
            paths += [Entry(p.spec, 0, False) for p in callers_of_helper(project, c)]
    registry = Entry(folder, len(group.members), named(folder, group.key))
    return Found("modules", registry, unique(paths), f"holds {len(group.members)} modules named by {group.pattern}",
                 group.numbers, {"module-pattern": group.pattern})


def uses_package(function: shapes.Function, package: str) -> bool:
    """``migrations.updates[version + 1]`` or ``migrations.run(...)``: the step modules' package, used."""
    return any(isinstance(n, (ast.Subscript, ast.Call)) and isinstance(getattr(n, "value", None) or n.func, ast.Attribute)
               and isinstance((getattr(n, "value", None) or n.func).value, ast.Name)
               and (getattr(n, "value", None) or n.func).value.id == package for n in ast.walk(function))


def callers_of_helper(project: Project, function: Callable) -> list[Callable]:
    """A function given the version (``upgrade(self, version)``) is a helper: its callers in the
    same class or module are the entries; else those of other modules calling it on an object of
    its class (``DatabaseManager(env).upgrade(...)``) or importing it by name (``from .migration
    import migrate``)."""
    arguments = [a.arg for a in function.node.args.args]
    if not any("version" in a.lower() for a in arguments):
        return [function]
    callers = [c for c in project.callers({function.name}) if c.owner == function.owner]
    module, _, klass = function.owner.partition(":")
    elsewhere = [c for c in project.callers({function.name}) if c.source.relative != module and (
        any(constructed_then_called(n, klass, function.name) for n in ast.walk(c.node)) if klass
        else imports_from(c.source, module, {function.name}))]
    return callers or elsewhere or [function]


def constructed_then_called(node: ast.AST, klass: str, method: str) -> bool:
    """``Klass(...).method(...)``."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method
            and isinstance(node.func.value, ast.Call) and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == klass)


def unique(entries: list[Entry]) -> list[Entry]:
    seen: dict[str, Entry] = {}
    for entry in entries:
        seen.setdefault(entry.spec, entry)
    return list(seen.values())


# --- the whole reading -----------------------------------------------------------------------


READINGS = (method_lists, decorated, step_lists, numbered_names, chains, module_folders)
ORDER = ("methods", "decorators", "records", "naming", "version-chain", "modules")  # the readings' styles


def read_project(root: Path) -> list[Reading]:
    """The tables a careful reader could write for the project in ``root``, the likeliest first
    (in the readings' order); init takes the first the check can verify."""
    project = read_sources(root)
    readings = [f for f in (reading(project) for reading in READINGS) if f is not None]
    found = readings[0] if readings else None
    if found is None:
        raise ConfigError("found no method or function that applies two or more steps recording a version"
                          " (INSERT INTO a version table, or PRAGMA user_version = N), nor steps numbered by"
                          " name, decorator, list or module; write [tool.bundler] by hand (see Registry styles"
                          " in the README)", where=str(root))
    if not found.paths:
        raise ConfigError(f"found one reading of the migrations, {found.registry.spec}, and no other path applying"
                          " them: nothing to compare it with; name the stores by hand (stores = [...])")
    first = reading_of(project, found)
    first.reasons += [f"also possible: style {other.style} with runner {other.registry.spec} ({other.why});"
                      f" not chosen, since {found.style} is read first (the order: {', '.join(ORDER)})"
                      for other in readings[1:] if other.paths]
    return [first, *(reading_of(project, other) for other in readings[1:] if other.paths)]


def reading_of(project: Project, found: Found) -> Reading:
    """The table one reading of the project gives, and why."""
    reading = Reading(project=project)
    if found.style != "methods":
        reading.table["style"] = found.style
        reading.reasons.append(f"style: {found.style}, no class applies its steps as methods")
    say_registry(reading, found)
    fresh = fresh_schema(project, found)
    if fresh:
        reading.table["fresh-stores"] = [c.spec for c in fresh]
        reading.reasons += [f"fresh-stores: {c.spec} " + (
            "records a version without a chain of steps" if shapes.records(shapes.strings_in(c.node)) else
            "creates a table with a column a step of the chain adds (it stamps no version: the check says what"
            " that leaves unrecorded)") + ", called where the migrations are: it creates the latest schema at once"
            for c in fresh]
    if found.styles:
        reading.table["styles"] = found.styles
    version_record(reading, project)
    head(reading, project, found)
    return reading


def say_registry(reading: Reading, found: Found) -> None:
    registry = found.registry
    reading.table["runner"] = registry.spec
    reading.table["stores"] = [entry.spec for entry in found.paths]
    because = "it is named like a registry" if registry.registry_like else "it has the most steps"
    over = [e.spec for e in (found.others or found.paths) if e.spec != registry.spec][:3]
    reading.reasons.append(f"runner: {registry.spec} {found.why}; chosen as the registry because {because}"
                           + (f" (over {', '.join(over)})" if over else ""))
    for entry in found.paths:
        what = ("is the registry's own list, compared with itself" if entry.spec == registry.spec
                else f"applies {entry.steps} recording methods" if entry.steps and found.style == "methods"
                else f"applies {entry.steps} of its steps" if entry.steps else "applies the registry")
        reading.reasons.append(f"stores: {entry.spec} {what}")


def fresh_schema(project: Project, found: Found) -> list[Callable]:
    """Functions beside the registry or a path that record a version without testing one step by
    step, called by a path: they create the latest schema and stamp it. Beside a version chain, one
    creating a table with a column a step of the chain adds is one too, stamping or not (when
    not, the check names what it leaves unrecorded)."""
    file = found.registry.spec.partition(":")[0]
    entries = {found.registry.spec, *(p.spec for p in found.paths)}
    applying = [c for c in project.callables if c.spec in {p.spec for p in found.paths}]
    called = {name for c in applying for name in shapes.called_outside_steps(c.node)}
    chain = next((c for c in project.callables if c.spec == found.registry.spec), None)
    if chain is not None and found.style == "version-chain":  # the chain's own `if version == 0:` creates it
        called |= {n.func.id if isinstance(n.func, ast.Name) else n.func.attr for block in ast.walk(chain.node)
                   if isinstance(block, ast.If) and shapes.version_test(block) and isinstance(block.test.ops[0], ast.Eq)
                   and any(shapes.whole(side) == 0 for side in (block.test.left, *block.test.comparators))
                   for n in ast.walk(block) if isinstance(n, ast.Call) and isinstance(n.func, (ast.Name, ast.Attribute))}
    if found.style == "methods":
        return []
    files = {file, *(p.spec.partition(":")[0] for p in found.paths)}
    functions, recording = {}, set()
    for source in (s for s in project.sources if s.relative in files):
        beside = {c.spec: c for c in shapes.callables_in(source)}
        functions.update(beside)
        recording |= recorders_by_spec(source, beside, lambdas_reached(project, source))
    if chain is not None and found.style == "version-chain":
        added = shapes.added_columns(chain.node)
        recording |= {spec for spec, c in functions.items() if shapes.creates_with(c.node, added)}
    return [c for spec, c in functions.items() if spec in recording and spec not in entries
            and c.name in called and len(shapes.version_bounds(c.node)) < 2
            and not any("ver" in a.arg.lower() for a in c.node.args.args)]  # a record helper is given the version


def version_record(reading: Reading, project: Project) -> None:
    """Where versions are recorded: the table the INSERTs (or key/value rows) name, or user_version
    (stamped in Python or in SQL scripts). Numbered names and decorators carry the numbers
    themselves: what a dispatcher stamps after them is no step's record, so nothing is written. In
    a folder of numbered modules, the key of a key/value row (``version-key``, which makes the
    check read the row's writes as records) comes only from the modules' own writes, for the same
    reason: the dispatcher writing the reached version after them would repeat their numbers. A
    version written through a setter of a key/value table (``set_setting(name='version', value=N)``
    beside ``INSERT INTO settings(name, value)``) is that table's row."""
    if reading.table.get("style") in ("naming", "decorators"):
        return
    folder = f"{reading.table['runner']}/" if reading.table.get("style") == "modules" else ""
    tables: Counter[str] = Counter()
    keys: Counter[tuple[str, str]] = Counter()  # (table, key) of the key/value rows steps write
    texts = [(source.relative, shapes.strings_in(source.tree)) for source in project.sources]
    texts += [(f, (project.root / f).read_text(encoding="utf-8", errors="replace")) for f in project.files
              if f.endswith(".sql")]
    for relative, text in texts:
        tables.update(match.group(1) for pattern in (shapes.TABLE_INSERT, shapes.VERSION_TABLE)
                      for match in pattern.finditer(text))
        rows = [(match.group(1), match.group(2)) for match in shapes.KEY_VALUE.finditer(text)]
        tables.update(table for table, _ in rows)
        keys.update(rows if relative.startswith(folder) else [])
    models = {shapes.saved_model(c.node) for c in project.callables} - {None, ""}
    model_tables = {table for table in (shapes.model_table(project.sources, str(m)) for m in models) if table}
    tables.update(model_tables)
    texts = [text for _, text in texts]
    user_version = any(shapes.USER_VERSION.search(text) for text in texts)
    if tables:
        table, _ = tables.most_common(1)[0]
        if table != "schema_versions":
            reading.table["version-table"] = table
        reading.reasons.append(f"version-table: {table}, the table the INSERTs record versions in"
                               + (" (a model's table: its version is set and saved)" if table in model_tables else ""))
        rows = [(key, count) for (named, key), count in keys.most_common() if named == table]
        if rows:  # a key/value table: the checker reads the value of the version's row only
            reading.table["version-key"] = rows[0][0]
            reading.reasons.append(f"version-key: {rows[0][0]}, the key of the row the version is written in")
    elif setter := shapes.setter_row(project.sources, texts):
        table, key, call = setter
        reading.table.update({"version-table": table, "version-key": key})
        reading.reasons.append(f"version-table: {table}, version-key: {key}: the version is written by {call}, and"
                               f" {table} is a key/value table (its INSERTs name two columns)")
    elif user_version:
        reading.table["version-record"] = "user_version"
        reading.reasons.append("version-record: user_version, since the steps set PRAGMA user_version")


def head(reading: Reading, project: Project, found: Found) -> None:
    """The constant holding the current version: named like one, holding the registry's last
    number, nearest the registry. One holding another number must be in the registry's or a
    path's module, or in a module they import or that imports them: else it is another
    database's head (a project may keep several)."""
    registry_file = found.registry.spec.partition(":")[0]
    top = max(found.numbers, default=None)
    folder = registry_file if not registry_file.endswith(".py") else None  # a folder of steps
    files = {registry_file, *(entry.spec.partition(":")[0] for entry in found.paths)}

    def ours(source: Source) -> bool:  # the registry's or a path's module, one they import, or one importing them
        return source.relative in files or any(
            imported is not None and {s.relative, imported.relative} & files and source.relative in (
                s.relative, imported.relative) for s in project.sources for imported in imports_of(project, s))
    heads = [(spec, name, value) for source in project.sources for spec, name, value in shapes.heads_in(source)
             if (folder is None or not source.relative.startswith(folder + "/"))  # a constant of a step module is the step's
             and (value == top or ours(source))]
    if not heads:
        return
    spec, name, value = min(heads, key=lambda h: shapes.head_rank(h[1], h[2], top, h[0].startswith(registry_file)))
    if shapes.NOT_HEAD_WORDS.search(name) or (value != top and not shapes.HEAD_WORDS.search(name)):
        return
    reading.table["head"] = spec
    holds = "the registry's last number" if value == top else f"not the registry's last number ({top})"
    what = "a function named like the current version, returning" if function_head(project, spec) else \
        "a constant named like the current version, holding"
    reading.reasons.append(f"head: {spec} = {value}, {what} {holds}")


def function_head(project: Project, spec: str) -> bool:
    return any(c.spec == spec for c in project.callables)


def toml_table(table: dict[str, object], name: str = "tool.bundler") -> str:
    """The table as TOML (strings, numbers, lists of them, and sub-tables)."""
    def value(item: object) -> str:
        return "[" + ", ".join(json.dumps(v) for v in item) + "]" if isinstance(item, list) else json.dumps(item)

    plain = "".join(f"{key} = {value(item)}\n" for key, item in table.items() if not isinstance(item, dict))
    nested = "".join(f"\n{toml_table(item, f'{name}.{key}')}" for key, item in table.items() if isinstance(item, dict))
    return f"[{name}]\n{plain}{nested}"


def unconfigured(pyproject: Path) -> str:
    """The text of pyproject.toml ("" when missing); an error when it has a configuration already."""
    text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
    if re.search(r"^\[tool\.bundler(\.|\])", text, re.MULTILINE):
        raise ConfigError("already has a [tool.bundler] table; bundler init --print shows what it would write",
                          where=str(pyproject))
    return text


def write_table(pyproject: Path, table: dict[str, object]) -> None:
    """Append the table to pyproject.toml (created if missing); never replace a configuration."""
    text = unconfigured(pyproject)
    separator = "" if not text else "\n" if text.endswith("\n") else "\n\n"
    try:
        pyproject.write_text(text + separator + toml_table(table), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write: {exc.strerror}", where=str(pyproject)) from None
