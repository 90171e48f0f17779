"""``bundler fix``: write what a ``missing-migration`` finding asks for (issue 19.7).

For each number a method-list path lacks: the call, at the insertion point the finding names
(after the call for the number before it, else before the call for the one after; in the list a
loop over bound methods walks, or after the loop, never inside it), and, when
the path's class has no method recording the number, a mirror beside its neighbours carried over
from the registry's migration (its body and its record), with a docstring saying what it mirrors.
A migration that cannot be carried over safely (it takes arguments, reaches into state or
module names the path's class and module do not have, or is a block inside the registry's
function) becomes a stub that raises, and the fix says so: it records nothing, so the check keeps
naming the number, as running the path would (it stops at the stub). Edits are made on the text, bottom-up, so every line number stays true while applying.
A number written wrong (a same-named method's, a head's) or a call out of order: numbers.py.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from bundler.assist.shapes import records
from bundler.config import Config
from bundler.frozen import frozen
from bundler.model import CheckResult, Code, Finding, Migration, MigrationList, Severity

Function = ast.FunctionDef | ast.AsyncFunctionDef


@frozen
class Insertion:
    after_line: int  # 0-based index of the line the text goes after (-1: the top)
    rank: int  # the registry's order, for several insertions at one place
    text: str
    method: bool = False  # a whole method: set apart from the next one by a blank line
    replaces: int = 0  # how many lines after after_line the text stands for (0: inserted)


@dataclass
class Plan:
    """The edits per file (relative to the project folder), and what could not be done well."""

    insertions: dict[str, list[Insertion]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    carried: dict[str, list[str]] = field(default_factory=dict)  # imports and constants added per file
    created: dict[str, str] = field(default_factory=dict)  # new files (a step module) and their text
    removed: list[str] = field(default_factory=list)  # files a new one replaces (a step module renamed)
    # bound methods written into a list a loop runs: file -> line (0-based) -> (byte column, rank, text)
    listed: dict[str, dict[int, list[tuple[int, int, str]]]] = field(default_factory=dict)

    def add(self, file: str, insertion: Insertion) -> None:
        """Once: two paths missing one number may ask for the same edit (a list and the loop over it)."""
        if insertion not in self.insertions.setdefault(file, []):
            self.insertions[file].append(insertion)


def short(method: str) -> str:
    return method.split(" ")[0].rsplit(".", 1)[-1]


def plan_fixes(config: Config, result: CheckResult) -> Plan:
    """Every edit the findings ask for: the head, calls out of order where that is an error, and
    per source path its wrong numbers, then the steps it still lacks."""
    from bundler.assist.numbers import plan_head, plan_order, renumbered  # they build on this module's Plan
    from bundler.assist.unlisted import plan_unlisted
    from bundler.findings.verify import missing

    plan = Plan()
    prefix = config.display_prefix
    wanted = [f for f in result.findings if f.code is Code.MISSING_MIGRATION and f.version is not None]
    if any(f.code is Code.UNLISTED_STEP for f in result.findings):
        plan_unlisted(config, result, plan)  # listed as the next items, the head raised with them
    elif any(f.path is None for f in wanted) or any(f.code is Code.UNKNOWN_VERSION and f.path is None
                                                    for f in result.findings):
        plan_head(config, result, plan)  # the registry's own findings: its head disagrees with its steps
    for finding in result.findings:
        if finding.code is Code.OUT_OF_ORDER and finding.severity is Severity.ERROR and finding.version is not None:
            path = next((p for p in result.paths if p.name == finding.path and p.origin == "source"), None)
            why = plan_order(config, result.registry, path, finding.version, plan) if path else "not a source path"
            if why:
                plan.notes.append(f"{finding.location}: version {finding.version}: {why}")
    for name in dict.fromkeys(f.path for f in wanted if f.path is not None):
        path = next((p for p in result.paths if p.name == name and p.origin == "source"), None)
        ours = [f for f in wanted if f.path == name]
        if path is None or not path.location.file.endswith(".py"):
            what = "Python only" if path is not None else "source paths only"
            plan.notes += [f"{f.location}: version {f.version}: bundler fix writes {what}; fix this one by hand"
                           for f in ours]
            continue
        if any(m.fresh for m in path.migrations):
            plan_stamp(config, prefix, result.registry, path, plan)
            continue
        if config.style in ("methods", "naming") and "." in path.name and ":" not in path.name:
            amended, left = renumbered(config, result.registry, path, plan)
            if amended != path:  # what the path lacks once the renumbered methods record their numbers
                ours = [missing(result.registry, amended, v) for v in result.registry.applied()
                        if v not in amended.applied()]
            for finding in ours:
                if finding.version not in left:
                    plan_one(config, prefix, result.registry, amended, finding, plan)
            continue
        for finding in ours:
            plan_step(config, prefix, result.registry, path, finding, plan)
    return plan


def plan_step(config: Config, prefix: str, registry: MigrationList, path: MigrationList, finding: Finding,
              plan: Plan) -> None:
    """A path of another style than a method list: the step written the way it writes its neighbours."""
    from bundler.assist.style_steps import plan_other_style  # it builds on this module's Plan and Insertion

    version = finding.version
    assert version is not None
    before = {file: list(insertions) for file, insertions in plan.insertions.items()}
    why = plan_other_style(config, prefix, registry, path, finding, neighbours(registry, path, version), plan)
    rank = registry.applied().index(version) if version in registry.applied() else 0
    for file, insertions in plan.insertions.items():  # two numbers written at one place: in the registry's order
        plan.insertions[file] = [i if i in before.get(file, ()) or i.rank else replace(i, rank=rank)
                                 for i in insertions]
    if why:
        plan.notes.append(f"{finding.location}: version {version}: {why}")


def plan_stamp(config: Config, prefix: str, registry: MigrationList, path: MigrationList, plan: Plan) -> None:
    """A fresh-schema path stamps a number below the registry's last: the stamp raised to it, and
    a word on what that does not prove (that the fresh schema has every step's change)."""
    stamp = max(path.applied())
    last = max(registry.applied())
    migration = next(m for m in path.migrations if m.fresh)
    site = migration.call_site or migration.location
    relative, lines, tree = parsed(config, prefix, site.file)
    function = min((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and n.lineno <= site.line <= (n.end_lineno or n.lineno)),
                   key=lambda n: (n.end_lineno or n.lineno) - n.lineno, default=None)
    stamps = [n for n in ast.walk(function) if isinstance(n, ast.Expr) and records(
        "".join(lines[n.lineno - 1: n.end_lineno])) and re.search(rf"\b{stamp}\b", "".join(lines[n.lineno - 1: n.end_lineno]))
              ] if function is not None else []
    statement = stamps[0] if len(stamps) == 1 else None
    # the one line of the statement writing the number (a script's ``INSERT ... VALUES ('db_version', '2')``)
    found = [i for i in range(statement.lineno - 1, statement.end_lineno or statement.lineno)
             if records(lines[i]) and len(re.findall(rf"\b{stamp}\b", lines[i])) == 1] if statement else []
    if len(found) != 1:
        plan.notes.append(f"{site}: {path.name} stamps {stamp}, not the registry's last number {last}, in a way"
                          " bundler fix does not rewrite: raise the stamp by hand")
        return
    note = (f"{site}: {path.name}: raised the stamp from {stamp} to {last}; make sure the schema it creates has"
            f" what the steps after {stamp} add (bundler check --runtime compares it)")
    if note not in plan.notes:
        plan.notes.append(note)
    line = lines[found[0]]
    plan.add(relative, Insertion(found[0] - 1, 0, re.sub(rf"\b{stamp}\b", str(last), line), replaces=1))


def neighbours(registry: MigrationList, path: MigrationList, version: int) -> tuple[int | None, int | None]:
    """The numbers the path applies just before and just after ``version``, in the registry's order."""
    order = registry.applied()
    applied = set(path.applied())
    if version not in order:
        return None, None
    before = next((v for v in reversed(order[: order.index(version)]) if v in applied), None)
    after = next((v for v in order[order.index(version) + 1:] if v in applied), None)
    return before, after


def parsed(config: Config, prefix: str, file: str) -> tuple[str, list[str], ast.Module]:
    relative = file.removeprefix(prefix)
    text = (config.root / relative).read_text(encoding="utf-8")
    return relative, text.splitlines(keepends=True), ast.parse(text)


def plan_one(config: Config, prefix: str, registry: MigrationList, path: MigrationList, finding: Finding,
             plan: Plan) -> None:
    version = finding.version
    assert version is not None
    order = registry.applied()
    applied = set(path.applied())
    before, after = neighbours(registry, path, version)
    relative, lines, tree = parsed(config, prefix, path.location.file)
    class_name, entry_name = path.name.split(".")[-2:]
    klass = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name), None)
    entry = method_of(klass, entry_name) if klass is not None else None
    if klass is None or entry is None:
        plan.notes.append(f"{finding.location}: version {version}: {path.name} is not a method of a class in"
                          f" {relative}; fix it by hand")
        return
    origin = registry.recorders(version)[0]
    call_place = place_of_call(klass, anchor_line(klass, path, before), anchor_line(klass, path, after))
    rank = order.index(version)
    if origin.method.endswith(" (inline)"):  # a record inside a larger function: that function is no step
        from bundler.assist.style_steps import inline_block  # it builds on this module's Plan and Insertion

        why = inline_block(config, prefix, origin, path, version, (before, after), plan)
        if why and call_place is not None:  # no block to carry over, but a place for the call: a stub
            name = mirror_name(klass, f"{short(origin.method)}_to_{version}", version)
            line, indent = call_place
            plan.add(relative, Insertion(line, rank, f"{' ' * indent}self.{name}()\n"))
            inline = f"{short(origin.method)} applies {version} inline, not in a step of its own"
            plan.add(relative, Insertion(place_of_method(klass, path, before), rank,
                                         stub_method(klass, name, origin, version, inline), method=True))
            why = (f"{inline} ({origin.location}): wrote {klass.name}.{name} as a stub that raises (it records"
                   f" nothing, so the check still names {version}); write its body")
        if why:
            plan.notes.append(f"{finding.location}: version {version}: {why}")
        return
    uncalled = next((m for m in path.uncalled if version in m.versions), None)
    name = short(uncalled.method) if uncalled is not None else mirror_name(klass, short(origin.method), version)
    dispatched = dispatched_name(klass, path, before, version) or dispatched_name(klass, path, after, version)
    if dispatched is not None and uncalled is None:
        name = dispatched  # the path reaches its steps by a name built from the number: no call to write
    elif (place := place_in_list(klass, path, before, True) or place_in_list(klass, path, after, False)) is not None:
        line, column, text = place
        plan.listed.setdefault(relative, {}).setdefault(line, []).append((column, rank, text.format(name=name)))
    elif call_place is None:
        plan.notes.append(f"{finding.location}: version {version}: no call of a neighbouring number in {path.name}"
                          " to place the call beside; fix it by hand")
        return
    else:
        line, indent = call_place
        plan.add(relative, Insertion(line, rank, f"{' ' * indent}self.{name}()\n"))
    if uncalled is None:
        others = [v for v in origin.versions if v != version and v in applied]
        mirror, note, names = carried_over(config, prefix, origin, version, klass, tree, name, others)
        if note:
            plan.notes.append(f"{finding.location}: version {version}: {note}")
        plan.add(relative, Insertion(place_of_method(klass, path, before), rank, mirror, method=True))
        for statement in names:  # the imports and constants it uses, once per file
            if statement not in plan.carried.setdefault(relative, []):
                plan.carried[relative].append(statement)  # in this order, ahead of every call and method
                plan.add(relative, Insertion(place_of_names(tree), len(plan.carried[relative]) - 10**6, statement))


