"""Every test runs with its home, data, install and shiv folders pointed at temporary ones."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = REPO_ROOT / "tests" / "fixtures"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path_factory.mktemp("env")
    for variable, folder in (
        ("HOME", "home"),
        ("WORKER_DATA_DIR", "data"),
        ("BUNDLER_INSTALL_DIR", "install"),
        ("SHIV_ROOT", "shiv"),
    ):
        (root / folder).mkdir()
        monkeypatch.setenv(variable, str(root / folder))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return root


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def subprocess_env() -> dict[str, str]:
    """The environment for running the project's commands in a child process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT / "src")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture
def python() -> str:
    return sys.executable
