"""Values are read as Python reads them: an f-string's literal text with its escapes decoded
(issue 23: SQL spelled with ``\\n`` or ``\\"`` inside an f-string was not seen)."""

from __future__ import annotations

import warnings

import libcst as cst
import pytest

from bundler.frontends.python.sources import InMemory, ModuleSet
from bundler.frontends.python.values import Evaluation, Resolver

SOURCES = [
    r'f"a\nb"', r'f"tab\there"', r'f"back\\slash"', r'f"\x41\101\u0042\U00000043"', r'f"\N{EM DASH}"',
    r"f'it\'s'", r'f"say \"hi\""', r'f"{{braces}}"', r'rf"raw\n{{x}}"', r'f"""tri\
ple"""', r'f"unknown \q escape"', "f'INSERT INTO \\\"schema_versions\\\" VALUES ({N}, 1)'",
    r'"plain " f"and\tf" "\n"',
]


@pytest.mark.parametrize("source", SOURCES)
def test_an_fstrings_text_is_what_python_makes_of_it(source: str) -> None:
    modules = ModuleSet(InMemory({"m.py": "N = 63\n"}))
    value = Evaluation(Resolver(modules), modules.by_path("m.py"), None, {}).evaluate(cst.parse_expression(source))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "\q": an unknown escape keeps its backslash
        assert value == eval(source, {"N": 63})
