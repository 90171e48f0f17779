"""``bundler fix`` for a number written wrong, or applied out of order, where the right one is
known (issue 19.7).

- A declared head behind the registry's last step is raised to it (the step is written; the head
  was not bumped with it). A head beyond the last step, with no step between, is lowered to it:
  bundler fix writes no migration nobody wrote, and code that runs up to the head (an updater
  importing ``db44``, a list indexed up to it) fails on every upgrade until the head matches a
  step. Not when a path records the head's number too (a fresh schema stamping it was likely
  built for that step): then, and for a gap below the head, the fix says what to do by hand.
- A path's method named like a registry migration but recording another number (the finding
  ``version-conflict``: "record 25 there instead of 24") gets the registry's number where it
  writes the wrong one as a literal. It already makes that step's change: a mirror would make it
  a second time.
- A path calling a step before one the registry applies first (``out-of-order``, an error where
  configured so) gets the early call moved below the later ones, when each is a one-line
  statement of the same block.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import Path

from bundler.assist.fix import Insertion, Plan, parsed, short
from bundler.config import Config
from bundler.frozen import frozen
from bundler.model import CheckResult, Code, MigrationList


def number_pattern(number: int) -> str:
    """The number as a literal of its own (not part of 240, 2.4 or v24_x)."""
    return rf"(?<![\w.]){number}(?![\w.])"


# Where a style numbers a step by its shape, a stub that raises would be counted as the step.
NO_STUB = {style: f"; no stub: {what} would count as the step while it raises" for style, what in (
    ("version-chain", "a chain's block (its test numbers it)"),
    ("records", "a list's entry (its number or place numbers it)"),
    ("decorators", "a decorated function (its decorator numbers it)"),
    ("modules", "a module (its name numbers it)"))}


@frozen
class HeadValue:
    """Where the declared head's number is written: a plain literal fix can set."""

    relative: str  # the file, relative to the project
    lines: list[str]
    value: ast.Constant
    name: str
    shown: str  # file:line, as messages show it

    def set_to(self, number: int, plan: Plan) -> None:
        line = self.lines[self.value.lineno - 1]
        text = line[:self.value.col_offset] + str(number) + line[self.value.end_col_offset:]
        plan.add(self.relative, Insertion(self.value.lineno - 2, 0, text, replaces=1))


def head_value(config: Config, plan: Plan, wanted: int) -> HeadValue | None:
    """The declared head's literal, or None with a note saying to set it to ``wanted`` by hand."""
    head = config.head
    if head is None:
        return None
    file = Path(head.target) if Path(head.target).is_absolute() else config.root / head.target
    if not file.is_file() or not file.resolve().is_relative_to(config.root.resolve()):
        plan.notes.append(f"the declared head {head.target}: not a file of the project; set it by hand")
        return None
    relative, lines, tree = parsed(config, "", str(file.relative_to(config.root)))
    name = head.method or head.class_name
    owner = tree if not head.method else next(
        (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == head.class_name), None)
    assignment = next((n for n in getattr(owner, "body", []) if isinstance(n, (ast.Assign, ast.AnnAssign))
                       and any(isinstance(t, ast.Name) and t.id == name
                               for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))), None)
    value = getattr(assignment, "value", None)
    shown = f"{config.display_prefix}{relative}:{assignment.lineno if assignment else 1}"
    if not (isinstance(value, ast.Constant) and type(value.value) is int) or value.lineno != value.end_lineno:
        plan.notes.append(f"{shown}: the declared head {name} is not a plain number bundler fix can set; set it"
                          f" to {wanted}, the registry's last step, by hand")
        return None
    return HeadValue(relative, lines, value, name, shown)


def plan_head(config: Config, result: CheckResult, plan: Plan) -> None:
    """The head set to the registry's last step's number, or a note saying why not."""
    registered = result.registry.applied()
    found = head_value(config, plan, max(registered)) if registered else None
    if found is None:
        return
    value, name, shown = found.value, found.name, found.shown
    current, last = value.value, max(registered)
    retired = result.registry.retired  # a retired number's empty entry is no gap
    gaps = [v for v in range(min(registered), min(current, last) + 1) if v not in registered and v not in retired]
    if gaps:
        plan.notes.append(f"{shown}: the registry's steps skip {', '.join(map(str, gaps))} below the head {current}:"
                          " write the missing step, or renumber the steps (before any database recorded them),"
                          f" by hand{NO_STUB.get(config.style, '')}")
        return
    if current == last:
        return
    stamped = [f.path for f in result.findings if f.code is Code.UNKNOWN_VERSION and f.version == current and f.path]
    if current > last and stamped:
        plan.notes.append(f"{shown}: the head {name} is {current}, beyond the last step {last}, and"
                          f" {stamped[0]} records {current} too (a schema made for {current}?): write the step"
                          f" for {current}; bundler fix does not lower the head under it{NO_STUB.get(config.style, '')}")
        return
    found.set_to(last, plan)
    if current > last:
        plan.notes.append(f"{shown}: lowered the head {name} from {current} to {last}, the registry's last step:"
                          f" no step records {current} (bundler fix writes no migration nobody wrote); to add"
                          f" version {current}, write its step, then raise the head")
    else:
        plan.notes.append(f"{shown}: raised the head {name} from {current} to {last}, the registry's last step")


