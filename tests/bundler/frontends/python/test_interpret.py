"""The interpreter follows Python as Python runs it: each case here is one way code applies or
records a migration that a reader of calls alone gets wrong (issue 11), and what cannot be
followed stops the check naming the construct."""

from __future__ import annotations

import textwrap

import pytest

from bundler.errors import UnresolvableError
from bundler.frontends.python.extract import Extractor
from bundler.model import EntrySpec
from bundler.frontends.python.records import RecordingRules
from bundler.frontends.python.sources import InMemory, ModuleSet
from bundler.findings.verify import verify

from .test_property import SHIM  # the prepared-statement layer generated projects write

RECORD = "INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)"
METHODS = f'''
    def m27(self): self.conn.execute("{RECORD}", (27, 0))
    def m28(self): self.conn.execute("{RECORD}", (28, 0))
'''


def recorded(source: str, extra: dict[str, str] | None = None) -> list[int]:
    """The numbers ``Store.__init__`` records, in order."""
    files = {"store.py": textwrap.dedent(source), **(extra or {})}
    return Extractor(ModuleSet(InMemory(files)), RecordingRules()).migration_list(
        EntrySpec("store.py", "Store", "__init__")).applied()


def store(body: str, methods: str = METHODS, header: str = "") -> str:
    return f"{header}\nclass Store:\n    def __init__(self, conn):\n        self.conn = conn\n" \
           + textwrap.indent(textwrap.dedent(body), " " * 8) + "\n" + textwrap.indent(textwrap.dedent(methods), "    ")


@pytest.mark.parametrize("body", [
    "apply = self.m28\napply()",
    'getattr(self, "m28")()',
    'getattr(self, "m28", None)()',
    "type(self).m28(self)",
    "Store.m28(self)",
    "steps = {'late': self.m28}\nsteps['late']()",
    "(lambda: None)()\nself.m28()",
])
def test_calls_through_aliases_getattr_and_the_class_are_followed(body: str) -> None:
    assert recorded(store(body)) == [28]


def test_super_init_and_an_object_held_in_an_attribute_are_followed() -> None:
    source = f'''
    class Runner:
        def __init__(self, conn):
            self.conn = conn

        def run_all_migrations(self):
            self.conn.execute("{RECORD}", (27, 0))

    class Base:
        def __init__(self, conn):
            self.conn = conn
            self.conn.execute("{RECORD}", (28, 0))

    class Store(Base):
        def __init__(self, conn):
            super().__init__(conn)
            self.registry = Runner(conn)
            self.registry.run_all_migrations()
    '''
    assert recorded(source) == [28, 27]


def test_the_last_definition_of_a_method_is_the_one_that_runs() -> None:
    methods = METHODS + f'    def m28(self): self.conn.execute("{RECORD}", (90, 0))\n'
    assert recorded(store("self.m28()", methods)) == [90]


def test_a_local_reassigned_before_use_has_its_new_value() -> None:
    assert recorded(store(f'sql = "SELECT 1"\nsql = "{RECORD}"\nself.conn.execute(sql, (28, 0))')) == [28]
    assert recorded(store(f'sql = "{RECORD}"\nsql = "SELECT 1"\nself.conn.execute(sql, (28, 0))')) == []


@pytest.mark.parametrize("body", [
    "if False:\n    self.m28()",
    "if 0:\n    self.m28()\nelif None:\n    self.m28()",
    "while False:\n    self.m28()",
    "return\nself.m28()",
    "raise RuntimeError('stop')\nself.m28()",
    "self._early()",
    "DEBUG = False\nif DEBUG:\n    self.m28()",
])
def test_dead_code_applies_nothing(body: str) -> None:
    methods = METHODS + f'    def _early(self):\n        return\n        self.conn.execute("{RECORD}", (28, 0))\n'
    assert recorded(store(body, methods)) == []


def test_a_condition_that_cannot_be_known_may_apply_both_branches() -> None:
    assert recorded(store("if self.conn.flag:\n    self.m27()\nelse:\n    self.m28()")) == [27, 28]


def test_a_mixins_method_reads_the_concrete_classs_constant() -> None:
    source = f'''
    class RecordingMixin:
        def m28(self):
            self.conn.execute(self.SQL_RECORD, (28, 0))

    class Store(RecordingMixin):
        SQL_RECORD = "{RECORD}"

        def __init__(self, conn):
            self.conn = conn
            self.m28()
    '''
    assert recorded(source) == [28]


