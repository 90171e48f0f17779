"""Extraction, on inline snippets: which migrations an entry applies and which numbers each records."""

from __future__ import annotations

import textwrap

import pytest

from bundler.errors import SourceError, UnresolvableError
from bundler.frontends.python.extract import Extractor
from bundler.model import EntrySpec
from bundler.frontends.python.records import RecordingRules
from bundler.frontends.python.sources import InMemory, ModuleSet

RECORD = "INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)"


def applied(source: str, *, entry: str = "Store.__init__", extra: dict[str, str] | None = None) -> list[tuple[str, tuple[int, ...]]]:
    files = {"store.py": textwrap.dedent(source), **(extra or {})}
    class_name, method = entry.split(".")
    listing = Extractor(ModuleSet(InMemory(files)), RecordingRules()).migration_list(EntrySpec("store.py", class_name, method))
    return [(m.method, m.versions) for m in listing.migrations]


def test_calls_in_order_including_under_if_try_with_and_while_and_none_in_dead_code() -> None:
    source = f'''
    class Store:
        def __init__(self):
            self.a()
            if x:
                self.b()
            else:
                self.c()
            try:
                with ctx:
                    self.d()
            except E:
                pass
            while False:
                self.e()

        def a(self): self.conn.execute("{RECORD}", (1, 0))
        def b(self): self.conn.execute("{RECORD}", (2, 0))
        def c(self): self.conn.execute("{RECORD}", (3, 0))
        def d(self): self.conn.execute("{RECORD}", (4, 0))
        def e(self): self.conn.execute("{RECORD}", (5, 0))
    '''
    assert [v for _, v in applied(source)] == [(1,), (2,), (3,), (4,)]


def test_methods_that_record_nothing_are_not_migrations() -> None:
    source = f'''
    class Store:
        def __init__(self):
            self.connect()
            self.a()

        def connect(self): self.conn = open_database()
        def a(self): self.conn.execute("{RECORD}", (1, 0))
    '''
    assert applied(source) == [("Store.a", (1,))]


def test_a_recording_helper_records_for_its_caller() -> None:
    source = f'''
    class Store:
        def __init__(self):
            self.a()
            self._record(9)

        def a(self): self._record(version=1)
        def _record(self, version): self.conn.execute("{RECORD}", (version, 0))
    '''
    assert applied(source) == [("Store.a", (1,)), ("Store._record (called by Store.__init__)", (9,))]


def test_loop_variable_numbers_are_bound_per_iteration() -> None:
    source = f'''
    class Store:
        def __init__(self):
            self.late()

        def late(self):
            for version in (27, 28):
                self.conn.execute("{RECORD}", (version, 0))
    '''
    assert applied(source) == [("Store.late", (27, 28))]


@pytest.mark.parametrize("loop", [
    "for name, step in ((\"first\", self.m27), (\"second\", self.m28)):\n                step()",
    "for index, step in enumerate([self.m27, self.m28]):\n                step()",
    "for step, version in ((self.m27, 27), (self.m28, 28)):\n                step()\n                self._record(version)",
])
def test_loops_that_unpack_their_items_apply_each_method_in_order(loop: str) -> None:
    source = f'''
    class Store:
        def __init__(self):
            {loop}

        def m27(self): self._record(27)
        def m28(self): self._record(28)
        def _record(self, version): self.conn.execute("{RECORD}", (version, 0))
    '''
    assert list(dict.fromkeys(v for _, versions in applied(source) for v in versions)) == [27, 28]


def test_a_loop_item_that_does_not_unpack_applies_nothing_it_cannot_name() -> None:
    source = f'''
    class Store:
        def __init__(self):
            for name, step in (self.m27, self.m28):
                step()

        def m27(self): self.conn.execute("{RECORD}", (27, 0))
        def m28(self): self.conn.execute("{RECORD}", (28, 0))
    '''
    assert applied(source) == []


