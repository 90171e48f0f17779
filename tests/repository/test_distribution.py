"""What `pip install` of this repository gives another project: the build tool, nothing of the worker."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.checkout import REPOSITORY as ROOT, copy_tracked


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the root distribution's wheel installed (without its
    dependencies: what the distribution itself brings is under test)."""
    scratch = tmp_path_factory.mktemp("distribution")
    project = copy_tracked(ROOT, scratch / "checkout")  # building the wheel leaves nothing here
    pip = [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(scratch / "dist"), str(project)],
                   check=True, capture_output=True)
    environment = scratch / "venv"
    venv.create(environment, with_pip=False)
    [wheel] = (scratch / "dist").glob("*.whl")
    subprocess.run([*pip, "--python", str(environment / "bin" / "python"), "install", "--no-deps", str(wheel)],
                   check=True, capture_output=True)
    return environment


def site_packages(environment: Path) -> Path:
    [folder] = (environment / "lib").glob("python*/site-packages")
    return folder


def test_installing_the_repository_gives_the_build_tool_and_no_worker(fresh_install: Path) -> None:
    installed = {path.name for path in site_packages(fresh_install).iterdir()}
    assert "bundler" in installed and "worker" not in installed
    assert (fresh_install / "bin" / "bundler").exists() and not (fresh_install / "bin" / "worker-service").exists()
    python = str(fresh_install / "bin" / "python")
    imported = subprocess.run([python, "-c", "import worker"], capture_output=True, text=True, cwd=fresh_install)
    assert imported.returncode != 0 and "No module named 'worker'" in imported.stderr


def test_the_distribution_has_a_name_of_its_own_and_the_packager_is_an_extra(fresh_install: Path) -> None:
    [metadata] = site_packages(fresh_install).glob("*.dist-info/METADATA")
    text = metadata.read_text()
    assert "Name: migration-bundler" in text
    requires = [line.removeprefix("Requires-Dist: ") for line in text.splitlines() if line.startswith("Requires-Dist:")]
    unconditional = [r for r in requires if "extra ==" not in r]
    assert sorted(r.split(">")[0] for r in unconditional) == ["libcst", "sqlparse"]
    assert any(r.startswith("shiv==") and 'extra == "build"' in r for r in requires)


def test_the_distribution_carries_its_license(fresh_install: Path) -> None:
    """The tool is installed by others: they may use it under MIT, and the wheel says so."""
    [dist_info] = site_packages(fresh_install).glob("migration_bundler-*.dist-info")
    assert "License-Expression: MIT" in (dist_info / "METADATA").read_text()
    assert (dist_info / "licenses" / "LICENSE").read_text().startswith("MIT License")
    assert (ROOT / "LICENSE").read_text() == (dist_info / "licenses" / "LICENSE").read_text()
