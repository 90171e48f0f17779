"""The shapes of migration code ``bundler init`` recognises, read with the standard library's ast:
pure functions from parsed modules to what they hold (issue 19.4).

Each reading says where a registry's numbers come from (numbered names, folders of numbered
modules, version chains, lists of steps, decorators, a declared head) and which functions apply
it. They propose; the check that runs afterwards proves.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator

from bundler.frozen import frozen

TABLE_INSERT = re.compile(r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?|REPLACE\s+)INTO\s+[\"`\[]?(\w+)[\"`\]]?\s*\(\s*[\"`\[]?(\w*version\w*)",
                          re.IGNORECASE)
# A version kept as a key/value row: INSERT INTO metadata VALUES('db_version', '2'), or
# UPDATE metadata SET value='2' WHERE key='db_version' (the table, then the row's key).
KEY_VALUE = re.compile(r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE)\s+[\"`\[]?(\w+)[\"`\]]?\b[^;]*?'(\w*version)'",
                       re.IGNORECASE | re.DOTALL)
ADDED_COLUMN = re.compile(r"\bALTER\s+TABLE\s+[\"`\[]?(\w+)[\"`\]]?\s+ADD\s+(?:COLUMN\s+)?[\"`\[]?(\w+)", re.IGNORECASE)
CREATED_TABLE = re.compile(r"\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"`\[]?(\w+)[\"`\]]?\s*\(", re.IGNORECASE)
KEY_VALUE_TABLE = re.compile(r"\bINTO\s+[\"`\[]?(\w+)[\"`\]]?\s*\(\s*[\"`\[]?\w+[\"`\]]?\s*,\s*[\"`\[]?\w+[\"`\]]?\s*\)",
                             re.IGNORECASE)  # INSERT INTO settings(name, value): two columns, a key and its value
VERSION_KEY = re.compile(r"^\w*version$", re.IGNORECASE)
SETTER = re.compile(r"^_?(?:set|write|put|store|save)_?(\w+)$", re.IGNORECASE)
# A table named like a version holds it, whatever its column: INSERT INTO version VALUES (?), UPDATE version SET number = ?
VERSION_TABLE = re.compile(r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE)\s+[\"`\[]?(\w*version\w*)[\"`\]]?\s*(?:\([^)]*\)\s*)?(?:VALUES|SET)\b",
                           re.IGNORECASE)
USER_VERSION = re.compile(r"\bPRAGMA\s+user_version\s*=", re.IGNORECASE)
REGISTRY_NAMES = re.compile(r"migrat|runner|upgrad|updat|regist|schema|convert", re.IGNORECASE)
HEAD_NAME = re.compile(r"(?:version|revision)$", re.IGNORECASE)
HEAD_WORDS = re.compile(r"current|final|latest|max|head|schema|db|database|migration", re.IGNORECASE)
NOT_HEAD_WORDS = re.compile(r"min|old|supported|app|python|api|protocol", re.IGNORECASE)
NUMBERED = re.compile(r"^(\D*)(\d+)(.*)$")
TO_FORM = re.compile(r"^(_?to_?v?)(\d+)$")  # migrate_1to2, upgrade_v26_to_v27: the step records the second
Function = ast.FunctionDef | ast.AsyncFunctionDef
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@frozen
class Source:
    relative: str  # the file, relative to the project folder
    tree: ast.Module


@frozen
class Callable:
    spec: str  # file.py:Class.method or file.py:function
    node: Function
    source: Source
    owner: str  # file.py:Class or file.py

    @property
    def name(self) -> str:
        return self.node.name


@frozen
class Numbered:
    """Names that carry a step's number the same way: ``upgrade_version_3``, ``migrate_1to2``."""

    key: str  # the shared prefix, leading underscores left off
    members: tuple[tuple[str, int], ...]  # (name, the number its step records)
    pattern: str  # the name-pattern (or, with a suffix, module-pattern) that reads the number

    @property
    def names(self) -> set[str]:
        return {name for name, _ in self.members}

    @property
    def numbers(self) -> list[int]:
        return sorted(number for _, number in self.members)