@pytest.mark.parametrize("argument", [
    '{"a": 1}', '{"a": {"b": [1, 2]}}', "{1, 2}", "[1, 2]", "(1, 2)", "1.5", "2j", 'b"x"', "None", "True",
    "...", "lambda: 1", 'f"{1}"', "{**{}}", "[*()]", "{k: k for k in (1, 2)}", "{}", "range(3)",
])
def test_every_literal_kind_as_a_helper_argument_is_read(argument: str) -> None:
    methods = METHODS + f'    def put(self, key, value): self.conn.execute("{RECORD}", (28, 0))\n'
    assert recorded(store(f'self.put("key", {argument})', methods)) == [28]


def test_numbers_computed_by_a_loop_over_a_range_and_returned_by_helpers_are_read() -> None:
    methods = METHODS + f'''
    def version(self): return 20 + 8
    def record(self, n): self.conn.execute("{RECORD}", (n, 0))
    '''
    assert recorded(store("for n in range(26, 28):\n    self.record(n + 1)\nself.record(self.version())",
                          methods)) == [27, 28]


def test_a_text_derived_from_a_schema_that_never_names_the_version_table_records_nothing() -> None:
    header = 'SCHEMA = """\nCREATE TABLE a (x);\nCREATE TABLE b (y);\n"""'
    body = "for statement in SCHEMA.split(';'):\n    self.conn.execute(statement)\nself.m28()"
    assert recorded(store(body, header=header)) == [28]


@pytest.mark.parametrize(("body", "construct"), [
    ("for step in self.conn.steps():\n    step()", "step is an item of a loop whose items cannot be read"),
    ("self.conn.hooks[0]()", "what it calls cannot be known statically"),
    ('getattr(self, self.conn.name)()', "getattr with a name the checker cannot build"),
    ("self.conn.execute(self.conn.sql())", "SQL text that cannot be read statically"),
    ("import threading\nthreading.Thread(target=self.m28).start()", "hands Store.m28, which applies migrations"),
    ("sorted((1, 2), key=lambda n: self.m28())", "hands a lambda that applies migrations"),
])
def test_what_cannot_be_followed_stops_the_check_naming_the_construct(body: str, construct: str) -> None:
    with pytest.raises(UnresolvableError) as error:
        recorded(store(body))
    assert construct in str(error.value)
    assert "store.py:" in str(error.value)


def test_a_registry_method_called_on_an_object_that_cannot_be_known_stops_the_check() -> None:
    runner = f'''
    class Runner:
        def run_all_migrations(self):
            self.m28()

        def m28(self): self.conn.execute("{RECORD}", (28, 0))
    '''
    modules = ModuleSet(InMemory({"runner.py": textwrap.dedent(runner), "store.py": store("self.conn.runner.m28()")}))
    extractor = Extractor(modules, RecordingRules(), EntrySpec("runner.py", "Runner", "run_all_migrations"))
    extractor.registry = extractor.migration_list(EntrySpec("runner.py", "Runner", "run_all_migrations"))
    with pytest.raises(UnresolvableError, match="the object self.conn.runner.m28 is called on cannot be known"):
        extractor.migration_list(EntrySpec("store.py", "Store", "__init__"))


def test_a_store_delegating_to_a_registry_that_records_inline_is_identical_to_it() -> None:
    runner = '''
    SQL = "INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)"

    class Runner:
        def __init__(self, conn):
            self.conn = conn

        def run_all_migrations(self):
            self.conn.executemany(SQL, ((1, "now"), (9, "now")))
    '''
    source = "from runner import Runner\n" + store("Runner(self.conn).run_all_migrations()")
    modules = ModuleSet(InMemory({"runner.py": textwrap.dedent(runner), "store.py": source}))
    entry = EntrySpec("runner.py", "Runner", "run_all_migrations")
    extractor = Extractor(modules, RecordingRules(), entry)
    registry = extractor.registry = extractor.migration_list(entry)
    path = extractor.migration_list(EntrySpec("store.py", "Store", "__init__"))
    assert registry.applied() == path.applied() == [1, 9]
    assert verify(registry, [path]) == []


