"""A small app of someone else's, written as a new user would: a runner, a store, a console
script, ``[tool.bundler]`` as the README describes it. Builds and syncs are tried on it."""

from __future__ import annotations

import textwrap
from pathlib import Path

PYPROJECT = """\
[build-system]
requires = ["setuptools>=70.1"]
build-backend = "setuptools.build_meta"

[project]
name = "notes"
version = "0.1.0"
requires-python = ">=3.11"

[project.scripts]
{scripts}

[tool.bundler]
runner = "src/notes/runner.py:Runner.run_all"
stores = ["src/notes/store.py:Store.__init__"]
{extra}
"""

RUNNER = """\
class Runner:
    def __init__(self, conn):
        self.conn = conn

    def run_all(self):
        self.create_notes()
        self.add_tags()

    def create_notes(self):
        self.conn.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)")
        self.conn.execute("INSERT INTO schema_versions (version) VALUES (1)")

    def add_tags(self):
        self.conn.execute("ALTER TABLE notes ADD COLUMN tags TEXT")
        self.conn.execute("INSERT INTO schema_versions (version) VALUES (2)")
"""

STORE = """\
import sqlite3


class Store:
    def __init__(self, path):
        self.conn = sqlite3.connect(path)
        self.conn.execute("CREATE TABLE IF NOT EXISTS schema_versions (version INTEGER PRIMARY KEY)")
        self.create_notes()
        self.add_tags()

    def create_notes(self):
        self.conn.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)")
        self.conn.execute("INSERT OR IGNORE INTO schema_versions (version) VALUES (1)")

    def add_tags(self):
        self.conn.execute("ALTER TABLE notes ADD COLUMN tags TEXT")
        self.conn.execute("INSERT OR IGNORE INTO schema_versions (version) VALUES (2)")
"""

CLI = """\
import sys


def main():
    print("notes 0.1.0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
"""


def write_app(root: Path, *, scripts: str = 'notes = "notes.cli:main"', extra: str = "",
              files: dict[str, str] | None = None) -> Path:
    """The app in ``root`` (``files`` adds or replaces files); returns its folder."""
    contents = {
        "pyproject.toml": PYPROJECT.format(scripts=scripts, extra=extra),
        "src/notes/__init__.py": "",
        "src/notes/runner.py": RUNNER,
        "src/notes/store.py": STORE,
        "src/notes/cli.py": CLI,
        **(files or {}),
    }
    for name, text in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root
