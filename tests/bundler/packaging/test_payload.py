"""Every module of the payload imports: from the bundle's files only, beside the build's steps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bundler.errors import BuildFailed
from bundler.packaging.payload import Payload, import_payload


def site_packages_with(root: Path, modules: dict[str, str]) -> Path:
    site_packages = root / "site-packages"
    (site_packages / "notes").mkdir(parents=True)
    for name, text in modules.items():
        (site_packages / "notes" / f"{name}.py").write_text(text)
    return site_packages


def test_the_imports_run_with_the_niceness_asked_for(tmp_path: Path) -> None:
    site_packages = site_packages_with(tmp_path, {"__init__": "", "probe": (
        "import os\nopen('nice', 'w').write(str(os.nice(0)))\n")})
    import_payload(Payload(("notes",), ("notes", "notes.probe")), site_packages, tmp_path, 60, niceness=3)
    assert int((tmp_path / "nice").read_text()) == min(19, os.nice(0) + 3)


def test_a_module_that_fails_to_import_is_named_with_its_error(tmp_path: Path) -> None:
    site_packages = site_packages_with(tmp_path, {"__init__": "", "broken": "import absent_dependency\n"})
    with pytest.raises(BuildFailed, match="the bundle fails to import notes.broken: ModuleNotFoundError"):
        import_payload(Payload(("notes",), ("notes", "notes.broken")), site_packages, tmp_path, 60)
