"""Registry styles beyond method lists (the fixtures under tests/fixtures/checker/styles_* hold
the passing and failing code bases); here: bundles, and what cannot be followed."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from bundler.cli import main

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "checker"


def test_every_version_module_must_be_in_the_bundle_under_the_name_the_runner_builds(tmp_path: Path, capsys) -> None:
    project = FIXTURES / "styles_modules"
    bundle = tmp_path / "app.pyz"
    with zipfile.ZipFile(bundle, "w") as archive:
        for name in ("app/__init__.py", "app/runner.py", "app/upgrades/__init__.py", "app/upgrades/db27.py",
                     "app/upgrades/db29.py"):
            archive.write(project / "src" / name, f"site-packages/{name}")
    assert main(["check", "--config", str(project / "pyproject.toml"), "--bundle", str(bundle), "--format", "json"]) == 1
    [finding] = json.loads(capsys.readouterr().out)["findings"]
    assert (finding["code"], finding["version"]) == ("missing-migration", 28)
    assert f"({bundle})" in finding["message"]
    assert "it imports app.upgrades.db28, which does not exist: give version 28's module that name" in finding["message"]


def test_a_misnamed_version_module_is_named_with_the_name_the_runner_builds(capsys) -> None:
    project = FIXTURES / "styles_modules"
    assert main(["check", "--config", str(project / "bad.toml"), "--format", "json"]) == 1
    [finding] = json.loads(capsys.readouterr().out)["findings"]
    assert "upgrades_bad/db_28.py" in finding["message"]
    assert "by the name app.upgrades_bad.db28, which does not exist" in finding["message"]


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root / "pyproject.toml"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"pyproject.toml": '[tool.bundler]\nstyle = "decorator"\nrunner = "m.py"\nstores = ["s.py"]\n'},
         "unknown style 'decorator'; did you mean 'decorators'?"),
        ({"pyproject.toml": '[tool.bundler]\nstyle = "decorators"\nrunner = "m.py"\nstores = ["s.py"]\n',
          "m.py": "@migration\ndef add_claims(db):\n    pass\n", "s.py": ""},
         "m.py:1: @migration on add_claims gives no number and the name has none: set [tool.bundler.styles] name-pattern"),
        ({"pyproject.toml": '[tool.bundler]\nstyle = "decorators"\nrunner = "m.py"\nstores = ["s.py"]\n',
          "m.py": "@migration(next_number())\ndef up(db):\n    pass\n", "s.py": ""},
         "m.py:1: cannot resolve the number in @migration(...) of up"),
        ({"pyproject.toml": '[tool.bundler]\nstyle = "records"\nrunner = "m.py:UPGRADES"\nstores = ["s.py:U"]\n',
          "m.py": "UPGRADES = [Upgrade(target=28, run=up_28)]\n", "s.py": "U = []\n"},
         "m.py:1: cannot resolve the number of a record in UPGRADES: write it as a literal or a constant, list the keyword"),
        ({"pyproject.toml": '[tool.bundler]\nstyle = "records"\nrunner = "m.py:UPGRADES"\nstores = ["s.py:U"]\n',
          "m.py": "UPGRADES = build_upgrades()\n", "s.py": "U = []\n"},
         "m.py:1: UPGRADES is not a list, tuple or dict literal"),
        ({"pyproject.toml": '[tool.bundler]\nstyle = "modules"\nrunner = "src/app/up"\nstores = ["src/app/r.py:R.run"]\n',
          "src/app/up/db1.py": "", "src/app/r.py": "class R:\n    def run(self, n):\n        __import__(name_of(n))\n"},
         "src/app/r.py:3: R.run imports __import__(name_of(n)), which cannot be followed (a module name the checker"
         " cannot build)"),
        ({"pyproject.toml": '[tool.bundler]\nstyle = "naming"\nrunner = "s.py:Missing"\nstores = ["s.py:S.up"]\n',
          "s.py": "class S:\n    def up(self):\n        pass\n"},
         "s.py: class Missing not found"),
        ({"pyproject.toml": '[tool.bundler]\nstyle = "records"\nrunner = "m.py:UPGRADES"\nstores = ["s.py:U"]\n'
                            '[tool.bundler.styles]\nname-pattern = "no group"\n'},
         "name-pattern: needs a group around the number"),
    ],
    ids=["unknown-style", "decorator-without-number", "decorator-unresolvable", "record-unresolvable",
         "records-not-literal", "modules-no-import", "naming-no-class", "pattern-without-group"],
)
def test_what_a_style_cannot_follow_is_exit_2_naming_the_option(tmp_path: Path, capsys, files, message) -> None:
    config = write(tmp_path, files)
    assert main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
