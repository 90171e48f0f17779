"""A bundle's layout: what hides code is told from code without parsing, so that a bundle is
parsed in parts; where the lexer could be wrong, the part's parse or the whole parse decides."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bundler.cli import main
from bundler.frontends.typescript.extract import read_bundle
from bundler.frontends.typescript.layout import layout_of
from bundler.frontends.typescript.parse import parser_for

REPO_ROOT = Path(__file__).resolve().parents[4]
WORKER = REPO_ROOT / "tests" / "fixtures" / "typescript" / "worker"


def statements(text: str) -> list[str]:
    """The text cut into the top-level statements the layout finds."""
    layout = layout_of(text.encode())
    assert layout is not None
    cuts, offset = [], 0
    while offset < len(text):
        start, end = layout.statement_at(offset)
        cuts.append(text[start:end])
        offset = end
    return cuts


@pytest.mark.parametrize(("text", "expected"), [
    ('var a=1;var b="x;y}";', ['var a=1;', 'var b="x;y}";']),
    ("var a=`t;${b({c:1})}`;var d=2;", ["var a=`t;${b({c:1})}`;", "var d=2;"]),
    ("var a=`${`${'}'}`}`;f()", ["var a=`${`${'}'}`}`;", "f()"]),
    ("var a=/[;}\"']/g.test(b);c()", ["var a=/[;}\"']/g.test(b);", "c()"]),
    ("var a=b/c;d=e/f;/* ; */g()//;\n", ["var a=b/c;", "d=e/f;", "/* ; */g()//;\n"]),
    ("#!/usr/bin/env node\nvar a=b++/2,c=d.in/2;e=/[/]/", ["#!/usr/bin/env node\nvar a=b++/2,c=d.in/2;", "e=/[/]/"]),
    ("function a(){return/;/}var b=class{x(){for(;;)break}};",
     ["function a(){return/;/}", "var b=class{x(){for(;;)break}};"]),
])
def test_statements_end_at_top_level_semicolons_and_declarations(text: str, expected: list[str]) -> None:
    assert statements(text) == expected


@pytest.mark.parametrize("text", ['var a="open;', "var a=`open", "var a=(1", "var a=1)", "var a=/open"])
def test_text_that_does_not_lex_has_no_layout(text: str) -> None:
    assert layout_of(text.encode()) is None


def test_top_level_words_and_patterns_are_those_at_depth_0() -> None:
    text = b'var g=1,h;function k(g){return g}var{x:m}=o,[n]=p;f(a,{b:1});"g"'
    layout = layout_of(text)
    assert layout is not None
    assert layout.top_level_word("g") == [4, 62]  # a plain string is read with the code: its parse tells
    assert layout.top_level_word("x") == []  # inside the pattern: found through destructuring()
    assert [text[offset:offset + 1] for offset in layout.destructuring()] == [b"{", b"["]


def test_a_bundle_is_read_in_parts() -> None:
    source = read_bundle(WORKER / "plugin" / "worker-service.cjs", "plugin/worker-service.cjs")
    assert source.tree is None and source.layout is not None


def check(capsys, folder: Path, bundle: Path) -> tuple[int, str]:
    code = main(["check", "--config", str(folder / "pyproject.toml"), "--root", str(folder), "--bundle", str(bundle)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("prefix", [
    'var q=1;if(q)/"/.test("a");',  # a regular expression the lexer takes for a division: the whole parse decides
    'var q=`a${"}"}b`,r=/[`]/,s="\\"(";',  # brackets and quotes inside strings, templates and patterns
])
def test_code_the_layout_may_misread_gives_the_verdict_of_the_whole_parse(tmp_path: Path, capsys, prefix: str) -> None:
    folder = tmp_path / "worker"
    shutil.copytree(WORKER, folder)
    for name in ("worker-service.cjs", "stale-worker-service.cjs"):
        original = folder / "plugin" / name
        changed = folder / "plugin" / f"prefixed-{name}"
        changed.write_text(prefix + original.read_text())
        code, output = check(capsys, folder, original)
        assert check(capsys, folder, changed) == (code, output.replace("plugin/", "plugin/prefixed-"))


def test_a_part_that_does_not_parse_is_read_from_the_whole_parse(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "worker"
    shutil.copytree(WORKER, folder)
    bundle = folder / "plugin" / "worker-service.cjs"
    bundle.write_text(bundle.read_text().replace("addSettings(){", "addSettings(){#;", 1))
    code, output = check(capsys, folder, bundle)
    assert code == 2
    assert "plugin/worker-service.cjs: the copy of SessionStore at line 1 does not parse" in output


@pytest.mark.parametrize("name", ["worker-service.cjs", "stale-worker-service.cjs"])
def test_no_part_cuts_a_statement_of_the_whole_parse(name: str) -> None:
    data = (WORKER / "plugin" / name).read_bytes()
    layout = layout_of(data)
    assert layout is not None
    statements = parser_for(".cjs").parse(data).root_node.named_children
    assert len(statements) > 10
    for statement in statements:
        start, end = layout.statement_at(statement.start_byte)
        assert start <= statement.start_byte and statement.end_byte <= end
