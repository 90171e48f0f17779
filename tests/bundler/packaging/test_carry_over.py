"""The source check's verdict stands for the bundle's only where the archive holds the same files."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from bundler.check import run_check
from bundler.config import load_config
from bundler.errors import UnresolvableError
from bundler.model import Code, Finding, Location, Severity
from bundler.packaging.carry_over import Reads, carries_over
from tests.newapp import write_app


def checked(root: Path):
    config = load_config(str(root / "pyproject.toml"))
    reads = Reads()
    return config, run_check(config, journal=reads), reads


def archive_of(root: Path, target: Path, *, changed: dict[str, str] | None = None,
               extra: dict[str, str] | None = None) -> Path:
    """An archive holding the project's src/ under site-packages/, with members ``changed`` or added."""
    members = {f"site-packages/{p.relative_to(root / 'src').as_posix()}": p.read_text()
               for p in sorted((root / "src").rglob("*.py"))}
    members.update(changed or {})
    members.update(extra or {})
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("environment.json", "{}")
        for name, text in members.items():
            archive.writestr(name, text)
    return target


def test_an_archive_of_the_same_files_carries_the_verdict_over(tmp_path: Path) -> None:
    root = write_app(tmp_path / "notes")
    config, result, reads = checked(root)
    assert result.ok and not result.findings
    assert carries_over(config, result, reads, archive_of(root, tmp_path / "same.pyz"), "same.pyz")


def test_a_member_that_differs_by_one_byte_is_checked_in_full(tmp_path: Path) -> None:
    root = write_app(tmp_path / "notes")
    config, result, reads = checked(root)
    store = (root / "src/notes/store.py").read_text().replace("(version) VALUES (2)", "(version) VALUES (3)")
    bundle = archive_of(root, tmp_path / "stale.pyz", changed={"site-packages/notes/store.py": store})
    assert not carries_over(config, result, reads, bundle, "stale.pyz")
    assert not run_check(config, [bundle]).ok  # what the full check of it finds


def test_a_missing_member_is_checked_in_full(tmp_path: Path) -> None:
    root = write_app(tmp_path / "notes")
    config, result, reads = checked(root)
    bundle = archive_of(root, tmp_path / "short.pyz")
    with zipfile.ZipFile(bundle) as archive:
        kept = {name: archive.read(name) for name in archive.namelist() if not name.endswith("runner.py")}
    with zipfile.ZipFile(bundle, "w") as archive:
        for name, data in kept.items():
            archive.writestr(name, data)
    assert not carries_over(config, result, reads, bundle, "short.pyz")


def test_a_member_the_source_looked_for_and_missed_is_checked_in_full(tmp_path: Path) -> None:
    """The store imports sqlite3: the check looked for src/sqlite3.py and found none. An archive
    holding site-packages/sqlite3.py would resolve the import to it."""
    root = write_app(tmp_path / "notes")
    config, result, reads = checked(root)
    assert reads.files[root / "src/sqlite3.py"] is None
    bundle = archive_of(root, tmp_path / "more.pyz", extra={"site-packages/sqlite3.py": "x = 1\n"})
    assert not carries_over(config, result, reads, bundle, "more.pyz")


def test_a_verdict_with_findings_or_suppressions_is_never_carried_over(tmp_path: Path) -> None:
    root = write_app(tmp_path / "notes")
    config, result, reads = checked(root)
    bundle = archive_of(root, tmp_path / "same.pyz")
    finding = Finding(Code.OUT_OF_ORDER, Severity.WARNING, "a warning", Location("src/notes/store.py", 1))
    assert not carries_over(config, replace(result, findings=(finding,)), reads, bundle, "same.pyz")
    assert not carries_over(config, replace(result, suppressed=(finding,)), reads, bundle, "same.pyz")
    commented = Reads({path: (data or b"") + b"# bundler: ignore[stale-bundle] kept\n"
                       for path, data in reads.files.items()}, reads.folders)
    assert not carries_over(config, result, commented, bundle, "same.pyz")


def test_an_archive_that_cannot_be_read_is_checked_in_full(tmp_path: Path) -> None:
    root = write_app(tmp_path / "notes")
    config, result, reads = checked(root)
    broken = tmp_path / "broken.pyz"
    broken.write_bytes(b"not a zip")
    assert not carries_over(config, result, reads, broken, "broken.pyz")


def test_a_module_the_source_lacks_is_checked_in_full_when_the_check_looked_among_the_modules(tmp_path: Path) -> None:
    """The store calls a method on an object it is given: the check looked for that method in
    every module of the project and found none. An archive holding one more module, defining a
    recording method of that name, would stop its check: its verdict is not the source's."""
    root = write_app(tmp_path / "notes")
    store = root / "src/notes/store.py"
    store.write_text(store.read_text().replace("def __init__(self, path):", "def __init__(self, path, events=None):")
                     .replace("        self.add_tags()\n", "        self.add_tags()\n        events.opened(self.conn)\n", 1))
    config, result, reads = checked(root)
    assert result.ok and reads.trees
    assert carries_over(config, result, reads, archive_of(root, tmp_path / "same.pyz"), "same.pyz")
    plugin = "class Plugin:\n    def opened(self, conn):\n        conn.execute('INSERT INTO schema_versions (version) VALUES (3)')\n"
    bundle = archive_of(root, tmp_path / "more.pyz", extra={"site-packages/notes/plugin.py": plugin})
    assert not carries_over(config, result, reads, bundle, "more.pyz")
    with pytest.raises(UnresolvableError, match="notes/plugin.py:Plugin.opened"):
        run_check(config, [bundle])