def callables_in(source: Source) -> Iterator[Callable]:
    """Module-level functions and the methods of module-level classes."""
    for node in source.tree.body:
        if isinstance(node, FUNCTIONS):
            yield Callable(f"{source.relative}:{node.name}", node, source, source.relative)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, FUNCTIONS):
                    yield Callable(f"{source.relative}:{node.name}.{item.name}", item, source,
                                   f"{source.relative}:{node.name}")


def strings_in(node: ast.AST) -> str:
    return "\n".join(n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str))


def records(text: str) -> bool:
    return bool(TABLE_INSERT.search(text) or USER_VERSION.search(text) or KEY_VALUE.search(text)
                or VERSION_TABLE.search(text))


def referenced(node: ast.AST) -> set[str]:
    """Names and attributes a function uses: calls, bound methods looped over, lists it reads."""
    return {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(node)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) or isinstance(n, ast.Attribute)}


def called_outside_steps(function: Function) -> set[str]:
    """Names a function calls other than inside an ``if`` testing the version against a number:
    ``self.create_db()`` creates the schema, ``self.migrate_to_version_4()`` in ``if version < 4:`` is a step."""
    inside = {id(n) for block in ast.walk(function) if isinstance(block, ast.If) and version_test(block)
              for n in ast.walk(block)}
    return {n.func.id if isinstance(n.func, ast.Name) else n.func.attr for n in ast.walk(function)
            if isinstance(n, ast.Call) and isinstance(n.func, (ast.Name, ast.Attribute)) and id(n) not in inside}


def version_test(block: ast.If) -> bool:
    test = block.test
    return isinstance(test, ast.Compare) and any(whole(side) is not None for side in (test.left, *test.comparators))


def templates(node: ast.AST) -> set[str]:
    """The string texts a function builds names from, with ``{`` where a value goes:
    ``f"upgrade_version_{uv}"``, ``"trac.upgrades.db%i" % version`` (as ``db{``)."""
    found = set()
    for n in ast.walk(node):
        if isinstance(n, ast.JoinedStr):
            found.add("".join(part.value if isinstance(part, ast.Constant) else "{" for part in n.values))
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            found.add(re.sub(r"%[sdi]|\{\d*\}", "{", n.value))
    return found


def numbered_groups(names: Iterable[str], suffix: str = "") -> list[Numbered]:
    """Names grouped by what precedes their number, each group with the pattern reading it
    (``suffix`` is a file name's ending, for module-pattern)."""
    groups: dict[str, list[tuple[str, str, int, str]]] = {}
    for name in names:
        match = NUMBERED.match(name)
        if match and match.group(1).strip("_"):
            groups.setdefault(match.group(1).lstrip("_"), []).append((name, match.group(1), int(match.group(2)),
                                                                      match.group(3)))
    found = []
    for key, items in groups.items():
        if len(items) < 2:
            continue
        to_form = all(TO_FORM.match(rest) for *_, rest in items)
        members = tuple((name, int(TO_FORM.match(rest).group(2)) if to_form else number)
                        for name, _, number, rest in items)
        underscores = {len(prefix) - len(prefix.lstrip("_")) for _, prefix, _, _ in items}
        lead = ("_+" if 0 not in underscores else "_*") if len(underscores) > 1 else "_" * underscores.pop()
        if to_form:
            number = rf"\d+{re.escape(TO_FORM.match(items[0][3]).group(1))}(\d+)"
        else:
            number = r"(\d+)"
        closed = to_form or all(not rest for *_, rest in items)
        found.append(Numbered(key, members, f"^{lead}{re.escape(key)}{number}" + (f"{suffix}$" if closed else "")))
    return sorted(found, key=lambda g: -len(g.members))


def looks_like_steps(group: Numbered, minimum: int = 3) -> bool:
    """Enough of them, or named like migration steps, to be a registry and not a coincidence."""
    return len(group.members) >= minimum or (len(group.members) >= 2 and bool(REGISTRY_NAMES.search(group.key)))


