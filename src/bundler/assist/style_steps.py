"""``bundler fix`` for paths that are not method lists (issue 19.7): what each registry style
means by "apply step N", written beside the path's own step for the number before (else the
number after), the way the path writes its neighbours.

- a function entry: the call, imported from where the neighbours' functions come from;
- a version chain: the registry's ``if`` block for N, its test on the path's own variable (also
  for a function recording inline block by block beside a registry doing the same: only the
  registry's block for N, with the locals it uses, never its whole function);
- a list of records: an entry shaped like its neighbour, with the neighbour's number replaced;
- decorators: the decorator, numbered like its neighbour's, on the function doing the step (or
  the registry's function carried over, when the path has none);
- a folder of modules: the registry's module under the name the path's template reaches, or,
  where the path imports each step in an ``if``/``elif`` chain, the branch importing it;
- registration by subclassing: the import of the step's module only (subclass_import.py).

Where the step uses names the path does not have, the fix writes nothing and says why: these
styles number a step by its shape (a chain's test, a list's position, a record's or a decorator's
number, a module's name), so a stub that raises would count as the step and pass the check while
running it fails. Only a called method records by its body: fix.py writes stubs there.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap

from bundler.config import Config
from bundler.frozen import frozen
from bundler.model import Finding, Migration, MigrationList

from bundler.assist.fix import Insertion, Plan, bound_names, parsed, place_of_names
from bundler.assist.shapes import whole
from bundler.assist.subclass_import import registered_import

Function = ast.FunctionDef | ast.AsyncFunctionDef


def plan_other_style(config: Config, prefix: str, registry: MigrationList, path: MigrationList, finding: Finding,
                     neighbours: tuple[int | None, int | None], plan: Plan) -> str | None:
    """Plan the fix of one missing number in a path of another style; None when done, else why not."""
    version = finding.version
    assert version is not None
    origins = registry.recorders(version)
    if not origins:
        return (f"no migration of the registry records {version} (a declared head beyond its last step?):"
                " write the step, or correct the head")
    if config.style == "subclasses":  # a class registers when its module is imported: the import is the step
        return registered_import(config, registry, origins[0], path, plan)
    planner = {"version-chain": chain_block, "records": record_entry, "decorators": decorated_step,
               "modules": module_file}.get(config.style)
    if planner is decorated_step and path.name.endswith("__init__.py"):  # what importing the package registers
        return (f"{path.name} registers the steps of the modules it imports: import the module of {origins[0].method}"
                f" ({origins[0].location.file}) there, under its own name")
    near = neighbour(path, neighbours)
    if planner is decorated_step and near is not None and near[0].location in {m.location for m in registry.migrations}:
        planner = listed_function  # the path runs the registry's own functions from a list of its own: never edit the registry
    if planner is None and config.style == "naming" and "." not in path.name:
        planner = listed_function
    if planner is None and ":" not in path.name and "." not in path.name:
        planner = function_call
        if origins[0].method.endswith(" (inline)") and near is not None and near[0].method.endswith(" (inline)"):
            planner = by_position  # both record inside a function: a list run by position, or block by block
    if planner is None:
        return "bundler fix does not write this style's steps yet"
    return planner(config, prefix, origins[0], path, version, neighbours, plan)


def neighbour(path: MigrationList, neighbours: tuple[int | None, int | None]) -> tuple[Migration, bool, int] | None:
    """The path's step for the number before (insert below it), else for the number after (above
    it): (that step, whether below, its number)."""
    for number, below in zip(neighbours, (True, False)):
        if number is not None and path.recorders(number):
            return path.recorders(number)[0], below, number
    return None


def enclosing(tree: ast.AST, line: int, kinds: tuple[type, ...]) -> ast.AST | None:
    """The innermost node of ``kinds`` spanning ``line``."""
    found = [n for n in ast.walk(tree) if isinstance(n, kinds) and n.lineno <= line <= (n.end_lineno or n.lineno)]
    return min(found, key=lambda n: (n.end_lineno or n.lineno) - n.lineno, default=None)


def place(node: ast.AST, below: bool) -> int:
    """The 0-based line a text goes after: below ``node``, or above it."""
    return (node.end_lineno or node.lineno) - 1 if below else node.lineno - 2


def loaded(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def segment(lines: list[str], node: ast.AST) -> str:
    return "".join(lines[node.lineno - 1: node.end_lineno])


def function_call(config: Config, prefix: str, origin: Migration, path: MigrationList, version: int,
                  neighbours: tuple[int | None, int | None], plan: Plan) -> str | None:
    """A function entry: the registry's function called like the neighbour's, imported beside it."""
    near = neighbour(path, neighbours)
    if near is None:
        return f"no step of a neighbouring number in {path.name} to place the call beside"
    migration, below, number = near
    site = migration.call_site or migration.location
    relative, lines, tree = parsed(config, prefix, site.file)
    call = enclosing(tree, site.line, (ast.Expr,))
    if migration.method.endswith(" (inline)"):
        return (f"{path.name} makes its steps inline (a list it runs by position?): add the registry's step"
                f" for {version} to it by hand")
    if call is None or not isinstance(call.value, ast.Call) or not isinstance(call.value.func, ast.Name):
        return f"the call of {migration.method} in {path.name} is not a plain function call"
    name = origin.method.rpartition(".")[2].split(" ")[0]
    arguments = ast.get_source_segment("".join(lines), call.value)
    text = " " * call.col_offset + name + arguments[len(call.value.func.id):] + "\n"
    plan.add(relative, Insertion(place(call, below), 0, text))
    return import_beside(plan, relative, tree, name, call.value.func.id, origin, migration)


def import_beside(plan: Plan, relative: str, tree: ast.Module, name: str, neighbour_name: str, origin: Migration,
                  migration: Migration) -> str | None:
    """``from M import name`` below the import of the neighbour's function (M the neighbour's module,
    or its sibling where the registry's function is defined in another file of the same folder)."""
    if name in bound_names(ast.Module(body=[], type_ignores=[]), tree):
        return None
    source = next((n for n in tree.body if isinstance(n, ast.ImportFrom)
                   and any((a.asname or a.name) == neighbour_name for a in n.names)), None)
    if source is None:
        return f"{neighbour_name} is not imported with from ... import in {relative}: import {name} by hand"
    module = source.module or ""
    ours, theirs = origin.location.file, (migration.inner or migration.location).file
    if ours != theirs and ours.rpartition("/")[0] == theirs.rpartition("/")[0] and "." in module:
        module = f"{module.rpartition('.')[0]}.{ours.rpartition('/')[2].removesuffix('.py')}"
    plan.add(relative, Insertion((source.end_lineno or source.lineno) - 1, 0,
                                 f"from {'.' * source.level}{module} import {name}\n"))
    return None