@pytest.mark.parametrize(("body", "extra"), [
    ("self.provider.m28()", {}),  # an attribute the checker cannot know, a method that records
    ("helpers.record(self.conn, 28)", {"app/__init__.py": "", "app/other.py": ""}),  # a project module not found
])
def test_a_recording_name_on_something_the_checker_cannot_know_stops_the_check(body: str, extra: dict) -> None:
    header = "from app import helpers" if "helpers" in body else ""
    source = store(f"self.provider = self.conn.provider()\n{body}", header=header)
    with pytest.raises(UnresolvableError, match="cannot be followed"):
        recorded(source, extra)


def test_reading_a_property_runs_it() -> None:
    methods = METHODS + f'''
    @property
    def record_sql(self):
        return "{RECORD}"
    '''
    assert recorded(store("self.conn.execute(self.record_sql, (28, 0))", methods)) == [28]


def test_calls_nested_deeper_than_the_checker_follows_stop_the_check() -> None:
    methods = METHODS + f'''
    def step(self, n):
        if n < 100:
            self.step(n + 1)
        else:
            self.conn.execute("{RECORD}", (28, 0))
    '''
    with pytest.raises(UnresolvableError, match="calls nest deeper than"):
        recorded(store("self.step(0)", methods))


@pytest.mark.parametrize("body", [
    'for n in range(self.conn.current(), 30):\n    getattr(self, f"step_{n}")()',
    # a while loop that breaks at the first missing step runs only up to the gap: see below
    'n = int(self.conn.current())\ngetattr(type(self), "step_" + str(n))(self)',
])
def test_a_name_built_from_an_unknown_number_applies_every_step_that_exists(body: str) -> None:
    methods = f'''
    def step_27(self): self.conn.execute("{RECORD}", (27, 0))
    def step_29(self): self.conn.execute("{RECORD}", (29, 0))
    def step_extra(self): self.conn.execute("{RECORD}", (90, 0))
    '''
    assert recorded(store(body, methods)) == [27, 29]


def test_a_module_name_built_from_an_unknown_number_imports_every_step_module_that_exists() -> None:
    extra = {"app/__init__.py": "", "app/upgrades/__init__.py": "",
             "app/upgrades/db27.py": f'def upgrade(c): c.execute("{RECORD}", (27, 0))\n',
             "app/upgrades/db28.py": f'def upgrade(c): c.execute("{RECORD}", (28, 0))\n',
             "app/upgrades/notes.py": f'def upgrade(c): c.execute("{RECORD}", (90, 0))\n'}
    body = ('for n in range(self.conn.current(), 99):\n'
            '    importlib.import_module(f"app.upgrades.db{n}").upgrade(self.conn)\n'
            'for n in range(self.conn.current(), 99):\n'
            '    pkg = __import__("app.upgrades", globals(), locals(), ["db%d" % n])\n'
            '    getattr(pkg, "db%d" % n).upgrade(self.conn)')
    assert recorded(store(body, header="import importlib"), extra) == [27, 28]


@pytest.mark.parametrize("body", [
    "steps = {27: self.step_27, 29: self.step_29}\nsteps[int(self.conn.current())]()",
    "for step in (self.step_27, self.step_29)[self.conn.current():]:\n    step()",
])
def test_a_dict_key_or_list_position_chosen_by_an_unknown_number_may_be_any(body: str) -> None:
    methods = f'''
    def step_27(self): self.conn.execute("{RECORD}", (27, 0))
    def step_29(self): self.conn.execute("{RECORD}", (29, 0))
    '''
    assert recorded(store(body, methods)) == [27, 29]


# --- issue 23: shapes generated code bases still got wrong -------------------------------------

NAMED = "INSERT OR REPLACE INTO schema_versions (version, applied_at) VALUES (:version, :applied_at)"


def checked(runner_body: str, store_body: str, runner_methods: str = "", store_methods: str = "",
            extra: dict[str, str] | None = None) -> list[tuple[str, int | None]]:
    """(code, version) of every finding of a registry and a store written from these parts."""
    header = f'from dbshim import Db\nSQL = "{RECORD}"\nNAMED = "{NAMED}"\n'
    runner = header + "\nclass Runner:\n    def run_all_migrations(self, conn):\n        self.conn = conn\n" \
        + textwrap.indent(textwrap.dedent(runner_body), " " * 8) + "\n" \
        + textwrap.indent(textwrap.dedent(runner_methods), "    ")
    files = {"runner.py": runner, "store.py": store(store_body, store_methods, header), "dbshim.py": SHIM,
             **(extra or {})}
    entry = EntrySpec("runner.py", "Runner", "run_all_migrations")
    extractor = Extractor(ModuleSet(InMemory(files)), RecordingRules(), entry)
    registry = extractor.registry = extractor.migration_list(entry)
    path = extractor.migration_list(EntrySpec("store.py", "Store", "__init__"))
    return sorted((f.code.value, f.version) for f in verify(registry, [path]))