def version_bounds(function: Function) -> list[int]:
    """The numbers ``if`` blocks compare a version with: ``if version < 28:`` (the step to 28),
    ``if version == 27:`` or ``<= 27`` (the step after 27)."""
    bounds = []
    for node in ast.walk(function):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1:
            left, right, op = node.test.left, node.test.comparators[0], node.test.ops[0]
            if isinstance(right, ast.Constant) and type(right.value) is int and not isinstance(left, ast.Constant):
                after = isinstance(op, (ast.Eq, ast.LtE))
                bounds.append(right.value + after)
    return bounds


def recording_constants(body: list[ast.stmt]) -> set[str]:
    """Names a module or class body binds to recording SQL (``RECORD_VERSION_SQL = "INSERT INTO ..."``)."""
    return {target.id for node in body if isinstance(node, ast.Assign) and records(strings_in(node.value))
            for target in node.targets if isinstance(target, ast.Name)}


def recording_lambdas(body: list[ast.stmt]) -> set[str]:
    """Names a module binds to a lambda recording a version (``stamp = lambda conn, v:
    conn.execute(STAMP.format(v))``, its SQL written there or in a recording constant)."""
    constants = recording_constants(body)
    return {target.id for node in body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda)
            and (records(strings_in(node.value)) or any(isinstance(n, ast.Name) and n.id in constants
                                                        for n in ast.walk(node.value)))
            for target in node.targets if isinstance(target, ast.Name)}


def recorders_of(functions: dict[str, Function], constants: set[str], known: Iterable[str] = ()) -> set[str]:
    """Functions whose SQL records a version (written there, or a constant holding it, as ``NAME``
    or ``self.NAME``), and those that call one of them, or one of the ``known`` recorders (a
    recording lambda, imported or not: ``stamp``, ``helpers.stamp``), with a number. A model
    object's version set and saved (``row.version = n; row.save()``) records too."""
    recording = {name for name, function in functions.items() if records(strings_in(function))
                 or saved_model(function) is not None or any(
        (isinstance(n, ast.Name) and n.id in constants) or (isinstance(n, ast.Attribute) and n.attr in constants)
        for n in ast.walk(function))}
    callable_recorders = recording | set(known)
    while True:
        more = {name for name, function in functions.items() if name not in recording
                and any(call in callable_recorders and any(isinstance(a, (ast.Constant, ast.Name)) for a in args)
                        for call, args in calls_with_arguments(function))}
        if not more:
            return recording
        recording |= more
        callable_recorders |= more


def calls_with_arguments(function: Function) -> list[tuple[str, list[ast.expr]]]:
    """``self.name(args)`` and ``name(args)`` calls with their arguments: ``self._record_version(28)``
    (or ``version=28``, or a constant) records a number."""
    found = []
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        target = node.func
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
            found.append((target.attr, [*node.args, *(k.value for k in node.keywords)]))
        elif isinstance(target, ast.Name):
            found.append((target.id, [*node.args, *(k.value for k in node.keywords)]))
        elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):  # helpers.stamp(conn, 1)
            found.append((f"{target.value.id}.{target.attr}", [*node.args, *(k.value for k in node.keywords)]))
    return found


def self_references(function: Function) -> list[str]:
    """``self.name`` references, in order: calls, and bound methods looped over (``for m in (self.m27, ...)``)."""
    return [node.attr for node in ast.walk(function) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "self"]


def module_lists(tree: ast.Module) -> Iterator[tuple[str, ast.expr]]:
    """Module-level ``NAME = [...]`` (or a tuple or dict)."""
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if isinstance(value, (ast.List, ast.Tuple, ast.Dict)) and len(targets) == 1 and isinstance(targets[0], ast.Name):
            yield targets[0].id, value


def whole(node: ast.expr | None) -> int | None:
    return node.value if isinstance(node, ast.Constant) and type(node.value) is int else None


