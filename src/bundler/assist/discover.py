"""``bundler init``: find the registry and the paths in a project, and the ``[tool.bundler]`` table
that describes them (issue 19.4).

A reading, not a proof: it proposes a configuration from the shape of the code (methods that
record into a version table or ``PRAGMA user_version``, the methods that call several of them,
version chains, a declared head), says which reading it chose and why, and the check that runs
afterwards is what proves it. It never guesses silently: when nothing records a version it
stops and says what it looked for.
"""

from __future__ import annotations

import ast
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bundler.config import StyleOptions
from bundler.errors import ConfigError
from bundler.frontends.python.suggest import tests_a_version

SKIPPED = {"tests", "test", "build", "dist", "venv", "node_modules", "site-packages", "__pycache__", "docs"}
TABLE_INSERT = re.compile(r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?|REPLACE\s+)INTO\s+[\"`\[]?(\w+)[\"`\]]?\s*\(\s*[\"`\[]?(\w*version\w*)",
                          re.IGNORECASE)
USER_VERSION = re.compile(r"\bPRAGMA\s+user_version\s*=", re.IGNORECASE)
REGISTRY_NAMES = re.compile(r"migrat|runner|upgrad|registry|schema", re.IGNORECASE)
HEAD_NAMES = re.compile(r"^(?:\w*_)?(?:SCHEMA|DB|DATABASE|MIGRATION|CURRENT)_?VERSION$", re.IGNORECASE)
Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Entry:
    """A function or method that applies several recording steps."""

    spec: str  # file.py:Class.method or file.py:function
    steps: int  # how many recording steps it applies directly
    registry_like: bool  # its class, function or module is named like a registry


@dataclass
class Reading:
    """The configuration init proposes, and why."""

    table: dict[str, object] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def python_files(root: Path) -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in SKIPPED
                               and not d.endswith(".egg-info"))
        found += [Path(folder) / name for name in sorted(files) if name.endswith(".py") and not name.startswith("test_")]
    return found


