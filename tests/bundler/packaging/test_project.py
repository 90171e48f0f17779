"""What the packager builds comes from the project being built, never from the worker's values."""

from __future__ import annotations

from pathlib import Path

import pytest

from bundler.cli import main
from bundler.config import load_config
from bundler.errors import ConfigError
from bundler.packaging.project import packaging

from tests.newapp import write_app


def test_the_one_console_script_names_the_entry_the_bundle_and_the_install_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    app = write_app(tmp_path / "app")
    package = packaging(load_config(str(app / "pyproject.toml")))
    assert (package.project, package.script, package.bundle_name) == ("notes", "notes", "notes.pyz")
    assert package.install_dir == tmp_path / "home" / ".local" / "share" / "notes" / "bundle"


def test_configured_values_win_over_the_projects(tmp_path: Path) -> None:
    app = write_app(tmp_path / "app", scripts='notes = "notes.cli:main"\nnotes-admin = "notes.cli:main"',
                    extra='console-script = "notes-admin"\nbundle-name = "n.pyz"\ninstall-dir = "installed"')
    package = packaging(load_config(str(app / "pyproject.toml")))
    assert (package.script, package.bundle_name, package.install_dir) == ("notes-admin", "n.pyz", app / "installed")


@pytest.mark.parametrize("scripts, text", [
    ("", "[project.scripts] names no console script for the bundle to run: add one, or set [tool.bundler] console-script"),
    ('notes = "notes.cli:main"\nnotes-admin = "notes.cli:main"',
     "[project.scripts] names 2 console scripts (notes, notes-admin): set [tool.bundler] console-script"),
])
def test_no_script_or_several_is_an_error_naming_them(tmp_path: Path, capsys, scripts: str, text: str) -> None:
    app = write_app(tmp_path / "app", scripts=scripts)
    with pytest.raises(ConfigError, match=r"pyproject\.toml: " + text.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)").replace(".", r"\.")):
        packaging(load_config(str(app / "pyproject.toml")))
    assert main(["build", "--config", str(app / "pyproject.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and text in err
    assert not (app / "build").exists()


def test_the_worker_keeps_its_own_values_in_its_own_configuration(worker_project: Path) -> None:
    package = packaging(load_config(str(worker_project / "pyproject.toml")))
    assert (package.project, package.script, package.bundle_name) == ("memory-worker", "worker-service",
                                                                      "worker-service.pyz")
    assert package.install_dir == Path("~/.memory-worker/bundle").expanduser().resolve()