def dispatched_name(klass: ast.ClassDef, path: MigrationList, number: int | None, version: int) -> str | None:
    """The name under which the path's own lookup finds ``version``'s step once it is defined: a
    name it builds from a number it reads (``getattr(self, f"_convert_version_{v}")``; beyond its
    loop's bounds the check then says to widen them: a call outside a loop run from the number the
    database holds would run on every start); or the neighbour's name with its number replaced,
    when the path looked that very name up and found nothing (``getattr(self, f"step_{n}", None)``
    over known numbers). Else None: nothing would find a method by itself, so the path needs a call."""
    own = [lookup.split(".", 1)[1] for lookup in path.lookups if lookup.split(".", 1)[0] == klass.name]
    built = next((name.format(version=version) for name in own if "{version}" in name), None)
    if built is not None or number is None:
        return built
    method = short(path.recorders(number)[0].method)
    if len(re.findall(rf"(?<!\d){number}(?!\d)", method)) != 1:
        return None
    name = re.sub(rf"(?<!\d){number}(?!\d)", str(version), method)
    return name if name in own else None


def method_of(klass: ast.ClassDef, name: str) -> Function | None:
    return next((n for n in klass.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name),
                None)


def mirror_name(klass: ast.ClassDef, name: str, version: int) -> str:
    """The registry's name, unless the class already uses it (for another number)."""
    return name if method_of(klass, name) is None else f"{name}_{version}"


