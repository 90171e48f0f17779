"""The files other tools read: the release workflow and the pre-commit hook definition."""

from __future__ import annotations

import re

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load(path: str):
    return yaml.safe_load((ROOT / path).read_text())


def test_the_release_workflow_runs_on_version_tags_and_names_every_step() -> None:
    workflow = load(".github/workflows/release.yml")
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads `on` as true
    assert triggers["push"]["tags"] == ["v*"]
    steps = workflow["jobs"]["release"]["steps"]
    commands = [step.get("run", "") for step in steps]
    uses = [step.get("uses", "") for step in steps]

    def index(predicate) -> int:
        return next(i for i, step in enumerate(steps) if predicate(step))

    test = index(lambda s: s.get("run") == "make test")
    source = index(lambda s: s.get("run") == ".venv/bin/bundler check --config worker/pyproject.toml --format github")
    build = index(lambda s: s.get("run") == "make build")
    bundle = index(lambda s: "--bundle worker/build/worker-service.pyz --format sarif" in s.get("run", ""))
    upload = index(lambda s: s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    publish = index(lambda s: "gh release create" in s.get("run", ""))
    assert test < source < build < bundle < upload < publish
    assert steps[upload]["with"]["sarif_file"] == "bundler.sarif" and "--output bundler.sarif" in commands[bundle]
    assert "worker/build/worker-service.pyz worker/build/worker-service.pyz.json" in commands[publish]
    assert any(u.startswith("actions/checkout") for u in uses)
    assert workflow["permissions"]["security-events"] == "write"


def test_the_pre_commit_hook_checks_the_whole_configuration() -> None:
    [hook] = load(".pre-commit-hooks.yaml")
    assert hook["id"] == "bundler-check"
    assert hook["entry"] == "bundler check"
    assert hook["pass_filenames"] is False and "always_run" not in hook
    assert hook["language"] == "python"
    pattern = re.compile(hook["files"])
    assert all(pattern.search(p) for p in ("src/app/store.py", "pyproject.toml", "services/notes/pyproject.toml"))
    assert not any(pattern.search(p) for p in ("README.md", "docs/pyproject.toml.md", "setup.cfg"))