def listed_function(config: Config, prefix: str, origin: Migration, path: MigrationList, version: int,
                    neighbours: tuple[int | None, int | None], plan: Plan) -> str | None:
    """A list of numbered functions: the registry's function listed beside its neighbour (in the
    list literal, or appended like it), imported as it is."""
    near = neighbour(path, neighbours)
    if near is None:
        return f"no function of a neighbouring number in {path.name} to list the new one beside"
    migration, below, number = near
    relative, lines, tree = parsed(config, prefix, path.location.file)
    listed = migration.method.rpartition(" ")[2]
    name = origin.method.rpartition(" ")[2].rpartition(".")[2]
    container = enclosing(tree, path.location.line, (ast.List, ast.Tuple))
    element = listing(container, listed) if container is not None else None
    appended = None
    if element is None:  # the list is the module's: a literal holding the neighbour, or a statement appending it
        element = next((e for node in tree.body for e in [listing(node, listed)] if e is not None), None)
        appended = next((n for n in tree.body if isinstance(n, ast.Expr) and appends(n.value, listed)), None)
    if appended is not None:
        text = re.sub(rf"\b{listed}\b", name, segment(lines, appended))
        plan.add(relative, Insertion(place(appended, below), 0, text))
    elif element is not None:
        line = lines[element.lineno - 1]
        at = element.end_col_offset if below else element.col_offset
        text = line[:at] + (f", {name}" if below else f"{name}, ") + line[at:]
        plan.add(relative, Insertion(element.lineno - 2, 0, text, replaces=1))
    else:
        return f"{path.name} does not list {listed} by name"
    return import_beside(plan, relative, tree, name, listed, origin, migration)


