"""Every test runs with its home, data, install and shiv folders pointed at temporary ones."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .checkout import WORKER_PROJECT, copy_project
from .newapp import write_app

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "tests" / "fixtures"


ISOLATED_FOLDERS = (("HOME", "home"), ("WORKER_DATA_DIR", "data"), ("BUNDLER_INSTALL_DIR", "install"), ("SHIV_ROOT", "shiv"))


def point_at_temporary_folders(root: Path, setenv) -> None:
    for variable, folder in ISOLATED_FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
        setenv(variable, str(root / folder))


@pytest.fixture(scope="session", autouse=True)
def isolated_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Session fixtures (the one shared build) run before any test's own isolation."""
    saved = dict(os.environ)
    point_at_temporary_folders(tmp_path_factory.mktemp("session-env"), os.environ.__setitem__)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path_factory.mktemp("env")
    point_at_temporary_folders(root, monkeypatch.setenv)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return root


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def worker_project() -> Path:
    """The worker, the project this repository ships: its pyproject.toml holds a [tool.bundler]."""
    return WORKER_PROJECT


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def subprocess_env() -> dict[str, str]:
    """The environment for running the project's commands in a child process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join((str(REPO_ROOT / "src"), str(WORKER_PROJECT / "src")))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture
def python() -> str:
    return sys.executable


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the worker project with build/worker-service.pyz built once for the whole session."""
    from bundler.packaging.build import build, silent
    from bundler.config import load_config

    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    build(load_config(str(root / "pyproject.toml")), silent)
    return root


@pytest.fixture(scope="session")
def built_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another project (tests/newapp.py, named notes) with build/notes.pyz built once for the session."""
    from bundler.packaging.build import build, silent
    from bundler.config import load_config

    root = write_app(tmp_path_factory.mktemp("app") / "notes")
    build(load_config(str(root / "pyproject.toml")), silent)
    return root
