"""bundler version-bump: the one version both packages read, refused while the check fails."""

from __future__ import annotations

from pathlib import Path

import pytest

import bundler
import worker
from bundler.cli import main
from bundler.packaging.version import bumped

from tests.checkout import copy_project


@pytest.mark.parametrize(("part", "expected"), [("patch", "1.2.4"), ("minor", "1.3.0"), ("major", "2.0.0")])
def test_semantic_bumps(part: str, expected: str) -> None:
    assert bumped("1.2.3", part) == expected


def test_both_packages_read_one_version() -> None:
    assert bundler.__version__ == worker.__version__


def test_a_bump_rewrites_the_version_attribute(tmp_path: Path, capsys) -> None:
    project = copy_project(tmp_path / "project")
    init = project / "src" / "worker" / "__init__.py"
    old = init.read_text()
    assert main(["version-bump", "--config", str(project / "pyproject.toml"), "minor"]) == 0
    new_version = bumped(worker.__version__, "minor")
    assert f"{worker.__version__} -> {new_version} in src/worker/__init__.py" in capsys.readouterr().out
    assert init.read_text() == old.replace(f'"{worker.__version__}"', f'"{new_version}"')


def test_a_bump_is_refused_while_the_check_fails(tmp_path: Path, capsys) -> None:
    project = copy_project(tmp_path / "project")
    store = project / "src" / "worker" / "store" / "session_store.py"
    store.write_text(store.read_text().replace("            self._ensure_pending_claim_columns()\n", ""))
    init = project / "src" / "worker" / "__init__.py"
    before = init.read_text()
    assert main(["version-bump", "--config", str(project / "pyproject.toml"), "patch"]) == 1
    assert "never applies version 28" in capsys.readouterr().out
    assert init.read_text() == before


def test_a_static_project_version_is_bumped_in_pyproject(codebase, capsys) -> None:
    from tests.bundler.conftest import PYPROJECT

    root = codebase({"pyproject.toml": '[project]\nname = "x"\nversion = "0.9.9"\n\n' + PYPROJECT})
    assert main(["version-bump", "--config", str(root / "pyproject.toml"), "patch"]) == 0
    assert 'version = "0.9.10"' in (root / "pyproject.toml").read_text()