def listing(node: ast.AST, name: str) -> ast.Name | None:
    """The element naming ``name`` in a list or tuple literal (``node`` itself, or assigned by it)."""
    value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else node
    if not isinstance(value, (ast.List, ast.Tuple)):
        return None
    return next((e for e in value.elts if isinstance(e, ast.Name) and e.id == name), None)


def appends(call: ast.expr, name: str) -> bool:
    """``STEPS.append(name)``."""
    return (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "append"
            and len(call.args) == 1 and isinstance(call.args[0], ast.Name) and call.args[0].id == name)


def chain_block(config: Config, prefix: str, origin: Migration, path: MigrationList, version: int,
                neighbours: tuple[int | None, int | None], plan: Plan) -> str | None:
    """The registry's ``if`` block for the number, testing the path's own variable."""
    near = neighbour(path, neighbours)
    if near is None:
        return f"no block of a neighbouring number in {path.name} to place the block beside"
    migration, below, number = near
    site = migration.call_site or migration.location
    relative, lines, tree = parsed(config, prefix, site.file)
    _, origin_lines, origin_tree = parsed(config, prefix, origin.location.file)
    block = enclosing(origin_tree, origin.location.line, (ast.If,))
    beside = enclosing(tree, site.line, (ast.If,))
    function = enclosing(tree, site.line, (ast.FunctionDef, ast.AsyncFunctionDef))
    if block is None or beside is None or function is None:
        return f"the registry's step for {version} or the path's neighbouring block is not an if block"
    chain = Chain(relative, lines, tree, function)
    return write_block(chain, Chain("", origin_lines, origin_tree, None), block, beside, below, path, version, plan)


def inline_block(config: Config, prefix: str, origin: Migration, path: MigrationList, version: int,
                 neighbours: tuple[int | None, int | None], plan: Plan) -> str | None:
    """A function recording inline, in ``if`` blocks, beside a registry recording inline the same
    way (not a step of its own): only the registry's block applying the number is carried over,
    placed beside the path's block for a neighbouring number."""
    _, origin_lines, origin_tree = parsed(config, prefix, origin.location.file)
    source = enclosing(origin_tree, origin.location.line, (ast.FunctionDef, ast.AsyncFunctionDef))
    block = block_for(source, version) if source is not None else None
    if block is None:
        return (f"the registry applies {version} inside {origin.method.split(' ')[0]} ({origin.location}), in no"
                f" 'if' block of its own that bundler fix can tell apart: write the step for {version} by hand")
    relative, lines, tree = parsed(config, prefix, path.location.file)
    function = enclosing(tree, path.location.line, (ast.FunctionDef, ast.AsyncFunctionDef))
    for number, below in zip(neighbours, (True, False)):
        beside = block_for(function, number) if function is not None and number is not None else None
        if beside is not None:
            return write_block(Chain(relative, lines, tree, function), Chain("", origin_lines, origin_tree, source),
                               block, beside, below, path, version, plan)
    return (f"the registry applies {version} inside {origin.method.split(' ')[0]} ({origin.location}), not in a"
            f" step of its own, and {path.name} has no 'if' block of a neighbouring number to place that block"
            f" beside: write the step for {version} by hand")


@frozen
class Enumerated:
    """``for n, step in enumerate(STEPS[done:], done + 1)``: the list, and how it numbers its items."""

    name: str  # the list's name where the function runs it
    offset: int  # item i records i + offset
    start: ast.expr | None  # the start as written (None: left out)
    lower: ast.expr | None  # the slice's lower bound (None: the whole list)