def neighbour_line(path: MigrationList, version: int | None) -> int | None:
    """The line of the path's call of ``version``, when that call is in the path's own file."""
    if version is None:
        return None
    migration = path.recorders(version)[0]
    site = migration.call_site or migration.location
    return site.line if site.file == path.location.file else None


def anchor_line(klass: ast.ClassDef, path: MigrationList, number: int | None) -> int | None:
    """The line of the path's call of ``number``; where the record is a class attribute's lambda
    (``stamp = lambda self, v: ...``), the one statement of a method calling it with the number."""
    line = neighbour_line(path, number)
    attribute = next((t.id for n in klass.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Lambda)
                      and n.lineno <= (line or 0) <= (n.end_lineno or n.lineno)
                      for t in n.targets if isinstance(t, ast.Name)), None)
    if attribute is None:
        return line
    calls = [n for method in klass.body if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef))
             for n in ast.walk(method) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr == attribute and isinstance(n.func.value, ast.Name) and n.func.value.id == "self"
             and any(isinstance(a, ast.Constant) and a.value == number for a in n.args)]
    return calls[0].lineno if len(calls) == 1 else None


def place_of_call(klass: ast.ClassDef, before: int | None, after: int | None) -> tuple[int, int] | None:
    """(the line the call goes after, its indentation): after the statement calling the number
    before, else before the one calling the number after (in the entry, or a helper it calls).
    Only a statement inside a method's body: a class attribute (a lambda recording the number) is
    no place for a call; and never inside a loop (``for step in steps: step()``), where the call
    would run once per entry: after (or before) the outermost loop holding the neighbour's call."""
    statements = [n for method in klass.body if isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for n in ast.walk(method) if isinstance(n, ast.stmt)
                  and not isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))]
    for line, below in ((before, True), (after, False)):
        if line is None:
            continue
        holding = [s for s in statements if s.lineno <= line <= (s.end_lineno or s.lineno)]
        if holding:
            loops = [s for s in holding if isinstance(s, (ast.For, ast.AsyncFor, ast.While))]
            statement = (max if loops else min)(loops or holding, key=lambda s: (s.end_lineno or s.lineno) - s.lineno)
            end = statement.end_lineno or statement.lineno
            return (end - 1 if below else statement.lineno - 2), statement.col_offset
    return None