def test_a_prepared_statement_layer_with_star_params_len_and_isinstance_is_followed() -> None:
    body = 'Db(self.conn).prepare(SQL).run(27, "now")\nDb(self.conn).prepare(NAMED).run({"version": 28, "applied_at": 1})'
    assert checked(body, 'Db(self.conn).prepare(SQL).run(27, "now")') == [("missing-migration", 28)]
    assert checked(body, body) == []


def test_a_recording_layer_both_lists_call_is_not_a_named_migration() -> None:
    store_body = 'statement = Db(self.conn).prepare(SQL)\nstatement.run(2, "now")\nstatement.run(27, "now")'
    assert checked('Db(self.conn).prepare(SQL).run(27, "now")', store_body) == [("unknown-version", 2)]


MIGRATIONS = '''
def merge_epochs_table(self): self.conn.execute(SQL, (3, 0))
def repair_labels_column(self): self.conn.execute(SQL, (24, 0))
'''


@pytest.mark.parametrize(("body", "methods"), [
    ("self.repair_labels_column()", 'def repair_labels_column(self):\n    statement = Db(self.conn).prepare(SQL)\n'
                                    '    statement.run(3, 0)\n    statement.run(24, 0)'),
    ("self.wrapper()", "def wrapper(self):\n    self.repair_labels_column()\n"
                       "def repair_labels_column(self):\n    self._record(3)\n    self._record(24)\n"
                       "def _record(self, v):\n    self.conn.execute(SQL, (v, 0))"),
])
def test_a_method_named_like_a_registry_migration_that_records_more_is_a_conflict(body: str, methods: str) -> None:
    findings = checked("self.merge_epochs_table()\nself.repair_labels_column()", body, MIGRATIONS, methods)
    assert findings == [("version-conflict", 3)]


def test_a_conflict_is_told_through_a_base_classs_init_calling_an_overridden_method() -> None:
    source = f'''
    SQL = "{RECORD}"
    class Base:
        def __init__(self, conn):
            self.conn = conn
            self.repair_labels_column()
    class Store(Base):
        def __init__(self, conn):
            super().__init__(conn)
        def repair_labels_column(self):
            self.conn.execute(SQL, (3, 0))
            self.conn.execute(SQL, (24, 0))
    '''
    runner = f'SQL = "{RECORD}"\nclass Runner:\n    def run_all_migrations(self, conn):\n        self.conn = conn\n' \
        "        self.merge_epochs_table()\n        self.repair_labels_column()\n" + textwrap.indent(MIGRATIONS, "    ")
    entry = EntrySpec("runner.py", "Runner", "run_all_migrations")
    extractor = Extractor(ModuleSet(InMemory({"runner.py": runner, "store.py": textwrap.dedent(source)})),
                          RecordingRules(), entry)
    registry = extractor.registry = extractor.migration_list(entry)
    path = extractor.migration_list(EntrySpec("store.py", "Store", "__init__"))
    assert [(f.code.value, f.version) for f in verify(registry, [path])] == [("version-conflict", 3)]


GROUPED = '''
def m26(self): self.conn.execute(SQL, (26, 0))
def m27(self): self.conn.execute(SQL, (27, 0))
def add_a(self): self.conn.execute(SQL, (27, 0))
def add_b(self): self.conn.execute(SQL, (27, 0))
'''


def test_duplicates_are_by_migration_however_a_module_level_grouping_function_reaches_them() -> None:
    group = "def migrate_sessionstore_1(store):\n    store.add_a()\n    store.add_b()\n"
    twice = "def regroup(store):\n    store.m27()\n    store.m26()\n"
    extra = {"groups.py": group + twice}
    runner = "self.m26()\nself.m27()"
    assert checked(runner, "from groups import migrate_sessionstore_1\nself.m26()\nmigrate_sessionstore_1(self)",
                   GROUPED, GROUPED, extra) == [("duplicate-version", 27)]
    assert checked(runner, "from groups import regroup\nself.m26()\nself.m27()\nregroup(self)",
                   GROUPED, GROUPED, extra) == []