def step_numbers(value: ast.expr) -> tuple[list[int], dict[str, object]]:
    """The numbers a list of step records carries, and the styles options that read them:
    ``[(27, up_27), ...]``; ``[(1, 2, sql), ...]`` (from, to: the step records the second,
    record-element 1); ``[Record(from_version=27, ...)]`` (record-keys); ``{27: [...], ...}``."""
    if isinstance(value, ast.Dict):
        return [n for n in map(whole, value.keys) if n is not None], {}
    numbers, options = [], {}
    for item in value.elts:
        if isinstance(item, ast.Tuple) and item.elts and whole(item.elts[0]) is not None:
            second = whole(item.elts[1]) if len(item.elts) > 2 else None
            if second == whole(item.elts[0]) + 1:
                options["record-element"] = 1
            numbers.append(second if second == whole(item.elts[0]) + 1 else whole(item.elts[0]))
        elif isinstance(item, ast.Call):
            keyed = [(k.arg, whole(k.value)) for k in item.keywords if whole(k.value) is not None]
            positional = whole(item.args[0]) if item.args else None
            if keyed and positional is None:
                if keyed[0][0] != "version":
                    options["record-keys"] = [keyed[0][0]]
                numbers.append(keyed[0][1])
            elif positional is not None:
                numbers.append(positional)
    return numbers, options


def indexed_by_version(function: Function, name: str) -> bool:
    """``NAME[version]`` or ``NAME[old_version:new_version]``, or indexed by a loop over such a
    range: the list's position is the step's number."""
    loops = {node.target.id for node in ast.walk(function) if isinstance(node, ast.For)
             and isinstance(node.target, ast.Name) and any("version" in n.id.lower() for n in ast.walk(node.iter)
                                                           if isinstance(n, ast.Name))}
    for node in ast.walk(function):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name:
            used = {n.id for n in ast.walk(node.slice) if isinstance(n, ast.Name)}
            if any("version" in u.lower() for u in used) or used & loops:
                return True
    return False


def decorators_of(node: Function) -> Iterator[tuple[str, int | None, bool]]:
    """(name, the number its first argument gives or None, whether it is called) per decorator."""
    for decorator in node.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call is not None else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        if name:
            yield name, whole(call.args[0]) if call is not None and call.args else None, call is not None


def heads_in(source: Source) -> Iterator[tuple[str, str, int]]:
    """(spec, name, value) of module and class constants named like a version, holding a whole
    number, and of functions without arguments so named that only return one (a static method
    ``current_revision()``: the check reads what it returns)."""
    def assigned(body: list[ast.stmt], owner: str) -> Iterator[tuple[str, str, int]]:
        for node in body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and whole(node.value) is not None:
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(target, ast.Name) and HEAD_NAME.search(target.id):
                        yield f"{owner}{target.id}", target.id, whole(node.value)
            elif isinstance(node, FUNCTIONS) and HEAD_NAME.search(node.name) and returned(node) is not None:
                yield f"{owner}{node.name}", node.name, returned(node)
    yield from assigned(source.tree.body, f"{source.relative}:")
    for node in source.tree.body:
        if isinstance(node, ast.ClassDef):
            yield from assigned(node.body, f"{source.relative}:{node.name}.")


def returned(function: Function) -> int | None:
    """The whole number a function without arguments (a module function, a static method) only returns."""
    arguments = function.args
    if arguments.args or arguments.posonlyargs or arguments.kwonlyargs or arguments.vararg or arguments.kwarg:
        return None
    body = function.body[1:] if isinstance(function.body[0], ast.Expr) else function.body
    return whole(body[0].value) if len(body) == 1 and isinstance(body[0], ast.Return) else None


def head_rank(name: str, value: int, top: int | None, near: bool) -> tuple:
    """The head is the constant holding the registry's last number, named like a current version, near it."""
    return (value != top, bool(NOT_HEAD_WORDS.search(name)), not near, not HEAD_WORDS.search(name))


def stamps_its_bound(function: Function) -> bool:
    """One ``if`` testing the version whose block records the very number the test names
    (``if version < 1: ... PRAGMA user_version = 1``): a chain of one step, however it is named."""
    for node in ast.walk(function):
        bound = version_bounds(ast.Module(body=[node], type_ignores=[])) if isinstance(node, ast.If) else []
        text = strings_in(ast.Module(body=node.body, type_ignores=[])) if bound else ""
        if bound and records(text) and re.search(rf"(?<![\w.]){bound[0]}(?![\w.])", text):
            return True
    return False