def place_in_list(klass: ast.ClassDef, path: MigrationList, number: int | None,
                  below: bool) -> tuple[int, int, str] | None:
    """Where the path runs ``number``'s step from a list of bound methods a loop walks (``for step
    in (self.a, self.c): step()``, or a list bound to a name just for the loop): beside its entry,
    so the new step runs in its place in that order, once. (line, byte column, text with {name})."""
    line = anchor_line(klass, path, number)
    if line is None:
        return None
    method = short(path.recorders(number)[0].method)
    functions = [f for f in klass.body if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and f.lineno <= line <= (f.end_lineno or f.lineno)]
    loops = [n for f in functions for n in ast.walk(f) if isinstance(n, (ast.For, ast.AsyncFor))
             and n.body[0].lineno <= line <= (n.end_lineno or n.lineno)]
    if not loops:
        return None
    loop = min(loops, key=lambda n: (n.end_lineno or n.lineno) - n.lineno)
    items = loop.iter
    if isinstance(items, ast.Call) and isinstance(items.func, ast.Name) and items.func.id == "enumerate" and items.args:
        items = items.args[0]
    if isinstance(items, ast.Name):  # the name's last binding before the loop, used by nothing else until it ends
        name = items.id
        bound = max((n for n in ast.walk(functions[0]) if isinstance(n, ast.Assign) and len(n.targets) == 1
                     and isinstance(n.targets[0], ast.Name) and n.targets[0].id == name and n.lineno < loop.lineno),
                    key=lambda n: n.lineno, default=None)
        uses = [n for n in ast.walk(functions[0]) if isinstance(n, ast.Name) and n.id == name and bound is not None
                and bound.lineno <= n.lineno <= (loop.end_lineno or loop.lineno)]
        items = bound.value if bound is not None and len(uses) == 2 else None
    if not isinstance(items, (ast.List, ast.Tuple)):
        return None
    entries = [e for e in items.elts if isinstance(e, ast.Attribute) and e.attr == method
               and isinstance(e.value, ast.Name) and e.value.id == "self"]
    if len(entries) != 1 or entries[0].lineno != entries[0].end_lineno:
        return None
    entry = entries[0]
    if below:
        return entry.lineno - 1, entry.end_col_offset or 0, ", self.{name}"
    return entry.lineno - 1, entry.col_offset, "self.{name}, "