@pytest.mark.parametrize(("body", "expected"), [
    ("for v in (3,):\n    match v:\n        case 3:\n            self.m27()\n        case 11:\n            self.m28()", [27]),
    ('match self.JOURNAL:\n    case "rollback":\n        self.m28()\n    case "wal" | "delete":\n        self.m27()', [27]),
    ('match (self.conn, 28):\n    case (_, 27):\n        self.m27()\n    case [_, int() as n] if n > 27:\n        self.m28()', [28]),
    ('match {"v": 28}:\n    case {"v": 27}:\n        self.m27()\n    case {"v": v, **rest} if not rest:\n        self.m28()', [28]),
    ("match self.conn:\n    case None:\n        self.m27()\n    case _:\n        self.m28()", [27, 28]),  # unknown: either
])
def test_a_match_runs_the_cases_that_match_and_only_those(body: str, expected: list[int]) -> None:
    assert recorded(store(body, textwrap.dedent(METHODS) + 'JOURNAL = "wal"\n')) == expected


@pytest.mark.parametrize("body", [
    "self._abort_step('why')\nself.m28()",
    "try:\n    self._abort_step('why')\n    self.m28()\nexcept RuntimeError:\n    pass",
    "pending = (step() for step in (self.m28,))",
    "for _ in (step() for step in (self._noop, self.m28)):\n    break",
    "all(step() for step in (self._noop, self.m28))",
    "self._noop() and self.m28()",
])
def test_code_that_cannot_run_is_not_credited(body: str) -> None:
    methods = METHODS + '''
    def _noop(self): pass
    def _abort_step(self, why):
        if why:
            raise RuntimeError(why)
        raise ValueError("no reason")
    '''
    assert recorded(store("self.m27()\n" + body, methods)) == [27]


@pytest.mark.parametrize("body", [
    "list(step() for step in (self.m28,))",
    "any(step() for step in (self._noop, self.m28))",
    "for _ in (step() for step in (self._noop, self.m28)):\n    pass",
    "first, second = (step() for step in (self._noop, self.m28))",
    "print(*(step() for step in (self.m28,)))",
])
def test_a_generator_consumed_runs(body: str) -> None:
    assert recorded(store(body, textwrap.dedent(METHODS) + "def _noop(self): pass\n")) == [28]


def test_a_generator_that_records_handed_to_outside_code_stops_the_check() -> None:
    with pytest.raises(UnresolvableError, match="a generator that applies migrations"):
        recorded(store("import itertools\nitertools.islice((step() for step in (self.m28,)), 1)"))


@pytest.mark.parametrize("call", ["self._star(28, 0)", "self._kw(version=28, at=0)", "self._only(version=28)",
                                  'self._star(*(n for n in (28,)), "now")'])
def test_numbers_passed_through_star_args_kwargs_and_keyword_only_parameters_are_read(call: str) -> None:
    methods = METHODS + f'''
    def _star(self, *params): self.conn.execute("{RECORD}", params)
    def _kw(self, **fields): self.conn.execute("{RECORD.replace('?, ?', ':version, :at')}", fields)
    def _only(self, *, version, at=0): self.conn.execute("{RECORD}", (version, at))
    '''
    assert recorded(store(call, methods)) == [28]


@pytest.mark.parametrize(("condition", "applies"), [
    ("isinstance(7, int)", True), ('isinstance("7", (int, dict))', False), ("isinstance(True, int)", True),
    ('type({"k": 1}) is list', False), ("type(7) == int", True), ('len(("a", 2)) == 2', True),
    ('"m28" in ("other", "names")', False), ("isinstance(self, Store)", True), ("isinstance(self, dict)", False),
])
def test_conditions_on_len_isinstance_type_and_in_of_known_values_decide(condition: str, applies: bool) -> None:
    assert recorded(store(f"if {condition}:\n    self.m28()")) == ([28] if applies else [])


