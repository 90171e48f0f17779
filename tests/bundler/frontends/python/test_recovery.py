"""Reading a file whose syntax errors all sit inside functions: each such function is a stub."""

from __future__ import annotations

import ast
import textwrap

import pytest

from bundler.errors import SourceError
from bundler.frontends.python.recovery import definitions, recover
from bundler.model import EntrySpec
from bundler.frontends.python.sources import InMemory, ModuleSet

PYTHON_2 = textwrap.dedent('''\
    import os

    class Environment(object):
        @property
        def name(self):
            return os.path.basename(self.path)

        def system_info(self):
            return sorted(self.info,
                          key=lambda (name, ver): name.lower())

        def size(self): return 2

        async def report(self):
            print "report"

    def outer(x):
        def inner():
            pass
        return x
    ''')


def first_error(text: str) -> tuple[str, int]:
    with pytest.raises(SyntaxError) as caught:
        ast.parse(text)
    return caught.value.msg, caught.value.lineno


def test_definitions_span_their_body_one_liners_and_nested_functions() -> None:
    spans = {(d.name, d.first, d.last, d.is_async) for d in definitions(PYTHON_2)}
    assert spans == {("Environment.name", 5, 6, False), ("Environment.system_info", 8, 10, False),
                     ("Environment.size", 12, 12, False),
                     ("Environment.report", 14, 15, True), ("outer.inner", 18, 19, False), ("outer", 17, 20, False)}


def test_each_function_holding_an_error_becomes_a_stub_and_lines_stay_where_they_were() -> None:
    text, stubs = recover(PYTHON_2, *first_error(PYTHON_2))
    ast.parse(text)
    assert [(s.name, s.line, s.error_line) for s in stubs] == [("Environment.system_info", 8, 10), ("Environment.report", 14, 15)]
    assert text.count("\n") == PYTHON_2.count("\n")
    assert text.splitlines()[11] == PYTHON_2.splitlines()[11]  # `def size` where it was
    assert "key=lambda (name, ver)" in stubs[0].text


def test_an_error_in_a_header_takes_the_whole_function() -> None:
    source = "def pair((a, b)):\n    return a\n\nVALUE = 1\n"
    text, stubs = recover(source, *first_error(source))
    assert text.startswith("def pair(*") and "VALUE = 1" in text and stubs[0].name == "pair"


def test_an_error_outside_every_function_is_not_recovered() -> None:
    source = 'print "hello"\n\ndef ok():\n    pass\n'
    assert recover(source, *first_error(source)) is None


def test_a_module_set_reads_the_rest_only_when_the_configuration_vouches_for_each_stub() -> None:
    vouched = [EntrySpec("env.py", "Environment", "system_info"), EntrySpec("env", "Environment", "report")]
    module = ModuleSet(InMemory({"env.py": PYTHON_2}), unparsed_allowed=vouched).by_path("env.py")
    assert [s.name for s in module.unreadable] == ["Environment.system_info", "Environment.report"]
    assert module.text == PYTHON_2  # the file as written: fixes edit this text, never the stubbed one
    with pytest.raises(SourceError, match=r'env.py:15: syntax error: .*list "env.py:Environment.report" in'):
        ModuleSet(InMemory({"env.py": PYTHON_2}), unparsed_allowed=vouched[:1]).by_path("env.py")
    with pytest.raises(SourceError, match="top.py:1: syntax error"):
        ModuleSet(InMemory({"top.py": 'print "hello"\n'})).by_path("top.py")