def enumerated(function: ast.AST) -> Enumerated | None:
    """The one ``enumerate`` over a named list (or its tail) a function loops over, with a start
    that is a number or the slice's lower bound plus a number."""
    found = []
    for node in ast.walk(function):
        call = node.iter if isinstance(node, ast.For) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "enumerate"
                and call.args and len(call.args) <= 2):
            continue
        items, lower = call.args[0], None
        if isinstance(items, ast.Subscript) and isinstance(items.slice, ast.Slice) and items.slice.upper is None \
                and items.slice.step is None and items.slice.lower is not None:
            items, lower = items.value, items.slice.lower
        start = call.args[1] if len(call.args) == 2 else next((k.value for k in call.keywords if k.arg == "start"), None)
        if isinstance(items, ast.Name):
            offset = position_offset(start, lower)
            if offset is not None:
                found.append(Enumerated(items.id, offset, start, lower))
    return found[0] if len(found) == 1 else None


def position_offset(start: ast.expr | None, lower: ast.expr | None) -> int | None:
    """k where item i (of the whole list) records i + k: ``start`` is k (the whole list), or
    the lower bound itself, or the lower bound plus k (its tail)."""
    if lower is None:
        return 0 if start is None else whole(start)
    if start is not None and ast.dump(start) == ast.dump(lower):
        return 0
    if isinstance(start, ast.BinOp) and isinstance(start.op, ast.Add) and ast.dump(start.left) == ast.dump(lower):
        return whole(start.right)
    return None