def place_of_method(klass: ast.ClassDef, path: MigrationList, before: int | None) -> int:
    """After the method that records the number before, when it is this class's; else the class's end."""
    if before is not None:
        neighbour = method_of(klass, short(path.recorders(before)[0].method))
        if neighbour is not None:
            return (neighbour.end_lineno or neighbour.lineno) - 1
    return (klass.end_lineno or klass.lineno) - 1


def carried_over(config: Config, prefix: str, origin: Migration, version: int, klass: ast.ClassDef,
                 module: ast.Module, name: str, others: list[int]) -> tuple[str, str | None, list[str]]:
    """The registry's migration as a method of the path's class (and the module-level imports and
    constants it needs), or a stub that raises and why."""
    _, lines, tree = parsed(config, prefix, origin.location.file)
    source = next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                   and n.lineno == origin.location.line), None)
    indent = " " * (klass.body[0].col_offset if klass.body else klass.col_offset + 4)
    said = f"Mirrors {origin.method} ({origin.location}), which records version {version}"
    owner = next((n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and source in n.body), None)
    helpers = helper_methods(source, owner, klass) if source is not None and owner is not None else []
    renames = connection_renames(owner, klass) if owner is not None else {}
    provided = {helper.name for helper in helpers}
    missing = sorted({name for function in ([source, *helpers] if source is not None else [])
                      for name in unsafe_names(function, klass, module, provided, renames)})
    missing = missing if source is not None else ["its source"]
    statements, missing = module_names(tree, lines, missing)
    reasons = [f"it uses {', '.join(missing)}, which {klass.name} does not have"] if missing else []
    reasons += [f"it also records {v}, which the path applies already" for v in others]
    if reasons:
        why = "; ".join(reasons)
        return stub_method(klass, name, origin, version, why), (
            f"{origin.method} could not be carried over into {klass.name} ({why}): wrote {klass.name}.{name} as a"
            f" stub that raises (it records nothing, so the check still names {version}); write its body"), []
    assert source is not None
    signature = "".join(lines[source.lineno - 1: source.body[0].lineno - 1])
    rest = source.body[1:] if has_docstring(source) else source.body
    body = "".join(lines[rest[0].lineno - 1: source.end_lineno]) if rest else ""
    text = textwrap.dedent(signature + f'{" " * source.body[0].col_offset}"""{said}."""\n' + body)
    renamed = text.replace(f"def {source.name}(", f"def {name}(", 1)
    for helper in helpers:  # the registry's helpers the path's class lacks, as they are
        renamed += "\n" + textwrap.dedent("".join(lines[helper.lineno - 1: helper.end_lineno]))
    for theirs, ours in renames.items():
        renamed = re.sub(rf"\bself\.{theirs}\b", f"self.{ours}", renamed)
    return "\n" + textwrap.indent(renamed, indent), None, statements


