from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

PYPROJECT = """\
[tool.bundler]
runner = "runner.py:MigrationRunner.run_all_migrations"
stores = ["store.py:Store.__init__"]
"""

RUNNER = """\
class MigrationRunner:
    def __init__(self, conn):
        self.conn = conn

    def run_all_migrations(self):
        self.m27()
        self.m28()

    def m27(self):
        self.conn.execute("INSERT INTO schema_versions (version, applied_at) VALUES (27, 'now')")

    def m28(self):
        self.conn.execute("INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)", (28, "now"))
"""

STORE = """\
class Store:
    def __init__(self, conn):
        self.conn = conn
        self.m27()
        self.m28()

    def m27(self):
        self.conn.execute("INSERT INTO schema_versions (version, applied_at) VALUES (27, 'now')")

    def m28(self):
        self.conn.execute("INSERT INTO schema_versions (version, applied_at) VALUES (28, 'now')")
"""


@pytest.fixture
def codebase(tmp_path: Path) -> Callable[..., Path]:
    """Write a small code base (pyproject.toml, runner.py, store.py unless overridden) and return its folder."""

    def write(files: dict[str, str | bytes] | None = None, **overrides: str | bytes | None) -> Path:
        root = tmp_path / "project"
        root.mkdir(exist_ok=True)
        contents: dict[str, str | bytes | None] = {"pyproject.toml": PYPROJECT, "runner.py": RUNNER, "store.py": STORE}
        contents.update(files or {})
        contents.update({k.replace("__", "."): v for k, v in overrides.items()})
        for name, text in contents.items():
            if text is None:
                continue
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(textwrap.dedent(text))
        return root

    return write


@pytest.fixture(autouse=True)
def cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """`bundler check` caches in the checked project's build folder: the fixtures of this
    repository must stay as they are, so every test's cache is a folder of its own
    (tests/bundler/cache uses the real place)."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setattr("bundler.cache.check.cache_folder", lambda root: folder)
