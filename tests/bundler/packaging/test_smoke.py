"""The smoke run on the staged files: where its scratch goes, and the proof that the archive holds them."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from bundler.errors import BuildFailed
from bundler.cli import main
from bundler.packaging.smoke import (
    archived_as_staged, copy_staged, digests_of, memory_folder, same_but_bookkeeping, unpack_wheel,
)


def test_the_smoke_run_works_in_memory_only_when_tmpdir_names_no_folder_and_there_is_room(
        tmp_path: Path, monkeypatch) -> None:
    size = 1 << 20
    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setattr("bundler.packaging.smoke.MEMORY_FOLDER", memory)
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr("bundler.packaging.smoke.MEMORY_MARGIN", 0)
    assert memory_folder(size) == memory
    monkeypatch.setattr("bundler.packaging.smoke.MEMORY_MARGIN", shutil.disk_usage(memory).free)
    assert memory_folder(size) is None  # no room to spare
    monkeypatch.setattr("bundler.packaging.smoke.MEMORY_MARGIN", 0)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert memory_folder(size) is None  # the user's temporary folder is used
    monkeypatch.delenv("TMPDIR")
    monkeypatch.setattr("bundler.packaging.smoke.MEMORY_FOLDER", tmp_path / "absent")
    assert memory_folder(size) is None


def staged_folder(root: Path) -> Path:
    site_packages = root / "site-packages"
    (site_packages / "notes" / "__pycache__").mkdir(parents=True)
    (site_packages / "notes" / "__init__.py").write_text("VERSION = 1\n")
    (site_packages / "notes" / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"compiled")
    (site_packages / "notes-0.1.dist-info").mkdir()
    (site_packages / "notes-0.1.dist-info" / "RECORD").write_text("notes/__init__.py,,\n")
    return site_packages


def archive_of(site_packages: Path, bundle: Path, change: dict[str, bytes | None] | None = None) -> Path:
    """What shiv writes: every staged file but compiled ones under site-packages/, and its own members."""
    files = {"site-packages/" + path.relative_to(site_packages).as_posix(): path.read_bytes()
             for path in sorted(site_packages.rglob("*")) if path.is_file() and path.suffix != ".pyc"}
    files.update(change or {})
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("__main__.py", "import _bootstrap\n")
        archive.writestr("environment.json", "{}")
        for name, data in files.items():
            if data is not None:
                archive.writestr(name, data)
    return bundle


def test_the_copy_is_what_shiv_archives(tmp_path: Path) -> None:
    site_packages = staged_folder(tmp_path)
    digests = copy_staged(site_packages, tmp_path / "copy")
    assert sorted(digests) == ["site-packages/notes-0.1.dist-info/RECORD", "site-packages/notes/__init__.py"]
    assert (tmp_path / "copy" / "notes" / "__init__.py").read_text() == "VERSION = 1\n"
    assert not (tmp_path / "copy" / "notes" / "__pycache__").exists()
    archived_as_staged(archive_of(site_packages, tmp_path / "bundle.pyz"), digests, "build/notes.pyz")


@pytest.mark.parametrize("change, member", [
    ({"site-packages/notes/__init__.py": b"VERSION = 2\n"}, "site-packages/notes/__init__.py"),
    ({"site-packages/notes/extra.py": b"x = 1\n"}, "site-packages/notes/extra.py"),
    ({"site-packages/notes-0.1.dist-info/RECORD": None}, "site-packages/notes-0.1.dist-info/RECORD"),
], ids=["changed", "added", "missing"])
def test_an_archive_that_does_not_hold_what_was_smoke_run_stops_the_build(
        tmp_path: Path, change: dict[str, bytes | None], member: str) -> None:
    site_packages = staged_folder(tmp_path)
    digests = copy_staged(site_packages, tmp_path / "copy")
    with pytest.raises(BuildFailed) as error:
        archived_as_staged(archive_of(site_packages, tmp_path / "bundle.pyz", change), digests, "build/notes.pyz")
    assert str(error.value) == (f"build/notes.pyz!{member}: the archive does not hold what was staged and"
                                " smoke-run; nothing was moved into place")


def wheel_folder(tmp_path: Path, members: dict[str, str]) -> Path:
    """A folder holding one wheel of these members."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    with zipfile.ZipFile(wheels / "notes-0.1-py3-none-any.whl", "w") as wheel:
        for name, text in members.items():
            wheel.writestr(name, text)
    return wheels


def test_a_wheel_unpacks_as_pip_installs_it_apart_from_its_bookkeeping(tmp_path: Path) -> None:
    wheels = wheel_folder(tmp_path, {"notes/__init__.py": "VERSION = 1\n",
                                     "notes-0.1.dist-info/RECORD": "notes/__init__.py,,\n"})
    assert unpack_wheel(wheels, tmp_path / "unpacked")
    unpacked = digests_of(tmp_path / "unpacked")
    installed = dict(unpacked, **{"site-packages/notes-0.1.dist-info/RECORD": "rewritten",
                                  "site-packages/notes-0.1.dist-info/INSTALLER": "pip"})
    assert same_but_bookkeeping(unpacked, installed)
    assert not same_but_bookkeeping(unpacked, dict(installed, **{"site-packages/notes/__init__.py": "changed"}))
    assert not same_but_bookkeeping(unpacked, dict(installed, **{"site-packages/notes/INSTALLER": "a module's file"}))


def test_a_wheel_whose_files_pip_moves_is_not_unpacked(tmp_path: Path) -> None:
    wheels = wheel_folder(tmp_path, {"notes/__init__.py": "VERSION = 1\n", "notes-0.1.data/scripts/notes": "#!python\n"})
    assert not unpack_wheel(wheels, tmp_path / "unpacked")
    assert not (tmp_path / "unpacked").exists()


def notes_copy(built_app: Path, tmp_path: Path) -> Path:
    project = tmp_path / "notes"
    shutil.copytree(built_app, project)
    return project


def test_a_smoke_run_on_the_wheel_stands_when_pip_installed_the_same_files(
        built_app: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    project = notes_copy(built_app, tmp_path)

    def no_second_run(*arguments: object) -> None:
        raise AssertionError("the staged files were copied for a second run")

    monkeypatch.setattr("bundler.packaging.smoke.copy_staged", no_second_run)
    assert main(["build", "--force", "--config", str(project / "pyproject.toml")]) == 0
    assert any(line.startswith("smoke: `notes --version` ran; ") for line in capsys.readouterr().out.splitlines())


def test_a_smoke_run_on_the_wheel_runs_again_when_pip_installed_other_files(
        built_app: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    """The guess (the wheel as unpacked) holds a module that cannot import; the bundle does not."""
    project = notes_copy(built_app, tmp_path)

    def unpack_with_a_stray_module(wheels: Path, copy: Path) -> bool:
        unpacked = unpack_wheel(wheels, copy)
        (copy / "notes" / "stray.py").write_text("import a_module_nobody_installed\n")
        record = next(copy.glob("*.dist-info/RECORD"))
        record.write_text(record.read_text() + "notes/stray.py,,\n")
        return unpacked

    monkeypatch.setattr("bundler.packaging.smoke.unpack_wheel", unpack_with_a_stray_module)
    assert main(["build", "--force", "--config", str(project / "pyproject.toml")]) == 0
    assert "smoke: `notes --version` ran; 4 modules of notes import from the bundle" in capsys.readouterr().out
