"""Property: what the checker says is missing and unknown equals what executing the code records.

Random registries and stores are rendered to Python source from every recognised way of
recording numbers (one or several per method, in every SQL spelling) and of applying a
migration (direct calls, loops, aliases, getattr, super, objects held in attributes, dead code
that applies nothing, loops whose bound stops short of a step or reaches it, lists and dicts
changed in place before they run); store methods may take a registry method's name with other numbers (a
superset or a subset of the registry's), or be defined twice. SQL is spelled every way Python
writes a string (f-strings with escapes and quoted names, raw, implicit concatenation, triple
quotes); numbers pass through ``*args``, ``**kwargs``, keyword-only parameters, lambdas bound in a module or a class, a prepared-statement
layer written in the project and helpers both lists share; calls sit under conditions on
``len``/``isinstance``/``type``/``in`` of known values, in ``match`` statements, module-level
grouping functions, under nested functions' decorators, through a name bound on either branch, after helpers that always raise, in generators consumed or not, and behind
short-circuits, after a check of a setting a start-up function rebinds (``global``), through a class and a
function a module defines in a top-level ``try`` beside an optional import, under an object a class
attribute bound to a class from outside the project makes, after a call of a module-level alias of
``bytes.fromhex``. The truth is obtained by running the generated registry and store against
SQLite and reading ``schema_versions`` (and, for ``duplicate-version`` and ``version-conflict``,
which methods ran). ``BUNDLER_PROPERTY_EXAMPLES`` sets the number of examples
(2,000 in ``make test``). A declared head, when drawn, must leave exactly the numbers between the
lowest registered and the head without a step as missing, and those past it as beyond it.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundler.check import run_check
from bundler.config import load_config

EXAMPLES = int(os.environ.get("BUNDLER_PROPERTY_EXAMPLES", "2000"))
MODULES = ("versions", "dbshim", "runner", "store", "startup")

# Forms that record one number per statement; each is repeated for every number of a method.
SINGLE_FORMS = (
    "params", "sql_literal", "module_constant", "class_constant", "imported_constant", "star_constant",
    "module_attribute", "helper_param", "deep_helper", "sql_constant", "named_params", "prepared", "executemany",
    "dict_argument", "reassigned_local", "format_sql", "commented_sql", "percent_sql", "mixin_constant",
    "star_helper", "kwargs_helper", "kwonly_helper", "shared_helper", "prepared_named", "fstring_number",
    "enumerate_start", "slice_stamp", "assert_narrowed", "if_narrowed", "module_lambda", "class_lambda",
)
# Forms that record all of a method's numbers in one statement (or one prepared statement).
MULTI_FORMS = ("executescript", "multi_row", "executemany_rows", "prepared_twice")
# Every way Python spells the SQL text of the forms that write it inline.
SPELLINGS = (
    "plain", "raw", "single", "concat", "triple", "f_escapes", "f_quoted", "f_table", "f_concat", "f_braces",
    "f_raw", "f_percent",
)
DEAD_FORMS = ("return_before",)  # the method records nothing: a return comes first
RECORD_FORMS = SINGLE_FORMS + MULTI_FORMS + DEAD_FORMS
APPLY_FORMS = (
    "call", "under_if", "under_try", "under_with", "loop", "unpacking_loop", "enumerate_loop", "group",
    "not_called", "commented", "alias", "getattr_literal", "type_self", "via_super", "held_object", "if_false",
    "while_false", "after_return", "helper_list", "dispatch", "isinstance_true", "isinstance_false", "type_false",
    "len_true", "in_false", "match_known", "match_miss", "match_unknown", "match_constant", "module_group",
    "abort_skips", "abort_caught", "lazy_unconsumed", "lazy_consumed", "lazy_break", "all_lazy", "any_lazy",
    "short_and", "short_or", "chosen", "decorated_local", "decorated_factory", "dispatch_below", "dispatch_shifted",
    "dispatch_equal", "dispatch_beyond", "popped", "kept_after_pop", "item_replaced", "item_deleted", "appended",
    "after_setup", "after_startup", "defined_in_try", "outside_attribute", "builtin_alias",
)
# Loops over range(<a number read from the database>, bound): what each reaches at its bound.
BOUNDED_LOOPS = {
    "dispatch_below": ("{i}", 'step = getattr(self, f"{p}_bound{i}_{{number}}", None)\nif step is not None:\n    step()'),
    "dispatch_shifted": ("{i}", 'step = getattr(self, f"{p}_bound{i}_{{number + 1}}", None)\nif step is not None:\n'
                         "    step()"),
    "dispatch_equal": ("{i} + 1", "if number == {i}:\n    self.{m}()"),
    "dispatch_beyond": ("{i}", "if number >= {i}:\n    self.{m}()"),
}
INSERT = "INSERT OR REPLACE INTO schema_versions (version, applied_at) VALUES"
# A setting the application's start-up sets (``global``): its module's literal None is not its value.
SETUP = "READY = None\nENABLED = False\n\n\ndef configure():\n    global READY\n    READY = True\n"
# A setting another module sets as the versions module's attribute: its literal False is not its value.
STARTUP = "import versions\n\n\ndef start():\n    versions.ENABLED = True\n"

# A prepared-statement layer written in the project, as better-sqlite3 users write one, and a
# recording helper that the registry and the store both call.
SHIM = '''
RECORD_SQL = "INSERT OR REPLACE INTO schema_versions (version, applied_at) VALUES (?, ?)"


class Statement:
    def __init__(self, conn, sql):
        self.conn = conn
        self.sql = sql

    def run(self, *params):
        if len(params) == 1 and isinstance(params[0], dict):
            return self.conn.execute(self.sql, params[0])
        return self.conn.execute(self.sql, params)


class Db:
    def __init__(self, conn):
        self.conn = conn

    def prepare(self, sql):
        return Statement(self.conn, sql)


def record_version(conn, version):
    Db(conn).prepare(RECORD_SQL).run(version, "now")


SHIM_SQL = RECORD_SQL
record_lambda = lambda conn, version: conn.execute(SHIM_SQL, (version, "now"))  # noqa: E731
'''

HEADER = '''
import contextlib

import versions as version_numbers
from dbshim import Db, record_lambda, record_version
from versions import *  # noqa: F403

RECORD_SQL = "INSERT OR REPLACE INTO schema_versions (version, applied_at) VALUES (?, ?)"
NAMED_SQL = "INSERT OR REPLACE INTO schema_versions (version, applied_at) VALUES (:version, :applied_at)"
TABLE = "schema_versions"


def with_cursor(conn):
    def decorate(fn):
        def wrapper(*args):
            return fn(conn, *args)
        return wrapper
    return decorate
'''


def spelled(sql: str, spelling: str) -> str:
    """A Python expression whose value is ``sql`` (up to whitespace), spelled as ``spelling``."""
    head, tail = sql.split(" schema_versions ", 1)
    if spelling == "plain":
        return f'"{sql}"'
    if spelling == "raw":
        return f'r"{sql}"'
    if spelling == "single":
        return "'" + sql.replace("'", "\\'") + "'"
    if spelling == "concat":
        return f'"{head} " "schema_versions " "{tail}"'
    if spelling == "triple":
        return f'"""\n    {head}\n    schema_versions {tail}\n"""'
    if spelling == "f_escapes":
        escapes = iter(["\\n", "\\t", "\\x20", "\\N{SPACE}", "\\040"] * 40)
        text = "".join(next(escapes) if c == " " else c for c in sql).replace("'", "\\'")
        return f'f"{text}"'
    if spelling == "f_quoted":
        return f'f"{head} \\"schema_versions\\" {tail}"'
    if spelling == "f_table":
        return f'f"{head} {{TABLE}} {tail}"'
    if spelling == "f_concat":
        return f'"{head} " f"{{TABLE}}" " {tail}"'
    if spelling == "f_braces":
        return f'f"{sql} /* {{{{note}}}} */"'
    if spelling == "f_raw":
        return f'rf"{head} {{TABLE}} {tail}"'
    if spelling == "f_percent":
        return f'f"{head} %s {tail}" % TABLE'
    raise AssertionError(spelling)


@dataclass(frozen=True)
class Mirror:
    versions: tuple[int, ...]
    record: str
    apply: str
    name: str | None = None  # None: a name of its own
    spelling: str = "plain"  # how the forms that write SQL inline spell it


@dataclass
class Rendered:
    """The parts of one generated class."""

    body: list[str]
    class_lines: list[str]
    methods: list[str]
    mixin_methods: list[str]
    base_methods: list[str]
    extra_classes: list[str]
    module_functions: list[str]


def one_record(version: int, form: str, method: str, spelling: str = "plain") -> tuple[str, list[str], list[str]]:
    """(statements, class-level lines, helper methods) recording ``version`` in ``form``."""
    if form == "params":
        return f'self.conn.execute({spelled(f"{INSERT} (?, ?)", spelling)}, ({version}, "now"))', [], []
    if form == "sql_literal":
        sql = f"{INSERT} ({version}, 'now')"
        return f"self.conn.execute({spelled(sql, spelling)})", [], []
    if form == "fstring_number":
        return f"self.conn.execute(f\"{INSERT} ({{M_{version}}}, 'now')\")", [], []
    if form == "star_helper":
        return f'self._record_star({version}, "now")', [], []
    if form == "kwargs_helper":
        return f'self._record_kw(version={version}, applied_at="now")', [], []
    if form == "kwonly_helper":
        return f"self._record_ko(version={version})", [], []
    if form == "shared_helper":
        return f"record_version(self.conn, {version})", [], []
    if form == "module_lambda":  # a lambda bound at another module's top level, with that module's names
        return f"record_lambda(self.conn, {version})", [], []
    if form == "class_lambda":  # a method written as a lambda
        return f"self._record_lambda_{version}({version})", [
            f'_record_lambda_{version} = lambda self, version: self.conn.execute(RECORD_SQL, (version, "now"))'], []
    if form == "prepared_named":
        return f'Db(self.conn).prepare(NAMED_SQL).run({{"version": {version}, "applied_at": "now"}})', [], []
    if form == "module_constant":
        return f'self.conn.execute("{INSERT} (?, ?)", (M_{version}, "now"))', [], []
    if form == "imported_constant":
        return f'self.conn.execute("{INSERT} (?, ?)", (I_{version}, "now"))', [], []
    if form == "star_constant":
        return f'self.conn.execute("{INSERT} (?, ?)", (V_{version}, "now"))', [], []
    if form == "module_attribute":
        return f'self.conn.execute("{INSERT} (?, ?)", (version_numbers.V_{version}, "now"))', [], []
    if form in ("class_constant", "mixin_constant"):
        return f'self.conn.execute("{INSERT} (?, ?)", (self.C_{version}, "now"))', [f"C_{version} = {version}"], []
    if form == "helper_param":
        return f"self._record({version})", [], []
    if form == "deep_helper":
        return f"self._outer_{method}_{version}()", [], [
            f"def _outer_{method}_{version}(self):\n    self._inner_{method}_{version}()",
            f"def _inner_{method}_{version}(self):\n    self._record(version={version})",
        ]
    if form == "sql_constant":
        return f'self.conn.execute(RECORD_SQL, ({version}, "now"))', [], []
    if form == "named_params":
        return f'self.conn.execute("{INSERT} (:v, :at)", {{"v": {version}, "at": "now"}})', [], []
    if form == "prepared":
        return f'Db(self.conn).prepare(RECORD_SQL).run({version}, "now")', [], []
    if form == "executemany":
        return f'self.conn.executemany(RECORD_SQL, [({version}, "now")])', [], []
    if form == "dict_argument":
        return f'self._put("settings", {{"version": {version}, "flags": [1, 2], "nested": {{"a": 1}}}})', [], []
    if form == "reassigned_local":
        return f'sql = "SELECT 1"\nsql = RECORD_SQL\nself.conn.execute(sql, ({version}, "now"))', [], []
    if form == "format_sql":
        return (f'self.conn.execute("INSERT OR REPLACE INTO {{}} (version, applied_at) VALUES (?, ?)"'
                f'.format("schema_versions"), ({version}, "now"))'), [], []
    if form == "commented_sql":
        return (f'self.conn.execute("INSERT OR REPLACE INTO schema_versions /* why */ (version, applied_at)'
                f' -- the number\\n VALUES (?, ?)", ({version}, "now"))'), [], []
    if form == "percent_sql":
        return f'self.conn.execute("INSERT OR REPLACE INTO %s VALUES (%d, \'now\')" % ("schema_versions", {version}))', [], []
    if form == "enumerate_start":
        return f'for version, _ in enumerate(("step",), start={version}):\n    self.conn.execute(RECORD_SQL, (version, "now"))', [], []
    if form == "slice_stamp":  # the bound read from the database, the start tied to it
        return (f'current = self.conn.execute("SELECT 0").fetchone()[0]\n'
                f'for version, _ in enumerate(("done", "step")[current + 1:], start=current + {version}):\n'
                f'    self.conn.execute(RECORD_SQL, (version, "now"))'), [], []
    if form in ("assert_narrowed", "if_narrowed"):  # a number read from the database, fixed by a comparison
        check = (f"assert found == M_{version}" if form == "assert_narrowed"
                 else f"if found != M_{version}:\n    raise RuntimeError(found)")
        return (f'found = self.conn.execute("SELECT {version}").fetchone()[0]\n{check}\n'
                f'self.conn.execute("{INSERT} (%d, \'now\')" % found)'), [], []
    raise AssertionError(form)


def record_statements(versions: tuple[int, ...], form: str, method: str,
                      spelling: str = "plain") -> tuple[str, list[str], list[str]]:
    if form == "executescript":
        script = " ".join(f"{INSERT} ({v}, 'now');" for v in versions)
        return f"self.conn.executescript({spelled(script, spelling)})", [], []
    if form == "prepared_twice":
        runs = "".join(f'\nstatement.run({v}, "now")' for v in versions)
        return f"statement = Db(self.conn).prepare(RECORD_SQL){runs}", [], []
    if form == "multi_row":
        rows = ", ".join("(?, ?)" for _ in versions)
        params = ", ".join(f'{v}, "now"' for v in versions)
        return f'self.conn.execute("{INSERT} {rows}", ({params},))', [], []
    if form == "executemany_rows":
        rows = ", ".join(f'({v}, "now")' for v in versions)
        return f"self.conn.executemany(RECORD_SQL, ({rows},))", [], []
    if form == "return_before":
        inner, lines, helpers = one_record(versions[0], "params", method)
        return f"return\n{inner}", lines, helpers
    statements, class_lines, helpers = [], [], []
    for version in versions:
        statement, lines, extra = one_record(version, form, method, spelling)
        statements.append(statement)
        class_lines += lines
        helpers += extra
    return "\n".join(statements), class_lines, helpers


def method_source(name: str, statements: str) -> str:
    return f"def {name}(self):\n" + textwrap.indent(statements, "    ")


# How the entry applies a method, where one line (or block) of the body does it.
APPLY_TEMPLATES = {
    "call": "self.{m}()",
    "popped": "steps_{m} = [self.{m}, self._noop]\nsteps_{m}.pop(0)\nfor step in steps_{m}:\n    step()",
    "kept_after_pop": "steps_{m} = [self._noop, self.{m}]\nsteps_{m}.pop(0)\nfor step in steps_{m}:\n    step()",
    "item_replaced": 'steps_{m} = {{"k": self.{m}}}\nsteps_{m}["k"] = self._noop\nsteps_{m}["k"]()',
    "item_deleted": "steps_{m} = [self._noop, self.{m}]\ndel steps_{m}[1]\nfor step in steps_{m}:\n    step()",
    "appended": "steps_{m} = []\nsteps_{m}.append(self.{m})\nfor step in steps_{m}:\n    step()",
    "under_if": "if self.conn is not None:\n    self.{m}()",
    "under_try": "try:\n    self.{m}()\nfinally:\n    pass",
    "under_with": "with contextlib.nullcontext():\n    self.{m}()",
    "loop": "for step in (self.{m},):\n    step()",
    "unpacking_loop": "for name, step in ((\"{m}\", self.{m}),):\n    step()",
    "enumerate_loop": "for index, step in enumerate([self.{m}]):\n    step()",
    "commented": "# self.{m}()",
    "alias": "apply = self.{m}\napply()",
    "getattr_literal": 'getattr(self, "{m}")()',
    "type_self": "type(self).{m}(self)",
    "if_false": "if False:\n    self.{m}()",
    "while_false": "while 0:\n    self.{m}()",
    "not_called": "",
    "isinstance_true": "if isinstance(7, int):\n    self.{m}()",
    "isinstance_false": 'if isinstance("7", (int, dict)):\n    self.{m}()',
    "type_false": 'if type({{"k": 1}}) is list:\n    self.{m}()',
    "len_true": 'if len(("{m}", 2)) == 2:\n    self.{m}()',
    # a module-level name set by a setup function (global) before any store runs: not its literal None
    "after_setup": 'if version_numbers.READY is None:\n    raise RuntimeError("configure() first")\nself.{m}()',
    # a module-level name another module sets (versions.ENABLED = True) at start-up: not its literal False
    "after_startup": 'if not version_numbers.ENABLED:\n    raise RuntimeError("start() first")\nself.{m}()',
    "in_false": 'if "{m}" in ("other", "names"):\n    self.{m}()',
    "match_known": "match 4:\n    case 3:\n        pass\n    case 4 | 5:\n        self.{m}()\n    case _:\n        pass",
    "match_miss": ('match (4, "x"):\n    case (4, "y"):\n        self.{m}()\n'
                   "    case [int(), *rest] if not rest:\n        self.{m}()"),
    "match_unknown": "match self.conn:\n    case None:\n        pass\n    case _:\n        self.{m}()",
    "match_constant": 'match self.JOURNAL:\n    case "rollback":\n        self.{m}()',
    "abort_skips": 'try:\n    self._abort_step("why")\n    self.{m}()\nexcept RuntimeError:\n    pass',
    "abort_caught": 'try:\n    self._abort_step("why")\nexcept RuntimeError:\n    pass\nself.{m}()',
    "lazy_unconsumed": "pending = (step() for step in (self.{m},))",
    "lazy_consumed": "list(step() for step in (self.{m},))",
    "lazy_break": "for _ in (step() for step in (self._noop, self.{m})):\n    break",
    "all_lazy": "all(step() for step in (self._noop, self.{m}))",
    "any_lazy": "any(step() for step in (self._noop, self.{m}))",
    "chosen": "if self.conn is not None:\n    step = self.{m}\nelse:\n    step = self._noop\nstep()",
    "short_and": "self._noop() and self.{m}()",
    "short_or": "self._noop() or self.{m}()",
}


def apply_lines(mirror: Mirror, method: str, index: int, prefix: str, parts: Rendered, groups: list[list[str]]) -> None:
    form = mirror.apply
    if form in APPLY_TEMPLATES:
        parts.body.append(APPLY_TEMPLATES[form].format(m=method))
    elif form == "group":
        if not groups or len(groups[-1]) >= 2:
            groups.append([])
            parts.body.append(f"self._group_{prefix}_{len(groups) - 1}()")
        groups[-1].append(f"self.{method}()")
    elif form == "module_group":
        parts.module_functions.append(f"def group_{prefix}_{index}(store):\n    store.{method}()")
        parts.body.append(f"group_{prefix}_{index}(self)")
    elif form == "defined_in_try":  # a module's names bound in a top-level try: an optional import, a def, a class
        parts.module_functions.append(
            f"try:\n    from contextlib import nullcontext as optional_{prefix}_{index}\n\n"
            f"    def apply_{prefix}_{index}(store):\n        store.{method}()\n\n"
            f"    class Applier_{prefix}_{index}:\n        def run(self, store):\n"
            f"            apply_{prefix}_{index}(store)\nexcept ImportError:\n    pass")
        parts.body.append(f"with optional_{prefix}_{index}():\n    Applier_{prefix}_{index}().run(self)")
    elif form == "outside_attribute":  # under an object made by a class attribute bound to a name from outside
        line = "nothing = contextlib.nullcontext"
        parts.class_lines += [line] if line not in parts.class_lines else []
        parts.body.append(f"with self.nothing():\n    self.{method}()")
    elif form == "builtin_alias":  # after a call of a module-level alias of a builtin type's method
        parts.module_functions.append(f"unhex_{prefix}_{index} = bytes.fromhex")
        parts.body.append(f'unhex_{prefix}_{index}("00")\nself.{method}()')
    elif form == "via_super":
        parts.base_methods.append(f"def _apply_{index}(self):\n    self.{method}()")
        parts.methods.append(f"def _apply_{index}(self):\n    super()._apply_{index}()")
        parts.body.append(f"self._apply_{index}()")
    elif form == "held_object":
        parts.extra_classes.append(
            f"class Holder{index}:\n    def __init__(self, owner):\n        self.owner = owner\n\n"
            f"    def run(self):\n        self.owner.{method}()\n")
        parts.body.append(f"self.holder_{index} = Holder{index}(self)\nself.holder_{index}.run()")
    elif form == "after_return":
        parts.methods.append(f"def _dead_{index}(self):\n    return\n    self.{method}()")
        parts.body.append(f"self._dead_{index}()")
    elif form == "dispatch":  # found by a name built from a number read from the database
        if not any(line.startswith("for number in range(self.conn") for line in parts.body):
            parts.body.append('for number in range(self.conn.execute("SELECT 0").fetchone()[0], 100):\n'
                              f'    step = getattr(self, f"{prefix}_step_{{number}}", None)\n'
                              "    if step is not None:\n        step()")
        parts.methods.append(f"def {prefix}_step_{index}(self):\n    self.{method}()")
    elif form in BOUNDED_LOOPS:
        bound, body = (text.format(i=index, p=prefix, m=method) for text in BOUNDED_LOOPS[form])
        parts.body.append(f'for number in range(self.conn.execute("SELECT 0").fetchone()[0], {bound}):\n'
                          + textwrap.indent(body, "    "))
        if "getattr" in body:
            parts.methods.append(f"def {prefix}_bound{index}_{index}(self):\n    self.{method}()")
    elif form == "decorated_local":  # a nested function under a decorator written beside it
        parts.body.append(f"def wrap_{index}(fn):\n    def inner():\n        return fn()\n    return inner\n\n"
                          f"@wrap_{index}\ndef run_{index}():\n    self.{method}()\n\nrun_{index}()")
    elif form == "decorated_factory":  # under a decorator factory of the module, which passes an argument
        parts.body.append(f"@with_cursor(self.conn)\ndef run_{index}(conn):\n    self.{method}()\n\nrun_{index}()")
    elif form == "helper_list":
        parts.methods.append(f"def _steps_{index}(self):\n    steps = []\n    steps.append(1)\n"
                             f"    return [self.{method}]")
        parts.body.append(f"for step in self._steps_{index}():\n    step()")
    else:
        raise AssertionError(form)


def render_class(name: str, entry: str, prefix: str, mirrors: list[Mirror], *, delegate: bool = False,
                 inline: tuple[int, ...] = ()) -> str:
    parts = Rendered([], ['JOURNAL = "wal"'], [
        "def _record(self, version):\n    self.conn.execute(RECORD_SQL, (version, 'now'))",
        "def _put(self, key, data):\n    self.conn.execute(RECORD_SQL, (data['version'], 'now'))",
        "def _record_star(self, *params):\n    self.conn.execute(RECORD_SQL, params)",
        "def _record_kw(self, **fields):\n    self.conn.execute(NAMED_SQL, fields)",
        "def _record_ko(self, *, version, at='now'):\n    self.conn.execute(RECORD_SQL, (version, at))",
        "def _noop(self):\n    pass",
        "def _abort_step(self, why):\n    if why:\n        raise RuntimeError(why)\n    raise RuntimeError('no reason')",
    ], [], [], [], [])
    groups: list[list[str]] = []
    if inline:
        rows = ", ".join(f'({v}, "now")' for v in inline)
        parts.body.append(f"self.conn.executemany(RECORD_SQL, ({rows},))")
    if delegate:
        parts.body.append("MigrationRunner().run_all_migrations(self.conn)")
    for index, mirror in enumerate(mirrors):
        method = mirror.name or f"{prefix}_{index}"
        statements, class_lines, helpers = record_statements(mirror.versions, mirror.record, method, mirror.spelling)
        parts.class_lines += [line for line in class_lines if line not in parts.class_lines]
        target = parts.mixin_methods if mirror.record == "mixin_constant" else parts.methods
        target.append(method_source(method, statements))
        parts.methods += helpers
        apply_lines(mirror, method, index, prefix, parts, groups)
    for number, calls in enumerate(groups):
        parts.methods.append(f"def _group_{prefix}_{number}(self):\n" + "\n".join(f"    {c}" for c in calls))
    numbers = sorted({v for m in mirrors for v in m.versions})
    source = HEADER + ("from runner import MigrationRunner\n" if delegate else "")
    source += "".join(f"M_{v} = {v}\n" for v in numbers)
    source += "".join(f"from versions import V_{v} as I_{v}\n" for v in numbers) + "\n\n"
    source += class_source("Mixin", "", [], parts.mixin_methods)
    source += class_source("Base", "", [], parts.base_methods)
    source += "".join(f"{c}\n\n" for c in parts.extra_classes)
    source += "".join(f"{f}\n\n\n" for f in parts.module_functions)
    init = f"def {entry}(self, conn):\n    self.conn = conn\n" + textwrap.indent("\n".join(parts.body), "    ")
    source += class_source(name, "Mixin, Base", parts.class_lines, [init, *parts.methods])
    return source


def class_source(name: str, bases: str, class_lines: list[str], methods: list[str]) -> str:
    source = f"class {name}({bases}):\n" if bases else f"class {name}:\n"
    source += "".join(f"    {line}\n" for line in class_lines) or ("    pass\n" if not methods else "")
    for method in methods:
        source += "\n" + textwrap.indent(method, "    ") + "\n"
    return source + "\n\n"


def load(folder: Path, module: str):
    spec = importlib.util.spec_from_file_location(module, folder / f"{module}.py")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[module] = loaded
    spec.loader.exec_module(loaded)
    return loaded


def recorded_by_running(folder: Path, module: str, cls: str, entry_is_init: bool) -> tuple[set[int], set[str]]:
    """The numbers running the entry records, and the functions it called (``module:qualified name``)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE schema_versions (version INTEGER PRIMARY KEY, applied_at TEXT)")
    called: set[str] = set()
    sys.path.insert(0, str(folder))
    try:
        for name in MODULES:
            sys.modules.pop(name, None)
        klass = getattr(load(folder, module), cls)
        sys.modules["versions"].configure()  # the application's start-up, before any store opens
        load(folder, "startup").start()
        sys.setprofile(lambda frame, event, _: called.add(f"{Path(frame.f_code.co_filename).stem}:{frame.f_code.co_qualname}")
                       if event == "call" else None)
        if entry_is_init:
            klass(conn)
        else:
            instance = klass.__new__(klass)
            instance.conn = conn
            instance.run_all_migrations(conn)
    finally:
        sys.setprofile(None)
        sys.path.remove(str(folder))
        for name in MODULES:
            sys.modules.pop(name, None)
    return {row[0] for row in conn.execute("SELECT version FROM schema_versions")}, called