def stub_method(klass: ast.ClassDef, name: str, origin: Migration, version: int, why: str) -> str:
    """A method that raises, naming the registry migration it must mirror. It records nothing:
    running the path fails before the number is recorded, so the check keeps naming the number."""
    indent = " " * (klass.body[0].col_offset if klass.body else klass.col_offset + 4)
    inline = origin.method.endswith(" (inline)")
    mirrored = f"the step for {version} inside {short(origin.method)}" if inline else origin.method
    said = f"Mirrors {mirrored} ({origin.location}), which records version {version}"
    return (f"\n{indent}def {name}(self):\n{indent}    \"\"\"{said}. It could not be carried over ({why}):"
            f" write it.\"\"\"\n{indent}    raise NotImplementedError(\"{klass.name}.{name}: the mirror of"
            f" {mirrored}{'' if inline else f' (version {version})'} is not written yet\")\n")


def helper_methods(source: Function, owner: ast.ClassDef, klass: ast.ClassDef) -> list[Function]:
    """The registry class's methods ``source`` calls (to any depth) that the path's class does not
    have: carried over with it (m28 -> _alter, _finish -> _really_finish)."""
    found: list[Function] = []
    queue = [source]
    while queue:
        for called in self_calls(queue.pop(0)):
            helper = method_of(owner, called)
            if helper is not None and helper is not source and helper not in found and method_of(klass, called) is None:
                found.append(helper)
                queue.append(helper)
    return sorted(found, key=lambda helper: helper.lineno)


def self_calls(function: Function) -> list[str]:
    return [n.func.attr for n in ast.walk(function) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and isinstance(n.func.value, ast.Name) and n.func.value.id == "self"]


def connection_renames(owner: ast.ClassDef, klass: ast.ClassDef) -> dict[str, str]:
    """The registry keeps its connection in ``self.conn``, the path's class in ``self.db``: both
    store their constructor's first argument. ``{"conn": "db"}`` then, else nothing."""
    theirs, ours = stored_argument(owner), stored_argument(klass)
    return {theirs: ours} if theirs and ours and theirs != ours else {}


def stored_argument(klass: ast.ClassDef) -> str | None:
    """The attribute the constructor stores its first argument in (``self.conn = conn``)."""
    init = method_of(klass, "__init__")
    if init is None or len(init.args.args) < 2:
        return None
    argument = init.args.args[1].arg
    return next((t.attr for n in ast.walk(init) if isinstance(n, ast.Assign) and isinstance(n.value, ast.Name)
                 and n.value.id == argument for t in n.targets
                 if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"), None)


def module_names(tree: ast.Module, lines: list[str], missing: list[str]) -> tuple[list[str], list[str]]:
    """The registry module's imports and constants (a literal, or an expression of literals and
    such constants) that define ``missing`` module names, as source text in their order; and what
    stays missing (``self.x``, and names bound otherwise)."""
    definitions: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not (isinstance(node, ast.ImportFrom) and node.level):
            definitions.update({(alias.asname or alias.name).split(".")[0]: node for alias in node.names})
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            definitions[node.targets[0].id] = node
    needed: list[ast.stmt] = []
    still = []
    queue = list(missing)
    while queue:
        name = queue.pop(0)
        node = definitions.get(name)
        literal = isinstance(node, ast.Assign) and all(
            isinstance(n, (ast.Constant, ast.Name, ast.BinOp, ast.Add, ast.Load, ast.JoinedStr, ast.FormattedValue,
                           ast.Tuple)) for n in ast.walk(node.value))
        if node is None or not (literal or isinstance(node, (ast.Import, ast.ImportFrom))):
            still.append(name)
            continue
        if node not in needed:
            needed.append(node)
            if isinstance(node, ast.Assign):
                queue += [n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)]
    if still:
        return [], still
    ordered = sorted(needed, key=lambda n: (isinstance(n, ast.Assign), n.lineno))  # imports first
    return ["".join(lines[n.lineno - 1: n.end_lineno]) for n in ordered], []


def place_of_names(tree: ast.Module) -> int:
    """After the module's last top-level import (else its docstring), where added names go."""
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    if imports:
        return (imports[-1].end_lineno or imports[-1].lineno) - 1
    first = tree.body[0] if tree.body else None
    docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    return (first.end_lineno or 1) - 1 if docstring and first is not None else -1


def has_docstring(function: Function) -> bool:
    first = function.body[0]
    return isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)


