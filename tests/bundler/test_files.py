"""Which files are the project's modules: where a method called on an object the checker cannot
know may be defined."""

from __future__ import annotations

from pathlib import Path

from bundler.files import python_files_under, script_files_under


def test_the_project_modules_are_every_python_file_but_tests_tools_and_installed_copies(tmp_path: Path) -> None:
    for relpath in ("app/__init__.py", "app/store.py", "app/plugins/tags.py", "scripts/migrate.py", "setup.py",
                    "app/notes.txt", "app/test_store.py", "app/store_test.py", "conftest.py", "tests/test_app.py",
                    "test/helpers.py", ".venv/lib/site.py", "venv/lib/site.py", "build/lib/app/store.py",
                    "dist/app.py", "node_modules/x/y.py", "app/__pycache__/store.py", "app.egg-info/x.py",
                    ".git/hooks/pre-commit.py"):
        (tmp_path / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relpath).write_text("")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert python_files_under(tmp_path) == ["setup.py", "app/__init__.py", "app/store.py", "app/plugins/tags.py",
                                            "scripts/migrate.py"]


def test_the_script_modules_are_the_sources_without_declarations_tests_or_minified_copies(tmp_path: Path) -> None:
    for relpath in ("src/store.ts", "src/view.tsx", "src/lib/db.mts", "src/legacy.js", "src/types.d.ts",
                    "src/store.test.ts", "src/store.spec.js", "src/__tests__/fake.ts", "vendor/lib.min.js",
                    "dist/store.js", "node_modules/pkg/index.ts", "scripts/migrate.cjs"):
        (tmp_path / relpath).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relpath).write_text("")
    assert script_files_under(tmp_path) == ["scripts/migrate.cjs", "src/legacy.js", "src/store.ts", "src/view.tsx",
                                            "src/lib/db.mts"]