def migration_of(mirror: Mirror, name: str, version: int) -> str:
    """Which function records ``version``: the method, or for numbers recorded through a chain of
    helpers without parameters, the innermost of them."""
    return f"_inner_{name}_{version}" if mirror.record == "deep_helper" else name


def named(mirror: Mirror) -> bool:
    """Whether the method is one named migration: not a grouping of one helper chain per number."""
    return mirror.record != "deep_helper" or len(mirror.versions) == 1


def definitions(mirrors: list[Mirror], prefix: str) -> dict[str, tuple[str, Mirror]]:
    """Each method name's definition that Python uses: the class's own last one, else the mixin's."""
    found: dict[str, tuple[str, Mirror]] = {}
    for index, mirror in enumerate(mirrors):
        name = mirror.name or f"{prefix}_{index}"
        owner = "Mixin" if mirror.record == "mixin_constant" else "Store"
        if owner == "Store" or found.get(name, ("Mixin",))[0] == "Mixin":
            found[name] = (owner, mirror)
    return found


def recorded_by(mirror: Mirror) -> tuple[int, ...]:
    return () if mirror.record in DEAD_FORMS else mirror.versions


def expected_duplicates(registry: list[Mirror], inline: tuple[int, ...], store: list[Mirror], delegate: bool,
                        called: set[str]) -> set[int]:
    """Numbers that two different migrations of the store's path record, as it ran."""
    recorders: dict[int, set[str]] = {}
    for name, (owner, mirror) in definitions(store, "mirror").items():
        if f"store:{owner}.{name}" in called:
            for version in recorded_by(mirror):
                recorders.setdefault(version, set()).add(f"store:{owner}.{migration_of(mirror, name, version)}")
    if delegate:
        for index, mirror in enumerate(registry):
            owner = "Mixin" if mirror.record == "mixin_constant" else "MigrationRunner"
            for version in mirror.versions:
                recorders.setdefault(version, set()).add(
                    f"runner:{owner}.{migration_of(mirror, f'migration_{index}', version)}")
        for version in inline:
            recorders.setdefault(version, set()).add("MigrationRunner (inline)")
    return {version for version, names in recorders.items() if len(names) > 1}