def unsafe_names(source: Function, klass: ast.ClassDef, module: ast.Module, provided: set[str] = frozenset(),
                 renames: dict[str, str] | None = None) -> Iterator[str]:
    """What the migration (or a helper carried over with it, named in ``provided``) uses that the
    path's class and module do not have: arguments besides self (a helper may take them),
    ``self.x`` never set or defined there (after ``renames``), module names not bound there."""
    arguments = source.args
    if source.name not in provided and (len(arguments.args) + len(arguments.posonlyargs) != 1
                                        or arguments.vararg or arguments.kwonlyargs):
        yield "arguments besides self"
    attributes = {n.name for n in klass.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    attributes |= provided
    attributes |= {t.attr for n in ast.walk(klass) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                   for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                   if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"}
    attributes |= {t.id for n in klass.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    used = {(renames or {}).get(n.attr, n.attr) for n in ast.walk(source) if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name) and n.value.id == "self"}
    yield from (f"self.{name}" for name in sorted(used - attributes))
    loaded = {n.id for n in ast.walk(source) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    yield from sorted(loaded - bound_names(source, module) - {"self"})


def bound_names(function: ast.AST, module: ast.Module) -> set[str]:
    """Names code inside ``function`` may use: builtins, the module's, the function's own."""
    bound = set(dir(builtins)) | {a.arg for a in ast.walk(function) if isinstance(a, ast.arg)}
    bound |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for node in module.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            bound |= {t.id for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
                      if isinstance(t, ast.Name)}
    return bound


def applied_texts(config: Config, plan: Plan) -> dict[str, tuple[str, str]]:
    """file → (its text now, its text with the plan's insertions)."""
    for relative, listed in plan.listed.items():
        lines = (config.root / relative).read_text(encoding="utf-8").splitlines(keepends=True)
        for line, entries in listed.items():
            plan.add(relative, Insertion(line - 1, 0, written_into(lines[line], entries), replaces=1))
    changed = {}
    for relative, insertions in plan.insertions.items():
        old = (config.root / relative).read_text(encoding="utf-8")
        lines = old.splitlines(keepends=True)
        # bottom-up; at one line a method goes below a call (the call ends the method the mirror follows)
        for insertion in sorted(insertions, key=lambda i: (i.after_line, i.method, i.rank), reverse=True):
            follows = lines[insertion.after_line + 1] if insertion.after_line + 1 < len(lines) else "\n"
            apart = "\n" if insertion.method and follows.partition("\n")[0].strip() else ""
            lines[insertion.after_line + 1: insertion.after_line + 1 + insertion.replaces] = [insertion.text + apart]
        changed[relative] = (old, "".join(lines))
    changed.update({relative: ("", text) for relative, text in plan.created.items()})
    changed.update({relative: ((config.root / relative).read_text(encoding="utf-8"), "") for relative in plan.removed})
    return changed


def written_into(line: str, entries: list[tuple[int, int, str]]) -> str:
    """The line with each text at its byte column; several at one column in the registry's order."""
    text = line.encode("utf-8")
    for column in sorted({c for c, _, _ in entries}, reverse=True):
        added = "".join(t for c, _, t in sorted(entries, key=lambda e: e[1]) if c == column)
        text = text[:column] + added.encode("utf-8") + text[column:]
    return text.decode("utf-8")


def unified_diff(config: Config, changed: dict[str, tuple[str, str]]) -> str:
    prefix = config.display_prefix
    return "".join("".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                                f"a/{prefix}{relative}" if old else "/dev/null",
                                                f"b/{prefix}{relative}" if new else "/dev/null"))
                   for relative, (old, new) in sorted(changed.items()))


def write(config: Config, changed: dict[str, tuple[str, str]]) -> None:
    for relative, (old, new) in changed.items():
        if old and not new:
            (config.root / relative).unlink()
        else:
            (config.root / relative).write_text(new, encoding="utf-8")
