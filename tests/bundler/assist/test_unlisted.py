"""bundler fix for unlisted-step: the module listed as the next item, the head raised with it."""

from __future__ import annotations

from pathlib import Path

from bundler.cli import main

RUNNER = '''import importlib

VERSION = 2

STEPS = {listing}


def run_steps(current):
    for index in range(current, VERSION):
        for name in STEPS[index]:
            importlib.import_module("app.steps.%s" % name).apply()
'''

STEP = "def apply():\n    return None\n"

CONFIG = '''[tool.bundler]
style = "records"
runner = "app/steps/__init__.py:STEPS"
stores = ["app/steps/__init__.py:run_steps"]
head = "app/steps/__init__.py:VERSION"

[tool.bundler.styles]
record-number = "position"
'''


def project(tmp_path: Path, listing: str) -> Path:
    steps = tmp_path / "app" / "steps"
    steps.mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (steps / "__init__.py").write_text(RUNNER.format(listing=listing))
    for name in ("create_notes", "add_tags", "index_tags"):
        (steps / f"{name}.py").write_text(STEP)
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    return tmp_path / "pyproject.toml"


def test_the_last_item_gets_the_comma_the_new_one_needs(tmp_path: Path, capsys) -> None:
    config = project(tmp_path, '[\n    ["create_notes"],\n    ["add_tags"]\n]')
    assert main(["check", "--config", str(config)]) == 1
    assert main(["fix", "--write", "--config", str(config)]) == 0, capsys.readouterr()
    text = (tmp_path / "app" / "steps" / "__init__.py").read_text()
    assert 'VERSION = 3\n' in text and '    ["add_tags"],\n    ["index_tags"],\n]' in text
    assert main(["check", "--config", str(config)]) == 0


def test_a_listing_on_one_line_is_left_to_the_author(tmp_path: Path, capsys) -> None:
    config = project(tmp_path, '[["create_notes"], ["add_tags"]]')
    before = (tmp_path / "app" / "steps" / "__init__.py").read_text()
    assert main(["fix", "--write", "--config", str(config)]) == 1
    assert "index_tags is written but not listed" in capsys.readouterr().err
    assert (tmp_path / "app" / "steps" / "__init__.py").read_text() == before