def listed_in(tree: ast.Module, name: str) -> ast.List | ast.Tuple | str | None:
    """The module's own list literal ``name``, or the module it imports ``name`` from (absolutely)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [name] \
                and isinstance(node.value, (ast.List, ast.Tuple)):
            return node.value
        if isinstance(node, ast.ImportFrom) and not node.level and any(
                (a.asname or a.name) == name and a.name == name for a in node.names):
            return node.module
    return None


def by_position(config: Config, prefix: str, origin: Migration, path: MigrationList, version: int,
                neighbours: tuple[int | None, int | None], plan: Plan) -> str | None:
    """A path running a list of steps by position, as the registry runs its own: numbered from
    another start than the registry's list it runs, the registry's start; its own copy of the
    list, as far as it goes the registry's, the registry's items after it (as they are)."""
    _, origin_lines, origin_tree = parsed(config, prefix, origin.location.file)
    relative, lines, tree = parsed(config, prefix, path.location.file)
    source = enclosing(origin_tree, origin.location.line, (ast.FunctionDef, ast.AsyncFunctionDef))
    function = enclosing(tree, path.location.line, (ast.FunctionDef, ast.AsyncFunctionDef))
    theirs, ours = (enumerated(f) if f is not None else None for f in (source, function))
    if theirs is None or ours is None:
        return inline_block(config, prefix, origin, path, version, neighbours, plan)
    registry_items, path_items = listed_in(origin_tree, theirs.name), listed_in(tree, ours.name)
    module = origin.location.file.removeprefix(prefix).removesuffix(".py").replace("/", ".")
    if path_items == module and ours.name == theirs.name:  # the registry's own list, numbered otherwise
        if ours.offset == theirs.offset or ours.start is None or ours.start.lineno != ours.start.end_lineno:
            return None if ours.offset == theirs.offset else "the start of its enumerate is not on one line: set it by hand"
        written = ast.unparse(ours.lower) if ours.lower is not None else ""
        start = f"{written} + {theirs.offset}" if written and theirs.offset else written or str(theirs.offset)
        line = lines[ours.start.lineno - 1]
        plan.add(relative, Insertion(ours.start.lineno - 2, 0, line[:ours.start.col_offset] + start
                                     + line[ours.start.end_col_offset:], replaces=1))
        plan.notes.append(f"{path.location}: {path.name} numbered {ours.name}'s items from {ours.offset} where"
                          f" {short_name(origin)} numbers them from {theirs.offset}: it numbers them as the registry"
                          " does now")
        return None
    if not isinstance(registry_items, (ast.List, ast.Tuple)) or not isinstance(path_items, (ast.List, ast.Tuple)):
        return (f"{path.name} and {short_name(origin)} run lists by position that bundler fix cannot compare: add"
                f" the registry's step for {version} by hand")
    known, mine = registry_items.elts, path_items.elts
    same = len(mine) <= len(known) and all(ast.dump(a) == ast.dump(b) for a, b in zip(mine, known))
    wanted = version - theirs.offset
    if not same or ours.offset != theirs.offset or not mine or not len(mine) <= wanted < len(known):
        return (f"{ours.name} is not the start of {theirs.name}, numbered alike: add the registry's step for"
                f" {version} to it by hand")
    last = mine[-1]  # every item after the copy's end is a number it lacks: all are carried, in one edit
    items = [ast.get_source_segment("".join(origin_lines), item) or "" for item in known[len(mine):]]
    unknown = set().union(*map(loaded, known[len(mine):])) - bound_names(ast.Module(body=[], type_ignores=[]), tree)
    if unknown or last.lineno != last.end_lineno:
        why = (f"the registry's items after {ours.name}'s end use {', '.join(sorted(unknown))}, which {relative}"
               " does not have") if unknown else f"{ours.name}'s last item spans lines"
        return f"{why}: add the registry's step for {version} by hand"
    line = lines[last.end_lineno - 1]
    text = line[:last.end_col_offset] + "".join(f",\n{' ' * last.col_offset}{item}" for item in items)
    plan.add(relative, Insertion(last.end_lineno - 2, 0, text + line[last.end_col_offset:], replaces=1))
    return None


def short_name(origin: Migration) -> str:
    return origin.method.split(" ")[0]


def block_for(function: ast.AST, version: int) -> ast.If | None:
    """The one ``if`` block of a chain applying ``version``: it tests the version against the
    number (``< N``, ``<= N - 1``, ``== N - 1``) and names N in its body (where it records it)."""
    found = [n for n in ast.walk(function) if isinstance(n, ast.If) and isinstance(n.test, ast.Compare)
             and len(n.test.ops) == 1 and not isinstance(n.test.left, ast.Constant)
             and whole(n.test.comparators[0]) is not None
             and whole(n.test.comparators[0]) + isinstance(n.test.ops[0], (ast.Eq, ast.LtE)) == version
             and isinstance(n.test.ops[0], (ast.Lt, ast.LtE, ast.Eq))
             and any(isinstance(c, ast.expr) and whole(c) == version for statement in n.body for c in ast.walk(statement))]
    return found[0] if len(found) == 1 else None


@frozen
class Chain:
    """A file holding a chain of ``if`` blocks: its path (relative), lines, tree, and the function."""

    relative: str
    lines: list[str]
    tree: ast.Module
    function: Function | None


def write_block(path_chain: Chain, registry_chain: Chain, block: ast.If, beside: ast.If, below: bool,
                path: MigrationList, version: int, plan: Plan) -> str | None:
    """The registry's ``block`` beside the path's ``beside``, its test on the path's variable, and
    the registry function's locals it uses (``folder = data_dir()``) assigned first inside it;
    nothing, and why, where it uses names the path has no way to have."""
    relative, lines, tree, function = path_chain.relative, path_chain.lines, path_chain.tree, path_chain.function
    assert function is not None
    text = textwrap.dedent(segment(registry_chain.lines, block))
    ours, theirs = (chain_variable("".join(x), b.test) for x, b in ((lines, beside), (registry_chain.lines, block)))
    if ours and theirs and ours != theirs:
        first, _, rest = text.partition("\n")
        text = first.replace(theirs, ours, 1) + "\n" + rest
    bound = bound_names(function, tree) | {ours or ""}
    missing = sorted(loaded(ast.parse(textwrap.dedent(text))) - bound)
    assignments, imports, missing = locals_carried(registry_chain, block, missing, bound)
    test = text.partition("\n")[0]
    if missing:  # no stub: a chain's block counts as its step by its test, so one that raises would pass the check
        return (f"the registry's block for {version} uses {', '.join(missing)}, which {path.name} does not have;"
                f" a block that raises would count as the step for {version} (a chain's test numbers its block):"
                " write the block by hand")
    if assignments:
        indent = " " * (block.body[0].col_offset - block.col_offset)
        text = test + "\n" + "".join(indent + line for line in assignments) + text.partition("\n")[2]
    plan.add(relative, Insertion(place(beside, below), 0, textwrap.indent(text, " " * beside.col_offset)))
    for statement in imports:
        if statement not in plan.carried.setdefault(relative, []):
            plan.carried[relative].append(statement)
            plan.add(relative, Insertion(place_of_names(tree), len(plan.carried[relative]) - 10**6, statement))
    return None


def chain_variable(text: str, test: ast.expr) -> str | None:
    """The version a chain's test compares, as written: ``version`` in ``version < 3``, ``3 > version``
    and ``not version >= 3``."""
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
        return None
    side = test.comparators[0] if isinstance(test.left, ast.Constant) else test.left
    return ast.get_source_segment(text, side)


def locals_carried(registry_chain: Chain, block: ast.If, missing: list[str],
                   bound: set[str]) -> tuple[list[str], list[str], list[str]]:
    """(assignments, imports, still missing): the registry function's locals ``missing`` names,
    each bound once, by a plain assignment among its statements before ``block``, of names the
    path has or the registry module imports (by absolute import)."""
    function, lines, tree = registry_chain.function, registry_chain.lines, registry_chain.tree
    if function is None:
        return [], [], missing
    assignments: list[str] = []
    imports: list[str] = []
    still = []
    for name in missing:
        binding = [n for n in ast.walk(function) if isinstance(n, ast.Name) and n.id == name
                   and not isinstance(n.ctx, ast.Load)]
        assignment = next((s for s in function.body if isinstance(s, ast.Assign) and s.end_lineno < block.lineno
                           and len(binding) == 1 and s.targets == binding), None)
        needed = sorted(loaded(assignment.value) - bound) if assignment is not None else [name]
        found = [import_of(tree, needed_name) for needed_name in needed]
        if assignment is None or None in found:
            still.append(name)
            continue
        assignments.append(textwrap.dedent(segment(lines, assignment)))
        imports += [statement for statement in found if statement is not None and statement not in imports]
    return assignments, imports, still


def import_of(tree: ast.Module, name: str) -> str | None:
    """``from M import name`` (or ``import name``) where the registry's module imports ``name``
    absolutely; None otherwise."""
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and not node.level:
            alias = next((a for a in node.names if (a.asname or a.name) == name), None)
            if alias is not None:
                return f"from {node.module} import {alias.name}" + (f" as {name}" if alias.asname else "") + "\n"
        elif isinstance(node, ast.Import) and any((a.asname or a.name) == name for a in node.names):
            alias = next(a for a in node.names if (a.asname or a.name) == name)
            return f"import {alias.name}" + (f" as {name}" if alias.asname else "") + "\n"
    return None


def record_entry(config: Config, prefix: str, origin: Migration, path: MigrationList, version: int,
                 neighbours: tuple[int | None, int | None], plan: Plan) -> str | None:
    """An entry shaped like its neighbour, the neighbour's number replaced by the missing one;
    valid when every name it then uses exists in the path's module."""
    near = neighbour(path, neighbours)
    if near is None:
        return f"no entry of a neighbouring number in {path.name} to shape the new one on"
    migration, below, number = near
    unwritten = unwritten_modules(config, prefix, origin, migration)
    if unwritten:
        return (f"{origin.method} ({origin.location}) names {', '.join(unwritten)}, which"
                f" {'is' if len(unwritten) == 1 else 'are'} not a module beside {migration.location.file}: write"
                f" {'it' if len(unwritten) == 1 else 'them'} by hand (bundler fix writes no migration nobody wrote;"
                " no stub: a module the list names counts as its step while it raises)")
    relative, lines, tree = parsed(config, prefix, path.location.file)
    container = enclosing(tree, path.location.line, (ast.List, ast.Tuple, ast.Dict))
    if container is None:
        return f"{path.name} is not a literal list, tuple or dict"
    items = list(zip(container.keys, container.values)) if isinstance(container, ast.Dict) else [
        (None, item) for item in container.elts]
    shaped = next(((key, value) for key, value in items if re.search(rf"\b{number}\b", segment(lines, key or value))),
                  None)
    if shaped is None:
        return f"no entry of {path.name} names {number} to shape the new one on"
    key, value = shaped
    first = key or value
    text = "".join(lines[first.lineno - 1: value.end_lineno]).rstrip().rstrip(",")
    entry = re.sub(rf"\b{number}\b", str(version), text[first.col_offset:])
    if len(re.findall(rf"\b{number}\b", text)) < 2:  # only the number changes: it would be the neighbour's step again
        statements = sql_of(config, prefix, origin)
        if statements is None or not (isinstance(value, ast.List) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts)):
            return (f"an entry shaped like the one for {number} would repeat its step under {version}, and"
                    f" {origin.method} is not plain SQL to list: write the entry by hand")
        listed = "[" + ", ".join(json.dumps(sql) for sql in statements) + "]"
        entry = f"{version}: {listed}" if key is not None else listed
    unknown = sorted(loaded(ast.parse((entry.partition(":")[2] if key else entry).strip(), mode="eval"))
                     - bound_names(ast.Module(body=[], type_ignores=[]), tree))
    if unknown:
        return f"an entry shaped like the one for {number} would use {', '.join(unknown)}, which {relative} does not have"
    anchor = value if below else first
    line = (anchor.end_lineno or anchor.lineno) - 1 if below else anchor.lineno - 2
    plan.add(relative, Insertion(line, 0, " " * first.col_offset + entry + ",\n"))
    return None


