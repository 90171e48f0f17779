"""Every finding code is documented once: `bundler explain`, `--list-codes` and SARIF read it."""

from __future__ import annotations

import pytest

from bundler.cli import main
from bundler.findings.codes import DOCS
from bundler.model import DEFAULT_SEVERITY, Code


@pytest.mark.parametrize("code", list(Code), ids=[c.value for c in Code])
def test_explain_says_what_triggers_it_an_example_and_the_fix(code: Code, capsys) -> None:
    assert main(["explain", code.value]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"{code.value} ({DEFAULT_SEVERITY[code].value} by default): {DOCS[code].summary}")
    assert "\nWhen: " in text and "\nExample:\n    " in text and "\nFix: " in text


def test_explain_of_an_unknown_code_suggests_the_nearest(capsys) -> None:
    assert main(["explain", "missing-migrations"]) == 2
    assert capsys.readouterr().err == (
        "bundler: error: explain: unknown finding code 'missing-migrations'; did you mean 'missing-migration'?"
        " (bundler check --list-codes lists them)\n")


def test_list_codes_needs_no_configuration(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--list-codes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [code.value for code in Code]
    assert lines[0].split()[1] == "error" and "unused-suppression  warning" in lines[-1]


def test_the_readme_explains_every_code_as_explain_does() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    for code in Code:
        section = readme.split(f"\n### {code.value}\n", 1)[1].split("\n### ", 1)[0]
        assert DOCS[code].summary in section and DOCS[code].fix in " ".join(section.split()), code