@pytest.mark.parametrize(("condition", "first"), [
    ('isinstance(["a", "b"], (list, tuple))', True), ('isinstance(("a",), (tuple, str, list))', True),
    ('isinstance(["a"], list)', None), ('isinstance(["a"], (str, dict))', False),
])
def test_isinstance_of_a_sequence_literal_decides_when_it_names_both_list_and_tuple(condition: str,
                                                                                    first: bool | None) -> None:
    """A list is held as a tuple: ``(list, tuple)`` decides it (isso's ``execute`` wrapper); ``list`` alone may not."""
    expected = {True: [27], False: [28], None: [27, 28]}[first]
    assert recorded(store(f"if {condition}:\n    self.m27()\nelse:\n    self.m28()")) == expected


def test_an_entry_method_runs_on_the_object_its_constructor_builds() -> None:
    """``init`` runs SQL its class's argument-less constructor set (gajim's storage classes)."""
    source = f'''
    class Base:
        def __init__(self, script):
            self.script = script
        def init(self):
            self.conn.executescript(self.script)
    class Store(Base):
        def __init__(self):
            Base.__init__(self, "CREATE TABLE t (x); INSERT INTO schema_versions (version) VALUES (7);")
    '''
    files = {"store.py": textwrap.dedent(source)}
    listing = Extractor(ModuleSet(InMemory(files)), RecordingRules()).migration_list(EntrySpec("store.py", "Store", "init"))
    assert listing.applied() == [7]


def test_a_loop_that_stops_at_the_first_missing_step_applies_the_run_before_the_gap() -> None:
    """calibre's shape: ``while True`` looks the next step up by a built name and leaves at the
    first it does not find, so a gap ends the run (every existing step was credited before)."""
    body = ("while True:\n    uv = int(conn.execute('pragma user_version').fetchone()[0])\n"
            "    meth = getattr(self, f'm{uv}', None)\n    if meth is None:\n        break\n    meth()")
    gap = METHODS.replace("def m28", "def m30")
    assert recorded(store(body, gap.replace("(28, 0)", "(30, 0)"))) == [27]
    assert recorded(store(body)) == [27, 28]


def test_a_name_built_from_a_value_read_from_the_database_selects_among_the_numbered_steps() -> None:
    """calibre: ``uv = next(db.execute('pragma user_version'))[0]``, then ``f'upgrade_version_{uv}'``:
    the value may be anything, so every step the template fits may run, provided each carries a
    number there; one that does not (``step_extra``) may be selected too, and stops the check."""
    methods = f'''
    def step_27(self): self.conn.execute("{RECORD}", (27, 0))
    def step_29(self): self.conn.execute("{RECORD}", (29, 0))
    '''
    body = 'uv = next(self.conn.execute("pragma user_version"))[0]\ngetattr(self, f"step_{uv}")()'
    assert recorded(store(body, methods)) == [27, 29]
    with pytest.raises(UnresolvableError, match="getattr with a name the checker cannot build"):
        recorded(store(body, textwrap.dedent(methods) + "def step_extra(self): pass\n"))


# --- issue 18: numbering by enumerate, and a value a comparison fixes -----------------------------

VALUES_D = "INSERT INTO schema_versions (version) VALUES (%d)"


@pytest.mark.parametrize(("body", "numbers"), [
    (f'for v, s in enumerate(("a", "b"), start=27):\n    self.conn.execute("{VALUES_D}" % v)', [27, 28]),
    (f'for v, s in enumerate(("a", "b"), 27):\n    self.conn.execute("{VALUES_D}" % v)', [27, 28]),
    (f'for v, s in enumerate(("a", "b")):\n    self.conn.execute("{VALUES_D}" % (v + 27))', [27, 28]),
    # the bound read from the database and the start move together: item k is k + 27
    (f'cur = self.conn.current()\nfor v, s in enumerate(("a", "b", "c")[cur:], start=cur + 27):\n'
     f'    self.conn.execute("{VALUES_D}" % v)', [27, 28, 29]),
    (f'cur = self.conn.current()\nfor v, s in enumerate(("a", "b", "c")[cur + 1:3], cur + 28):\n'
     f'    self.conn.execute("{VALUES_D}" % v)', [28, 29]),
    # known bounds: only the items between them run
    (f'cur = self.conn.current()\nfor v in (27, 28, 29, 30)[1:cur]:\n    self.conn.execute("{VALUES_D}" % v)',
     [28, 29, 30]),
    (f'cur = self.conn.current()\nfor v in (27, 28, 29, 30)[cur:2]:\n    self.conn.execute("{VALUES_D}" % v)', [27, 28]),
])
def test_enumerate_numbers_items_from_its_start(body: str, numbers: list[int]) -> None:
    assert recorded(store(body, methods="")) == numbers