def unwritten_modules(config: Config, prefix: str, origin: Migration, migration: Migration) -> list[str]:
    """The module names a listing's item holds (``["rename_owner"]``) that name no module of the folder
    its neighbour's step comes from: the step was listed, never written."""
    _, _, tree = parsed(config, prefix, origin.location.file)
    item = enclosing(tree, origin.location.line, (ast.List, ast.Tuple))
    names = [e.value for e in getattr(item, "elts", []) if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if not names or len(names) != len(getattr(item, "elts", [])):
        return []
    folder = config.root / migration.location.file.removeprefix(prefix).rpartition("/")[0]
    return [name for name in names if name.isidentifier()
            and not (folder / f"{name}.py").is_file() and not (folder / name / "__init__.py").is_file()]


def sql_of(config: Config, prefix: str, origin: Migration) -> list[str] | None:
    """The SQL of a registry step that only executes literal statements (``db.execute("ALTER ...")``)."""
    _, _, tree = parsed(config, prefix, origin.location.file)
    name = origin.method.rpartition(" ")[2].rpartition(".")[2]
    step = next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name), None)
    if step is None:
        return None
    calls = [s.value for s in step.body if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)]
    if len(calls) != len(step.body) or not all(
            isinstance(c.func, ast.Attribute) and c.func.attr == "execute" and len(c.args) == 1
            and isinstance(c.args[0], ast.Constant) and isinstance(c.args[0].value, str) for c in calls):
        return None
    return [c.args[0].value for c in calls]