def strings_in(node: ast.AST) -> str:
    return "\n".join(n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def self_references(function: Function) -> list[str]:
    """``self.name`` references, in order: calls, and bound methods looped over (``for m in (self.m27, ...)``)."""
    return [node.attr for node in ast.walk(function) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "self"]


def records(text: str) -> bool:
    return bool(TABLE_INSERT.search(text) or USER_VERSION.search(text))


def recording_constants(body: list[ast.stmt]) -> set[str]:
    """Names a module or class body binds to recording SQL (``RECORD_VERSION_SQL = "INSERT INTO ..."``)."""
    return {target.id for node in body if isinstance(node, ast.Assign) and records(strings_in(node.value))
            for target in node.targets if isinstance(target, ast.Name)}


def recorders_of(methods: dict[str, Function], constants: set[str]) -> set[str]:
    """Methods whose SQL records a version (written there, or a constant holding it, as ``NAME``
    or ``self.NAME``), and those that call one of them with a number (a record helper's callers)."""
    recording = {name for name, method in methods.items() if records(strings_in(method)) or any(
        (isinstance(n, ast.Name) and n.id in constants) or (isinstance(n, ast.Attribute) and n.attr in constants)
        for n in ast.walk(method))}
    while True:
        more = {name for name, method in methods.items() if name not in recording
                and any(call in recording and any(isinstance(a, (ast.Constant, ast.Name)) for a in args)
                        for call, args in numbered_self_calls(method))}
        if not more:
            return recording
        recording |= more


def numbered_self_calls(function: Function) -> list[tuple[str, list[ast.expr]]]:
    """``self.name(args)`` calls with their arguments: ``self._record_version(28)`` (or
    ``version=28``, or a constant) records a number."""
    return [(node.func.attr, [*node.args, *(k.value for k in node.keywords)]) for node in ast.walk(function)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "self"]


def entries_in(relative: str, tree: ast.Module) -> list[Entry]:
    """Methods that apply two or more of their class's recording methods (directly, or through
    a grouping helper), and that no other such method of the class calls: the top entries."""
    found = []
    module_constants = recording_constants(tree.body)
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        methods = {item.name: item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
        recorders = recorders_of(methods, module_constants | recording_constants(node.body))
        steps = {name: steps_of(name, methods, recorders, set()) for name in methods if name not in recorders}
        applying = {name for name, applied in steps.items() if len(applied) >= 2}
        called = {r for name in applying for r in self_references(methods[name]) if r != name}
        for name in sorted(applying - called, key=list(methods).index):
            named = any(REGISTRY_NAMES.search(part) for part in (relative, node.name, name))
            found.append(Entry(f"{relative}:{node.name}.{name}", len(steps[name]), named))
    return found


def steps_of(name: str, methods: dict[str, Function], recorders: set[str], seen: set[str]) -> set[str]:
    """The recording methods ``name`` applies, directly or through the grouping helpers it calls."""
    seen.add(name)
    found = set()
    for reference in self_references(methods[name]):
        if reference in recorders:
            found.add(reference)
        elif reference in methods and reference not in seen:
            found |= steps_of(reference, methods, recorders, seen)
    return found


def chains_in(relative: str, tree: ast.Module) -> list[Entry]:
    """Functions and methods whose if-blocks test the version and record it: version chains."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            functions = [(f"{node.name}.{item.name}", item) for item in node.body
                         if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))]
        elif node is tree:
            functions = [(item.name, item) for item in tree.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))]
        else:
            continue
        for name, function in functions:
            if tests_a_version(function) and records(strings_in(function)):
                blocks = sum(isinstance(n, ast.If) for n in ast.walk(function))
                named = any(REGISTRY_NAMES.search(part) for part in (relative, name))
                found.append(Entry(f"{relative}:{name}", blocks, named))
    return found


def decorated_in(tree: ast.Module) -> Counter[str]:
    """How many module-level functions each decorator numbers: ``@migration(28)``,
    ``@registry.migration(version=28)`` (a bare ``@migration`` counts where another use names a number)."""
    numbered: Counter[str] = Counter()
    bare: Counter[str] = Counter()
    for node in tree.body:
        for decorator in getattr(node, "decorator_list", []) if isinstance(node, (ast.FunctionDef,
                                                                                  ast.AsyncFunctionDef)) else []:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call is not None else decorator
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
            arguments = [*call.args, *(k.value for k in call.keywords)] if call is not None else []
            if name and any(isinstance(a, (ast.Constant, ast.Name)) for a in arguments[:1]):
                numbered[name] += 1
            elif name and call is None:
                bare[name] += 1
    return Counter({name: count + bare[name] for name, count in numbered.items()})


def step_lists_in(relative: str, tree: ast.Module) -> list[Entry]:
    """Module-level lists, tuples or dicts of numbered steps: ``[(27, up_27), ...]``,
    ``(Record(from_version=27, ...), ...)``, ``{27: [...], 28: [...]}``."""
    found = []
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)):
            continue
        value = node.value
        if isinstance(value, ast.Dict):
            numbered = sum(isinstance(k, ast.Constant) and type(k.value) is int for k in value.keys)
        elif isinstance(value, (ast.List, ast.Tuple)):
            numbered = sum(bool(first_number(item)) for item in value.elts)
        else:
            continue
        if numbered >= 2:
            name = node.targets[0].id
            found.append(Entry(f"{relative}:{name}", numbered, bool(REGISTRY_NAMES.search(relative + name))))
    return found


def first_number(item: ast.expr) -> bool:
    """A step record carrying a whole number: ``(27, up_27)`` or ``Record(from_version=27, ...)``."""
    if isinstance(item, ast.Tuple) and item.elts:
        return isinstance(item.elts[0], ast.Constant) and type(item.elts[0].value) is int
    if isinstance(item, ast.Call):
        values = [*item.args[:1], *(k.value for k in item.keywords)]
        return any(isinstance(v, ast.Constant) and type(v.value) is int for v in values)
    return False


def heads_in(relative: str, tree: ast.Module) -> list[tuple[str, int]]:
    return [(f"{relative}:{target.id}", node.value.value) for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name) and HEAD_NAMES.match(target.id)
            and isinstance(node.value, ast.Constant) and type(node.value.value) is int]


def read_project(root: Path) -> Reading:
    """The table a careful reader would write for the project in ``root``."""
    entries: list[Entry] = []
    chains: list[Entry] = []
    lists: list[Entry] = []
    decorated: dict[str, Counter[str]] = {}
    heads: list[tuple[str, int]] = []
    calls: list[tuple[str, set[str]]] = []  # every method and function, with the methods it calls on others
    tables: Counter[str] = Counter()
    user_version = False
    for path in python_files(root):
        relative = path.relative_to(root).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
            tree = ast.parse(text)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError):
            continue
        tables.update(match.group(1) for match in TABLE_INSERT.finditer(text))
        user_version = user_version or bool(USER_VERSION.search(text))
        entries += entries_in(relative, tree)
        chains += chains_in(relative, tree)
        lists += step_lists_in(relative, tree)
        decorated[relative] = decorated_in(tree)
        heads += heads_in(relative, tree)
        calls += calls_on_others(relative, tree)
    reading = Reading()
    if entries:
        choose(reading, entries, "methods", "applies {steps} recording methods", calls)
    elif chains:
        reading.table["style"] = "version-chain"
        choose(reading, chains, "version-chain", "is a version chain of {steps} if-blocks")
    elif decorator := most_used(decorated):
        reading.table["style"] = "decorators"
        modules = [Entry(relative, counts[decorator], bool(REGISTRY_NAMES.search(relative)))
                   for relative, counts in decorated.items() if counts[decorator] >= 2]
        choose(reading, modules, "decorators", f"holds {{steps}} functions decorated with @{decorator}")
        if decorator != StyleOptions().decorator:
            reading.table["styles"] = {"decorator": decorator}
    elif lists:
        reading.table["style"] = "records"
        choose(reading, lists, "records", "lists {steps} numbered steps")
    else:
        raise ConfigError("found no method or function that applies two or more steps recording a version"
                          " (INSERT INTO a version table, or PRAGMA user_version = N); write [tool.bundler]"
                          " by hand (see Registry styles in the README)", where=str(root))
    if tables:
        table, _ = tables.most_common(1)[0]
        if table != "schema_versions":
            reading.table["version-table"] = table
        reading.reasons.append(f"version-table: {table}, the table the INSERTs record versions in")
    elif user_version:
        reading.table["version-record"] = "user_version"
        reading.reasons.append("version-record: user_version, since the steps set PRAGMA user_version")
    registry_file = str(reading.table["runner"]).split(":")[0]
    for spec, value in sorted(heads, key=lambda head: not head[0].startswith(registry_file)):
        reading.table["head"] = spec
        reading.reasons.append(f"head: {spec} = {value}, a constant named like the current version")
        break
    return reading


def most_used(decorated: dict[str, Counter[str]]) -> str | None:
    """The decorator numbering the most functions, when two or more modules use it."""
    totals: Counter[str] = Counter()
    for counts in decorated.values():
        totals.update({name: 1 for name, count in counts.items() if count >= 2})
    found = [name for name, modules in totals.most_common() if modules >= 2]
    return found[0] if found else None


def calls_on_others(relative: str, tree: ast.Module) -> list[tuple[str, set[str]]]:
    """Each method (and function) with the names of the methods it calls on objects other than
    ``self``: ``MigrationRunner(self.conn).run_all_migrations()`` delegates to the registry."""
    found = []
    for node in tree.body:
        functions = [(f"{node.name}.{item.name}", item) for item in node.body if isinstance(
            item, (ast.FunctionDef, ast.AsyncFunctionDef))] if isinstance(node, ast.ClassDef) else \
            [(node.name, node)] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
        for name, function in functions:
            called = {n.func.attr for n in ast.walk(function) if isinstance(n, ast.Call)
                      and isinstance(n.func, ast.Attribute)
                      and not (isinstance(n.func.value, ast.Name) and n.func.value.id == "self")}
            found.append((f"{relative}:{name}", called))
    return found


def choose(reading: Reading, candidates: list[Entry], style: str, why: str,
           calls: list[tuple[str, set[str]]] = ()) -> None:
    """The registry is the entry named like one (a runner, a migrations module), else the one
    applying the most steps; every other entry is a path to check against it, and so is every
    method of another module that delegates to the registry (calls its method on an instance)."""
    ranked = sorted(candidates, key=lambda e: (not e.registry_like, -e.steps, e.spec.endswith("__init__"), e.spec))
    registry, paths = ranked[0], ranked[1:]
    method = registry.spec.rpartition(".")[2]
    module = registry.spec.partition(":")[0]  # wrappers beside the registry are not paths of their own
    delegating = [Entry(spec, 0, False) for spec, called in calls if method in called
                  and spec.partition(":")[0] != module]
    paths += [entry for entry in delegating if entry.spec not in {p.spec for p in paths}]
    if not paths:
        raise ConfigError(f"found one reading of the migrations, {registry.spec}, and no other path applying them:"
                          " nothing to compare it with; name the stores by hand (stores = [...])")
    reading.table["runner"] = registry.spec
    reading.table["stores"] = [entry.spec for entry in paths]
    named = "it is named like a registry" if registry.registry_like else "it applies the most steps"
    reading.reasons.append(f"runner: {registry.spec} {why.format(steps=registry.steps)}; chosen as the registry"
                           f" because {named}" + (f" (over {', '.join(e.spec for e in paths)})" if paths else ""))
    reading.reasons += [f"stores: {entry.spec} " + (why.format(steps=entry.steps) if entry.steps else
                                                     f"delegates to the registry ({method})") for entry in paths]
    if style != "methods":
        reading.reasons.insert(0, f"style: {style}, no class applies its steps as methods")


def toml_table(table: dict[str, object], name: str = "tool.bundler") -> str:
    """The table as TOML (strings, lists of strings, and sub-tables of them)."""
    import json

    def value(item: object) -> str:
        return "[" + ", ".join(json.dumps(v) for v in item) + "]" if isinstance(item, list) else json.dumps(item)

    plain = "".join(f"{key} = {value(item)}\n" for key, item in table.items() if not isinstance(item, dict))
    nested = "".join(f"\n{toml_table(item, f'{name}.{key}')}" for key, item in table.items() if isinstance(item, dict))
    return f"[{name}]\n{plain}{nested}"


def write_table(pyproject: Path, table: dict[str, object]) -> None:
    """Append the table to pyproject.toml (created if missing); never replace a configuration."""
    text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else ""
    if re.search(r"^\[tool\.bundler(\.|\])", text, re.MULTILINE):
        raise ConfigError("already has a [tool.bundler] table; bundler init --print shows what it would write",
                          where=str(pyproject))
    separator = "" if not text else "\n" if text.endswith("\n") else "\n\n"
    try:
        pyproject.write_text(text + separator + toml_table(table), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write: {exc.strerror}", where=str(pyproject)) from None
