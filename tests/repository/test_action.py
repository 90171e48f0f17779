"""action.yml as GitHub runs it: pinned actions, the project's Python, one check run feeding both
the annotations and SARIF, and an upload that may fail without failing the job. The script steps
are run here for real, with bash, on a small app."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.newapp import write_app

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = ACTION["runs"]["steps"]
PINNED = re.compile(r"^\s*(?:- )?uses: ([\w./-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$")


def step(name_or_id: str) -> dict:
    return next(s for s in STEPS if name_or_id in (s.get("id"), s.get("name")))


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_current_release_in_a_comment() -> None:
    for path in ("action.yml", ".github/workflows/release.yml"):
        lines = [line for line in (ROOT / path).read_text().splitlines() if re.match(r"^\s*(- )?uses:", line)]
        assert lines and all(PINNED.match(line) for line in lines), (path, lines)
    releases = {m.group(1): m.group(3) for line in (ROOT / "action.yml").read_text().splitlines()
                if (m := PINNED.match(line))}
    assert releases["github/codeql-action/upload-sarif"].startswith("v4.")  # v3 is deprecated in December 2026
    assert releases["actions/setup-python"].startswith("v7.")  # the major that runs on Node 24


def test_every_input_referenced_exists_and_every_script_runs_in_bash() -> None:
    for each in STEPS:
        for reference in re.findall(r"inputs\.([\w-]+)", yaml.safe_dump(each)):
            assert reference in ACTION["inputs"], reference
        if "run" in each:
            assert each["shell"] == "bash"


def run_step(each: dict, cwd: Path, inputs: dict[str, str], env: dict[str, str] | None = None,
             ) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    """Run a step's script as the runner would: its env with the inputs' values (or defaults),
    GITHUB_OUTPUT a file; returns the result and the outputs it set."""
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()} | inputs
    step_env = {key: re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: values[m.group(1)], str(value))
                for key, value in each.get("env", {}).items()}
    output = cwd / "github-output"
    output.write_text("")
    full_env = dict(os.environ, **(env or {}), **step_env, GITHUB_OUTPUT=str(output))
    result = subprocess.run(["bash", "-e", "-c", each["run"]], cwd=cwd, env=full_env, capture_output=True, text=True,
                            timeout=120)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return result, outputs


@pytest.mark.parametrize("given, pyproject, expected", [
    ("3.13", True, {"version": "3.13"}),
    ("", True, {"file": "pyproject.toml"}),
    ("", False, {"version": "3.x"}),
])
def test_the_python_comes_from_the_projects_requires_python_unless_set(tmp_path: Path, given, pyproject,
                                                                        expected) -> None:
    if pyproject:
        write_app(tmp_path)
    result, outputs = run_step(step("python"), tmp_path, {"python-version": given})
    assert result.returncode == 0 and outputs == expected
    setup = step("Set up Python")["with"]
    assert setup == {"python-version": "${{ steps.python.outputs.version }}",
                     "python-version-file": "${{ steps.python.outputs.file }}"}


@pytest.fixture
def failing_app(tmp_path: Path) -> Path:
    app = write_app(tmp_path / "repo")
    store = app / "src" / "notes" / "store.py"
    store.write_text(store.read_text().replace("        self.add_tags()\n", "", 1))
    return app


def test_one_check_run_gives_the_annotations_the_sarif_and_the_exit_code(failing_app: Path) -> None:
    check = step("check")
    assert len(re.findall(r"^\s*bundler ", check["run"], re.MULTILINE)) == 1  # the check runs once
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    result, outputs = run_step(check, failing_app, {}, {"PATH": path})
    assert result.returncode == 0 and outputs == {"exit-code": "1"}  # the step succeeds; the last step fails the job
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert annotations and all("file=src/notes/store.py" in line for line in annotations)
    sarif = json.loads((failing_app / "bundler.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["missing-migration"]


def test_a_check_that_cannot_run_still_writes_sarif_and_exit_code_2(failing_app: Path) -> None:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    result, outputs = run_step(step("check"), failing_app, {"config": "missing/pyproject.toml"}, {"PATH": path})
    assert outputs == {"exit-code": "2"} and "::error" in result.stdout
    assert json.loads((failing_app / "bundler.sarif").read_text())["runs"][0]["invocations"][0][
        "executionSuccessful"] is False


def test_an_upload_that_is_not_permitted_warns_and_the_job_keeps_the_checks_exit_code(tmp_path: Path) -> None:
    upload = step("upload")
    assert upload["continue-on-error"] is True and upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}" and upload["if"].startswith("always()")
    warn = step("Warn when the upload was not permitted")
    assert "steps.upload.outcome == 'failure'" in warn["if"]
    result, _ = run_step(warn, tmp_path, {})
    assert result.returncode == 0 and result.stdout.startswith("::warning title=bundler::")
    fail = STEPS[-1]
    assert fail["if"] == "always() && steps.check.outputs.exit-code != '0'"
    for code in ("1", "2"):
        result, _ = run_step(dict(fail, env={"CODE": code}), tmp_path, {})
        assert result.returncode == int(code)
    assert ACTION["outputs"]["exit-code"]["value"] == "${{ steps.check.outputs.exit-code }}"