def test_enumerate_over_a_slice_with_a_start_of_its_own_numbers_nothing_it_can_know() -> None:
    body = (f'cur, first = self.conn.current(), self.conn.first()\n'
            f'for v, s in enumerate(("a", "b")[cur:], start=first):\n    self.conn.execute("{VALUES_D}" % v)')
    with pytest.raises(UnresolvableError):
        recorded(store(body, methods=""))


@pytest.mark.parametrize("body", [
    'v = self.conn.current()\nassert v == 8\nself.conn.execute("{sql}" % v)',
    'v = self.conn.current()\nif v == 8:\n    self.conn.execute("{sql}" % v)',
    'v = self.conn.current()\nif v != 8:\n    raise ValueError(v)\nself.conn.execute("{sql}" % v)',
    'v = self.conn.current()\nif 8 != v:\n    pass\nelse:\n    self.conn.execute("{sql}" % v)',
])
def test_a_comparison_fixes_the_number_where_it_holds(body: str) -> None:
    assert recorded(store(body.format(sql=VALUES_D), methods="")) == [8]


def test_a_comparison_fixes_nothing_where_it_fails() -> None:
    body = f'v = self.conn.current()\nif v != 8:\n    self.conn.execute("{VALUES_D}" % v)'
    with pytest.raises(UnresolvableError):
        recorded(store(body, methods=""))


def test_a_record_made_in_another_modules_lambda_is_placed_at_the_call_of_the_lambda() -> None:
    """Where a path applies a number is a line of its own file (a fix goes beside it)."""
    files = {"helpers.py": 'stamp = lambda conn, n: conn.execute(f"PRAGMA user_version = {n}")\n',
             "store.py": "from helpers import stamp\n\n\ndef open_db(conn):\n    conn.execute('SELECT 1')\n    stamp(conn, 4)\n"}
    extractor = Extractor(ModuleSet(InMemory(files)), RecordingRules(user_version=True))
    listing = extractor.with_call_sites(extractor.migration_list(EntrySpec("store.py", "open_db")))
    assert [(m.versions, m.call_site.line) for m in listing.migrations] == [((4,), 6)]


@pytest.mark.parametrize(("body", "numbers"), [
    ("steps = [self.m27, self.m28]\nsteps.pop()\nfor step in steps:\n    step()", [27]),
    ("steps = [self.m27, self.m28]\ndel steps[0]\nfor step in steps:\n    step()", [28]),
    ("steps = {1: self.m27, 2: self.m28}\nsteps[2] = self.m27\nfor key in steps:\n    steps[key]()", [27]),
    ("steps = {1: self.m27}\nsteps.update({2: self.m28})\nfor key in (1, 2):\n    steps[key]()", [27, 28]),
    ("steps = [self.m27]\nsteps.append(self.m28)\nsteps.reverse()\nfor step in steps:\n    step()", [28, 27]),
    ("steps = [self.m27]\nsteps += [self.m28]\nfor step in steps:\n    step()", [27, 28]),
])
def test_a_list_or_dict_changed_in_place_runs_what_it_holds_then(body: str, numbers: list[int]) -> None:
    assert recorded(store(body)) == numbers


@pytest.mark.parametrize("body", [
    "steps = [self.m27, self.m28]\nalias = steps\nsteps.pop()\nfor step in alias:\n    step()",
    "steps = [self.m27, self.m28]\nrandom.shuffle(steps)\nsteps.pop()\nfor step in steps:\n    step()",
    "steps = [self.m27, self.m28]\ndrop_last(steps)\nfor step in steps:\n    step()",
])
def test_a_list_that_may_be_changed_elsewhere_is_no_longer_known(body: str) -> None:
    header = "import random\n\n\ndef drop_last(items):\n    items.pop()\n"
    with pytest.raises(UnresolvableError, match="cannot be followed"):
        recorded(store(body, header=header))


def test_a_list_changed_in_place_where_no_name_of_the_run_holds_it_stops_the_check() -> None:
    source = store("self.STEPS.pop()\nfor step in self.STEPS:\n    step(self)", methods=METHODS + "\n    STEPS = [m27, m28]\n")
    with pytest.raises(UnresolvableError, match=r"changes self.STEPS.pop\(\), which cannot be followed"):
        recorded(source)
