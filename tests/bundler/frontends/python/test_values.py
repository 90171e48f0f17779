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


# --- issue 18.5: a list the module fills while it is imported -------------------------------------

REGISTRARS = {
    "alias": "STEPS = [a]\nmigration = STEPS.append\n@migration\ndef b(): pass\n@migration\nclass C: pass\n",
    "append decorator": "STEPS = [a]\n@STEPS.append\ndef b(): pass\n@STEPS.append\nclass C: pass\n",
    "statements": "STEPS = [a]\ndef b(): pass\nclass C: pass\nSTEPS.append(b)\nSTEPS.append(C)\n",
    "registering function": ('STEPS = [a]\ndef migration(step):\n    """Keep it."""\n    STEPS.append(step)\n'
                             "    return step\n@migration\ndef b(): pass\n@migration\nclass C: pass\n"),
}


def module_value(source: str, name: str = "STEPS"):
    modules = ModuleSet(InMemory({"m.py": "def a(): pass\n" + source}))
    return Resolver(modules).module_name(name, modules.by_path("m.py"))


@pytest.mark.parametrize("source", REGISTRARS.values(), ids=list(REGISTRARS))
def test_a_list_filled_while_the_module_is_imported_holds_what_it_appends_in_order(source: str) -> None:
    assert [getattr(item, "name", None) for item in module_value(source)] == ["a", "b", "C"]


@pytest.mark.parametrize("source", [
    "STEPS = [a]\ndef later(step):\n    STEPS.append(step)\n    print(step)\n",  # not only a registration
    "STEPS = [a]\nmigration = STEPS.append\ndef later(step):\n    migration(step)\n",  # appends at run time
    "STEPS = [a]\ndef enable():\n    STEPS.append(a)\n",
    "STEPS = [a]\nSTEPS.extend([a])\n",
    "STEPS = [a]\nSTEPS[0] = a\n",
])
def test_a_list_changed_any_other_way_is_not_its_literal(source: str) -> None:
    assert not isinstance(module_value(source), tuple)


@pytest.mark.parametrize(("source", "value"), [
    ("SQL = 'INSERT'\nSQL[0] = 'x'\n", "INSERT"),  # a string cannot change in place: that line raises
    ("N = 7\ndef later():\n    N.append(8)\n", 7),
])
def test_a_string_or_number_constant_is_its_literal_whatever_is_done_with_its_name(source: str, value: object) -> None:
    name = source.split(" ", 1)[0]
    assert module_value(source, name) == value


# --- percent formatting as Python does it, with holes only where a value is unknown ---------------

@pytest.mark.parametrize(("source", "text"), [
    ('"db%03d" % 7', "db007"),
    ('"%(table)s.%(n)02d" % {"table": "t", "n": 5}', "t.05"),
    ('"%-4s|%+d|%x|%.1f|%r" % ("a", 3, 255, 2.25, "q")', "a   |+3|ff|2.2|'q'"),
    ('"v %(now)s at %(n)d" % {"now": U, "n": 4}', "v \x00 at 4"),
    ('"%(a)s and %(b)d" % U', "\x00 and \x01"),  # a mapping that cannot be read: every value unknown
    ('"%5.2f then %s" % (U, "k")', "\x00 then k"),
    ('"%d%%" % U', "\x01%"),
])
def test_percent_formatting_is_pythons_with_holes_where_values_are_unknown(source: str, text: str) -> None:
    modules = ModuleSet(InMemory({"m.py": "import time\nU = time.time()\n"}))
    value = Evaluation(Resolver(modules), modules.by_path("m.py"), None, {}).evaluate(cst.parse_expression(source))
    assert getattr(value, "text", value) == text