def expected_conflicts(registry: list[Mirror], store: list[Mirror], called: set[str]) -> set[str]:
    """Store methods named like a registry method that ran and recorded other numbers than it."""
    registered = {f"migration_{i}": m for i, m in enumerate(registry) if named(m)}
    found = set()
    for name, (owner, mirror) in definitions(store, "mirror").items():
        if name in registered and named(mirror) and f"store:{owner}.{name}" in called \
                and recorded_by(mirror) and set(recorded_by(mirror)) != set(registered[name].versions):
            found.add(name)
    return found


@st.composite
def scenarios(draw) -> tuple[list[Mirror], tuple[int, ...], list[Mirror], bool, int | None]:
    numbers = draw(st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=10, unique=True))
    registry: list[Mirror] = []
    rest = sorted(numbers)
    while rest:  # methods recording one number, some two
        size = draw(st.integers(min_value=1, max_value=min(2, len(rest))))
        chosen, rest = tuple(rest[:size]), rest[size:]
        form = draw(st.sampled_from(SINGLE_FORMS + MULTI_FORMS))
        registry.append(Mirror(chosen, form, "call", spelling=draw(st.sampled_from(SPELLINGS))))
    inline = tuple(sorted(draw(st.lists(st.integers(min_value=71, max_value=80), max_size=2, unique=True))))
    registry_names = [f"migration_{i}" for i in range(len(registry))]
    pool = [v for m in registry for v in m.versions] + list(inline)
    extras = st.integers(min_value=61, max_value=70)
    store = []
    for _ in range(draw(st.integers(min_value=0, max_value=len(registry) + 3))):
        versions = tuple(dict.fromkeys(draw(st.lists(st.one_of(st.sampled_from(pool), extras), min_size=1,
                                                     max_size=2))))
        name = draw(st.one_of(st.none(), st.sampled_from(registry_names)))
        if name is not None and draw(st.booleans()):  # the same migration, with a superset or a subset of its numbers
            original = registry[registry_names.index(name)].versions
            versions = draw(st.sampled_from([original, original[:1], original + tuple(
                v for v in versions if v not in original)]))
        store.append(Mirror(versions, draw(st.sampled_from(RECORD_FORMS)), draw(st.sampled_from(APPLY_FORMS)), name,
                            draw(st.sampled_from(SPELLINGS))))
    head = draw(st.one_of(st.none(), st.integers(min_value=max(numbers) - 2, max_value=max(numbers) + 2)))
    return registry, inline, store, draw(st.booleans()) and draw(st.booleans()), head