def test_a_loop_over_what_a_helper_returns_applies_each_item() -> None:
    source = f'''
    class Store:
        def __init__(self):
            self.m27()
            for step in self.steps():
                step()

        def steps(self): return [self.m28]
        def m27(self): self.conn.execute("{RECORD}", (27, 0))
        def m28(self): self.conn.execute("{RECORD}", (28, 0))
    '''
    assert applied(source) == [("Store.m27", (27,)), ("Store.m28", (28,))]


def test_a_call_of_a_loop_item_that_cannot_be_read_stops_the_check_naming_the_loop() -> None:
    source = f'''
    class Store:
        def __init__(self, steps):
            self.m27()
            for step in steps:
                step()

        def m27(self): self.conn.execute("{RECORD}", (27, 0))
    '''
    with pytest.raises(UnresolvableError, match=r"store.py:6: Store.__init__ calls step\(\), which cannot be followed"
                                                r" \(step is an item of a loop whose items cannot be read\)"):
        applied(source)


def test_recursion_between_helpers_terminates() -> None:
    source = f'''
    class Store:
        def __init__(self):
            self.ping()

        def ping(self):
            self.pong()
            self.conn.execute("{RECORD}", (1, 0))

        def pong(self):
            self.ping()
    '''
    assert applied(source) == [("Store.ping", (1,))]


def test_nested_functions_and_lambdas_are_definitions_not_calls() -> None:
    source = f'''
    class Store:
        def __init__(self):
            def later():
                self.a()
            callback = lambda: self.a()

        def a(self): self.conn.execute("{RECORD}", (1, 0))
    '''
    assert applied(source) == []


def test_a_number_from_a_call_cannot_be_resolved() -> None:
    source = f'''
    class Store:
        def __init__(self):
            self.a()

        def a(self): self.conn.execute("{RECORD}", (next_version(), 0))
    '''
    with pytest.raises(UnresolvableError, match=r"store.py:6: cannot resolve the version number statically in Store.a"):
        applied(source)


def test_a_name_assigned_twice_has_what_importing_the_module_leaves() -> None:
    source = f'''
    V = 1
    V = 2
    for extra in (3, 4):
        if extra > V:
            V = extra

    class Store:
        def __init__(self):
            self.conn.execute("{RECORD}", (V, 0))
    '''
    assert [numbers for _, numbers in applied(source)] == [(4,)]


def test_a_name_a_function_may_change_cannot_be_resolved() -> None:
    source = f'''
    V = 1
    V = 2

    def bump():
        global V
        V = 3

    class Store:
        def __init__(self):
            self.conn.execute("{RECORD}", (V, 0))
    '''
    with pytest.raises(UnresolvableError):
        applied(source)


def test_relative_imports_from_a_package() -> None:
    files = {
        "app/__init__.py": "",
        "app/numbers.py": "CLAIMS = 28\n",
        "app/store.py": f'from .numbers import CLAIMS\n\nclass Store:\n    def __init__(self):\n        self.conn.execute("{RECORD}", (CLAIMS, 0))\n',
    }
    extractor = Extractor(ModuleSet(InMemory(files)), RecordingRules())
    listing = extractor.migration_list(EntrySpec("app/store.py", "Store", "__init__"))
    assert listing.applied() == [28]


def test_missing_class_and_method_name_the_file() -> None:
    with pytest.raises(SourceError, match="store.py: class Nope not found"):
        applied("class Store:\n    pass\n", entry="Nope.__init__")
    with pytest.raises(SourceError, match="store.py:1: class Store has no method run"):
        applied("class Store:\n    pass\n", entry="Store.run")


def test_numbers_found_through_a_cycle_are_right_from_either_side() -> None:
    """Results cut short by recursion are not remembered: pong, reached first inside ping's
    cycle, still records 1 when the entry calls it directly."""
    source = f'''
    class Store:
        def __init__(self):
            self.ping()
            self.pong()

        def ping(self):
            self.conn.execute("{RECORD}", (1, 0))
            self.pong()

        def pong(self):
            self.ping()
    '''
    assert applied(source) == [("Store.ping", (1,)), ("Store.pong", (1,))]