def decorated_step(config: Config, prefix: str, origin: Migration, path: MigrationList, version: int,
                   neighbours: tuple[int | None, int | None], plan: Plan) -> str | None:
    """The neighbour's decorator, numbered for the missing step, on the path's function doing it
    (named for the number, or doing what the registry's does); else the registry's function."""
    near = neighbour(path, neighbours)
    if near is None:
        return f"no decorated step of a neighbouring number in {path.name} to number the new one like"
    migration, _, number = near
    relative, lines, tree = parsed(config, prefix, migration.location.file)
    functions = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    model = next((n for n in functions if n.lineno <= migration.location.line <= n.end_lineno and n.decorator_list), None)
    if model is None:
        return f"{migration.method} has no decorator to number the new step like"
    decorator = model.decorator_list[0]
    text = re.sub(rf"\b{number}\b", str(version), segment(lines, decorator).strip())
    decorator_line = " " * model.col_offset + ("" if text.startswith("@") else "@") + text + "\n"
    _, origin_lines, origin_tree = parsed(config, prefix, origin.location.file)
    step = next((n for n in ast.walk(origin_tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and n.lineno <= origin.location.line <= n.end_lineno), None)
    body = segment(origin_lines, step.body[0]) if step is not None else None
    pattern = re.compile(config.styles.name_pattern)
    doing = next((n for n in functions if n is not model and (
        (m := pattern.search(n.name)) and m.groups and m.group(1).isdigit() and int(m.group(1)) == version
        or (body is not None and segment(lines, n.body[0]).strip() == body.strip()))), None)
    if doing is not None:
        top = doing.decorator_list[0].lineno if doing.decorator_list else doing.lineno
        plan.add(relative, Insertion(top - 2, 0, decorator_line))
        return None
    if step is None or loaded(step) - bound_names(step, tree):
        return f"{origin.method} cannot be carried over into {relative}: write the step by hand"
    copied = "".join(origin_lines[step.lineno - 1: step.end_lineno])
    plan.add(relative, Insertion((model.end_lineno or model.lineno) - 1, 0, "\n\n" + decorator_line + copied))
    return None


def module_file(config: Config, prefix: str, origin: Migration, path: MigrationList, version: int,
                neighbours: tuple[int | None, int | None], plan: Plan) -> str | None:
    """The registry's module for the number, under the name the path reaches its neighbour by
    (``db_28.py`` becomes ``db28.py`` beside ``db27.py``)."""
    near = neighbour(path, neighbours)
    if near is None:
        return f"no module of a neighbouring number applied by {path.name} to name the new one like"
    migration, _, number = near
    folder, _, name = migration.location.file.removeprefix(prefix).rpartition("/")
    renamed = re.sub(rf"(?<!\d){number}(?!\d)", str(version), name)
    wanted = f"{folder}/{renamed}" if folder else renamed
    source = origin.location.file.removeprefix(prefix)
    if (config.root / wanted).exists():
        if wanted == source:  # the step is written, the path's chain of imports skips it
            return import_branch(config, prefix, migration, path, version, number, plan)
        return f"{wanted} exists but {path.name} does not apply it: fix it by hand"
    text = (config.root / source).read_text(encoding="utf-8")
    plan.created[wanted] = text
    if source.rpartition("/")[0] == folder:
        plan.removed.append(source)  # the same folder: renamed, so the step is not registered twice
    return None


def import_branch(config: Config, prefix: str, migration: Migration, path: MigrationList, version: int,
                  number: int, plan: Plan) -> str | None:
    """A path importing each step's function in an ``if``/``elif`` chain on the version: the
    neighbour's branch (``elif current == 1: from .up2 import do_migration``) numbered for the
    missing step, as an ``elif`` below it (above it when it is an ``elif`` itself)."""
    relative, lines, tree = parsed(config, prefix, path.location.file)
    stem = migration.location.file.rpartition("/")[2].removesuffix(".py")
    branch = next((n for n in ast.walk(tree) if isinstance(n, ast.If) and n.body and all(
        isinstance(s, ast.ImportFrom) for s in n.body) and any(
        (s.module or "").rpartition(".")[2] == stem for s in n.body if isinstance(s, ast.ImportFrom))), None)
    step = re.compile(rf"(?<!\d){number}(?!\d)")
    test = branch.test if branch is not None else None
    bound = whole(test.comparators[0]) if isinstance(test, ast.Compare) and len(test.ops) == 1 else None
    if branch is None or not isinstance(test, ast.Compare) or not isinstance(test.ops[0], ast.Eq) or bound is None \
            or len(step.findall(stem)) != 1:
        return (f"{path.name} does not import its step for {number} alone in a branch testing the version for"
                f" equality: import the step for {version} by hand")
    below = version > number
    header = lines[branch.lineno - 1]
    if not below and not header[branch.col_offset:].startswith("elif "):
        return f"the branch for {number} opens {path.name}'s chain: put the one for {version} before it by hand"
    value = bound + version - number
    if any(isinstance(n, ast.If) and isinstance(n.test, ast.Compare) and any(whole(c) == value for c in n.test.comparators)
           for n in ast.walk(tree)):
        return f"{path.name} tests the version against {value} already: add the step for {version} there by hand"
    right = test.comparators[0]
    text = (header[:branch.col_offset] + "elif " + header[test.col_offset: right.col_offset] + str(value)
            + header[right.end_col_offset:] + step.sub(str(version), "".join(lines[branch.body[0].lineno - 1: branch.body[-1].end_lineno])))
    plan.add(relative, Insertion((branch.body[-1].end_lineno or branch.lineno) - 1 if below else branch.lineno - 2, 0,
                                 text))
    return None