def write_codebase(folder: Path, scenario: tuple[list[Mirror], tuple[int, ...], list[Mirror], bool, int | None]) -> None:
    """The scenario's modules (versions, dbshim, runner, store) and its pyproject.toml."""
    registry, inline, store, delegate, head = scenario
    all_versions = sorted({v for m in registry + store for v in m.versions} | set(inline))
    (folder / "versions.py").write_text("".join(f"V_{v} = {v}\n" for v in all_versions)
                                        + (f"HEAD = {head}\n" if head is not None else "") + SETUP)
    (folder / "dbshim.py").write_text(SHIM)
    (folder / "startup.py").write_text(STARTUP)
    (folder / "runner.py").write_text(render_class("MigrationRunner", "run_all_migrations", "migration", registry,
                                                   inline=inline))
    (folder / "store.py").write_text(render_class("Store", "__init__", "mirror", store, delegate=delegate))
    (folder / "pyproject.toml").write_text(
        '[tool.bundler]\nrunner = "runner.py:MigrationRunner.run_all_migrations"\n'
        'stores = ["store.py:Store.__init__"]\n' + ('head = "versions.py:HEAD"\n' if head is not None else "")
    )


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_reported_missing_and_unknown_numbers_equal_what_running_the_code_records(scenario) -> None:
    registry, inline, store, delegate, head = scenario
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_codebase(folder, scenario)
        truth_registry, _ = recorded_by_running(folder, "runner", "MigrationRunner", entry_is_init=False)
        truth_store, called = recorded_by_running(folder, "store", "Store", entry_is_init=True)
        result = run_check(load_config(str(folder / "pyproject.toml")))

    reported: dict[tuple[str, bool], set[int | None]] = {}
    conflicts = set()
    for finding in result.findings:  # findings on a path, or on the registry against the head
        reported.setdefault((finding.code.value, finding.path is not None), set()).add(finding.version)
        if finding.code.value == "version-conflict":  # "...; the registry's MigrationRunner.migration_2 (..."
            conflicts.add(finding.message.split("the registry's ", 1)[1].split(" (", 1)[0].rsplit(".", 1)[-1])
    assert set(result.registry.applied()) == truth_registry
    assert set(result.paths[0].applied()) == truth_store
    assert reported.get(("missing-migration", True), set()) == truth_registry - truth_store
    assert reported.get(("unknown-version", True), set()) == truth_store - truth_registry
    assert reported.get(("duplicate-version", True), set()) == expected_duplicates(registry, inline, store, delegate, called)
    assert ("duplicate-version", False) not in reported
    assert conflicts == expected_conflicts(registry, store, called)
    if head is not None:
        assert reported.get(("missing-migration", False), set()) == set(range(min(truth_registry), head + 1)) - truth_registry
        assert reported.get(("unknown-version", False), set()) == {v for v in truth_registry if v > head}
