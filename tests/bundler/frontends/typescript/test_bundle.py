"""esbuild bundles: the store's minified copy is found by its method names and checked against
the source registry (tests/fixtures/typescript/worker/plugin holds two bundles built from it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bundler.cli import main

REPO_ROOT = Path(__file__).resolve().parents[4]
WORKER = REPO_ROOT / "tests" / "fixtures" / "typescript" / "worker"
ESBUILD_VERSION = "0.24.2"  # the committed bundles' bytes are this version's output
ESBUILD_FOLDER = REPO_ROOT / "build" / "esbuild"
BUNDLES = {"plugin/worker-service.cjs": "src/store.ts", "plugin/stale-worker-service.cjs": "src/skips.ts"}


def esbuild() -> Path:
    """esbuild from npm, installed into build/esbuild once; the test skips, saying why, without it."""
    binary = ESBUILD_FOLDER / "node_modules" / ".bin" / "esbuild"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot install esbuild to rebuild the bundle fixtures")
    ESBUILD_FOLDER.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", f"esbuild@{ESBUILD_VERSION}"],
                          cwd=ESBUILD_FOLDER, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not binary.exists():
        pytest.skip(f"npm could not install esbuild@{ESBUILD_VERSION}: {done.stderr.strip()[-300:]}")
    return binary


def bundle(binary: Path, entry: str, output: Path) -> bytes:
    subprocess.run([str(binary), entry, "--bundle", "--minify", "--format=cjs", "--platform=node",
                    "--external:bun:sqlite", "--log-level=warning", f"--outfile={output}"],
                   cwd=WORKER, check=True, timeout=120)
    return output.read_bytes()


@pytest.mark.parametrize(("committed", "entry"), sorted(BUNDLES.items()))
def test_committed_bundles_are_esbuilds_output_of_the_fixture(committed: str, entry: str, tmp_path: Path) -> None:
    assert bundle(esbuild(), entry, tmp_path / "out.cjs") == (WORKER / committed).read_bytes()


def check(capsys, folder: Path, *args: str) -> tuple[int, str]:
    code = main(["check", "--config", str(folder / "pyproject.toml"), "--root", str(folder), *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def copy_worker(tmp_path: Path) -> Path:
    folder = tmp_path / "worker"
    shutil.copytree(WORKER, folder)
    return folder


def test_a_bundle_with_two_copies_of_the_store_is_refused(tmp_path: Path, capsys) -> None:
    folder = copy_worker(tmp_path)
    text = (folder / "plugin" / "worker-service.cjs").read_text()
    (folder / "plugin" / "twice.cjs").write_text(text + "\n" + text.replace("var o=class{", "var o2=class{"))
    code, output = check(capsys, folder, "--bundle", str(folder / "plugin" / "twice.cjs"))
    assert code == 2
    assert "SessionStore has more than one copy in the bundle (line 1, line 3)" in output


def test_a_bundle_without_the_store_is_refused(tmp_path: Path, capsys) -> None:
    folder = copy_worker(tmp_path)
    (folder / "plugin" / "other.cjs").write_text('var a=class{run(){return 1}};module.exports={a};\n')
    code, output = check(capsys, folder, "--bundle", str(folder / "plugin" / "other.cjs"))
    assert code == 2
    assert "plugin/other.cjs: no copy of SessionStore in the bundle" in output


def test_a_missing_bundle_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    folder = copy_worker(tmp_path)
    code, output = check(capsys, folder, "--bundle", str(folder / "plugin" / "absent.cjs"))
    assert code == 2
    assert output.strip().splitlines() == ["bundler: error: plugin/absent.cjs: cannot read the bundle: No such file or directory"]


def test_the_bundles_findings_name_the_bundle_and_its_source(tmp_path: Path, capsys) -> None:
    code, output = check(capsys, WORKER, "--bundle", str(WORKER / "plugin" / "stale-worker-service.cjs"))
    assert code == 1
    assert ("plugin/stale-worker-service.cjs:1: stale-bundle: the copy of SessionStore.constructor in"
            " plugin/stale-worker-service.cjs applies 1, 2, 4, 5, 6, 7, but its source src/store.ts:11 applies"
            " 1, 2, 3, 4, 5, 6, 7; rebuild the bundle") in output


@pytest.mark.parametrize(("old", "new", "says"), [
    ("this.addFeedback(),this.addSettings()", "this.addSettings(),this.addFeedback()",
     "applies 1, 2, 3, 4, 5, 7, 6, but its source src/store.ts:11 applies 1, 2, 3, 4, 5, 6, 7"),
    ("addSettings", "addSettingsAgain", "applies its source's numbers (src/store.ts:11) by other methods or in"
                                        " another order"),
])
def test_a_copy_applying_its_sources_numbers_otherwise_is_stale(tmp_path: Path, capsys, old: str, new: str,
                                                                 says: str) -> None:
    folder = copy_worker(tmp_path)
    bundle = folder / "plugin" / "worker-service.cjs"
    text = bundle.read_text()
    assert old in text
    bundle.write_text(text.replace(old, new))
    code, output = check(capsys, folder, "--bundle", str(bundle))
    assert code == 1
    assert f"stale-bundle: the copy of SessionStore.constructor in plugin/worker-service.cjs {says}; rebuild" in output


@pytest.mark.parametrize("count", range(1, 9))
def test_a_class_defining_half_of_the_methods_defines_one_of_those_searched(count: int) -> None:
    from itertools import combinations

    from bundler.frontends.typescript.extract import enough_names

    wanted = {"constructor", *(f"m{'x' * n}" for n in range(count))}
    searched = set(enough_names(wanted))
    for size in range((len(wanted) + 1) // 2, len(wanted) + 1):
        for defined in combinations(sorted(wanted), size):
            assert searched & set(defined) or set(defined) <= {"constructor"}