def renumbered(config: Config, registry: MigrationList, path: MigrationList,
               plan: Plan) -> tuple[MigrationList, set[int]]:
    """The path with each method named like a registry migration that records one other number
    (and the path lacks the registry's) recording the registry's number, the literal rewritten
    in the plan; and the numbers such a method records in a way not rewritten (no mirror for them)."""
    prefix = config.display_prefix
    wanted = {short(m.method): m.versions for m in registry.migrations if len(m.versions) == 1}
    applied = set(path.applied())
    migrations = list(path.migrations)
    left: set[int] = set()
    for index, migration in enumerate(migrations):
        expected = wanted.get(short(migration.method))
        if (expected is None or len(migration.versions) != 1 or migration.versions == expected
                or expected[0] in applied or migration.fresh or not migration.location.file.endswith(".py")):
            continue
        wrong, right = migration.versions[0], expected[0]
        relative, lines, tree = parsed(config, prefix, migration.location.file)
        function = next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                         and n.lineno == migration.location.line), None)
        if function is None:
            continue
        body = range(function.body[0].lineno - 1, function.end_lineno or function.lineno)
        where = [i for i in body if re.search(number_pattern(wrong), lines[i])]
        if len(where) != 1 or len(re.findall(number_pattern(wrong), lines[where[0]])) != 1:
            plan.notes.append(f"{migration.location}: {migration.method} records {wrong} where the registry's"
                              f" records {right}, not as one literal bundler fix can rewrite: make it record"
                              f" {right} by hand")
            left.add(right)
            continue
        text = re.sub(number_pattern(wrong), str(right), lines[where[0]])
        plan.add(relative, Insertion(where[0] - 1, 0, text, replaces=1))
        plan.notes.append(f"{migration.location}: {migration.method} recorded {wrong}; it records {right} now,"
                          f" the number of the registry's migration of its name")
        migrations[index] = replace(migration, versions=expected)
        applied.add(right)
    return replace(path, migrations=tuple(migrations)), left


def plan_order(config: Config, registry: MigrationList, path: MigrationList, version: int, plan: Plan) -> str | None:
    """The call applying ``version`` moved below the calls of the numbers the registry applies
    before it; None when planned, else why not."""
    order, applied = registry.applied(), path.applied()
    if version not in order or version not in applied:
        return None
    later = [v for v in applied[applied.index(version) + 1:] if v in order and order.index(v) < order.index(version)]
    if not later or not path.location.file.endswith(".py"):
        return None
    relative, lines, tree = parsed(config, config.display_prefix, path.location.file)
    entry = next((n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and n.lineno == path.location.line), None)
    statements = []
    for number in [version, *later]:
        name = short(path.recorders(number)[0].method)
        calls = [(body, s) for node in (ast.walk(entry) if entry else []) for body in [getattr(node, "body", None)]
                 if isinstance(body, list) for s in body if isinstance(s, ast.Expr) and calling(s.value, name)]
        if len(calls) != 1 or calls[0][1].lineno != calls[0][1].end_lineno or (
                statements and calls[0][0] is not statements[0][0]):
            return f"the calls are not one-line statements of one block of {path.name}: reorder them by hand"
        statements.append(calls[0])
    early, last = statements[0][1], max((s for _, s in statements[1:]), key=lambda s: s.lineno)
    plan.add(relative, Insertion(early.lineno - 2, 0, "", replaces=1))
    plan.add(relative, Insertion(last.lineno - 1, 1, lines[early.lineno - 1]))
    plan.notes.append(f"{config.display_prefix}{relative}:{early.lineno}: {path.name}: moved the call applying"
                      f" {version} below the one applying {later[-1]}, the registry's order")
    return None


def calling(node: ast.expr, name: str) -> bool:
    """``self.name()`` or ``name()``."""
    function = node.func if isinstance(node, ast.Call) else None
    return (isinstance(function, ast.Attribute) and function.attr == name) or (
        isinstance(function, ast.Name) and function.id == name)