def added_columns(function: Function) -> set[tuple[str, str]]:
    """(table, column) of every ``ALTER TABLE t ADD COLUMN c`` inside the function's version tests: what its steps add."""
    blocks = [node for node in ast.walk(function) if isinstance(node, ast.If) and version_test(node)]
    text = "\n".join(strings_in(ast.Module(body=block.body, type_ignores=[])) for block in blocks)
    return {(table.lower(), column.lower()) for table, column in ADDED_COLUMN.findall(text)}


def creates_with(function: Function, columns: set[tuple[str, str]]) -> bool:
    """It creates a table with a column a step adds: the latest schema, not the first one."""
    text = strings_in(function)
    starts = list(CREATED_TABLE.finditer(text))
    for match, following in zip(starts, [*starts[1:], None]):
        body = text[match.end(): following.start() if following else len(text)].lower()
        if any(table == match.group(1).lower() and re.search(rf"\b{re.escape(column)}\b", body)
               for table, column in columns):
            return True
    return False


def setter_row(sources: Iterable[Source], texts: Iterable[str]) -> tuple[str, str, str] | None:
    """(table, key, the call) where the version is written through a setter given its key as a
    literal (``set_setting(name='version', value=N)``) and a key/value table is named like the
    setter's object (``settings(name, value)``), or as the key parameter of that table's INSERT
    (``execute("INSERT INTO settings(name, value) VALUES(?, ?)", ('version', n))``)."""
    tables = {match.group(1) for text in texts for match in KEY_VALUE_TABLE.finditer(text)}
    for source in sources:
        for node in ast.walk(source.tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Name, ast.Attribute)):
                continue
            sql, parameters = (node.args + [None, None])[:2]
            into = KEY_VALUE_TABLE.search(sql.value) if isinstance(sql, ast.Constant) and isinstance(sql.value, str) \
                else None
            first = parameters.elts[0] if isinstance(parameters, (ast.Tuple, ast.List)) and parameters.elts else None
            if into and isinstance(first, ast.Constant) and isinstance(first.value, str) and VERSION_KEY.match(first.value):
                return into.group(1), first.value, f"INSERT INTO {into.group(1)} with the key {first.value!r}"
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            setter = SETTER.match(name)
            keys = [a.value for a in [*node.args, *(k.value for k in node.keywords)]
                    if isinstance(a, ast.Constant) and isinstance(a.value, str) and VERSION_KEY.match(a.value)]
            table = next((t for t in sorted(tables) if setter and t.lower().rstrip("s") == setter.group(1).lower().rstrip("s")),
                         None)
            if keys and table:
                return table, keys[0], f"{name}(..., {keys[0]!r}, ...)"
    return None


def saved_model(function: Function) -> str | None:
    """The class a function records a version through as an ORM model (peewee, Django):
    ``schema.version = n`` then ``schema.save()``, ``schema`` annotated with its class; the
    class's name, or "" when unannotated; None when it does not."""
    saved = {n.func.value.id for n in ast.walk(function) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr == "save" and isinstance(n.func.value, ast.Name)}
    assigned = {t.value.id for n in ast.walk(function) if isinstance(n, ast.Assign) for t in n.targets
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and HEAD_NAME.search(t.attr)}
    names = saved & assigned
    if not names:
        return None
    annotations = {a.arg: a.annotation for a in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]}
    annotation = annotations.get(sorted(names)[0])
    return annotation.id if isinstance(annotation, ast.Name) else getattr(annotation, "attr", "")


def model_table(sources: Iterable[Source], name: str) -> str | None:
    """The table of a model class of the project: its ``Meta.table_name`` (or ``db_table``), else
    its name in lower case (peewee's default)."""
    for source in sources:
        for node in source.tree.body:
            if isinstance(node, ast.ClassDef) and node.name == name:
                meta = next((n for n in node.body if isinstance(n, ast.ClassDef) and n.name == "Meta"), None)
                named = [n.value.value for n in getattr(meta, "body", []) if isinstance(n, ast.Assign)
                         and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                         and any(isinstance(t, ast.Name) and t.id in ("table_name", "db_table") for t in n.targets)]
                return named[0] if named else name.lower()
    return None
