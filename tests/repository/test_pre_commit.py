"""The pre-commit hook, run for real with `pre-commit try-repo` on a temporary repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bundler.conftest import PYPROJECT, RUNNER, STORE

ROOT = Path(__file__).resolve().parents[2]
OFFLINE = ("Could not find a version", "Failed to establish a new connection", "No matching distribution",
           "Temporary failure in name resolution")

pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Another project's repository, with bundler configured and one commit."""
    repository = tmp_path / "project"
    repository.mkdir()
    for name, text in (("pyproject.toml", PYPROJECT), ("runner.py", RUNNER), ("store.py", STORE), ("README.md", "notes\n")):
        (repository / name).write_text(text)
    git(repository, "init", "-q")
    git(repository, "add", ".")
    git(repository, "commit", "-qm", "start")
    return repository


def git(repository: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(repository), *args],
                   check=True, capture_output=True)


def pre_commit(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    """pre-commit in ``project``; skipped, saying why, when the hook's environment cannot be installed."""
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    result = subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=project, env=env,
                            capture_output=True, text=True, timeout=600)
    if result.returncode not in (0, 1) and any(sign in result.stdout + result.stderr for sign in OFFLINE):
        pytest.skip("pre-commit could not install the hook's environment: the package index is unreachable")
    return result


def try_repo(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    return pre_commit(project, home, "try-repo", str(ROOT), "bundler-check", *args)


def test_the_hook_passes_a_verified_project_and_fails_a_broken_one(project: Path, tmp_path: Path) -> None:
    home = tmp_path / "pre-commit"
    passed = try_repo(project, home, "--all-files")
    assert passed.returncode == 0 and "bundler check" in passed.stdout and "Passed" in passed.stdout, passed.stdout

    (project / "store.py").write_text(STORE.replace("        self.m28()\n", ""))
    git(project, "add", "store.py")
    failed = try_repo(project, home)
    assert failed.returncode == 1, failed.stdout
    assert "store.py:4: missing-migration: Store.__init__ (store.py:2) never applies version 28" in failed.stdout


def test_the_hook_runs_only_when_python_files_or_the_configuration_changed(project: Path, tmp_path: Path) -> None:
    (project / "store.py").write_text(STORE.replace("        self.m28()\n", ""))
    git(project, "commit", "-qam", "broken, but committed")
    (project / "README.md").write_text("more notes\n")
    git(project, "add", "README.md")
    skipped = try_repo(project, tmp_path / "pre-commit")
    assert skipped.returncode == 0 and "(no files to check)Skipped" in skipped.stdout, skipped.stdout


def readme_pre_commit_config() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("`.pre-commit-config.yaml`", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_readmes_pre_commit_example_works_as_written_and_once_pinned(project: Path, tmp_path: Path) -> None:
    import yaml

    config = yaml.safe_load(readme_pre_commit_config())
    [repository] = config["repos"]
    assert repository["repo"] == "https://github.com/memory-worker/memory-worker"
    assert [hook["id"] for hook in repository["hooks"]] == ["bundler-check"]
    has_rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet", repository["rev"]],
                             capture_output=True)
    if has_rev.returncode != 0:
        pytest.skip(f"this checkout has no {repository['rev']!r} for the example to name")
    repository["repo"] = str(ROOT)  # this checkout stands for the published repository
    settings = project / ".pre-commit-config.yaml"
    settings.write_text(yaml.safe_dump(config))
    home = tmp_path / "pre-commit"
    as_written = pre_commit(project, home, "run", "--all-files")
    assert as_written.returncode == 0 and "Passed" in as_written.stdout, as_written.stdout

    assert pre_commit(project, home, "autoupdate", "--freeze").returncode == 0
    [pinned] = yaml.safe_load(settings.read_text())["repos"]
    assert len(pinned["rev"]) == 40 and all(c in "0123456789abcdef" for c in pinned["rev"])
    once_pinned = pre_commit(project, home, "run", "--all-files")
    assert once_pinned.returncode == 0 and "Passed" in once_pinned.stdout, once_pinned.stdout


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """A repository whose project lives in services/notes, with no configuration at the root."""
    repository = tmp_path / "monorepo"
    service = repository / "services" / "notes"
    service.mkdir(parents=True)
    for name, text in (("pyproject.toml", PYPROJECT), ("runner.py", RUNNER), ("store.py", STORE)):
        (service / name).write_text(text)
    (repository / "README.md").write_text("services\n")
    git(repository, "init", "-q")
    git(repository, "add", ".")
    git(repository, "commit", "-qm", "start")
    return repository


def test_in_a_monorepo_the_hook_finds_the_project_below_the_root(monorepo: Path, tmp_path: Path) -> None:
    home = tmp_path / "pre-commit"
    assert try_repo(monorepo, home, "--all-files").returncode == 0
    store = monorepo / "services" / "notes" / "store.py"
    store.write_text(STORE.replace("        self.m28()\n", ""))
    git(monorepo, "add", ".")
    failed = try_repo(monorepo, home)
    assert failed.returncode == 1 and "services/notes/store.py:4: missing-migration" in failed.stdout, failed.stdout


def test_in_a_monorepo_the_readmes_args_name_the_project(monorepo: Path, tmp_path: Path) -> None:
    import yaml

    readme = (ROOT / "README.md").read_text()
    example = readme.split("In a monorepo,", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    [hook] = yaml.safe_load(example)
    assert hook == {"id": "bundler-check", "args": ["--config", "services/notes/pyproject.toml"]}
    (monorepo / "pyproject.toml").write_text('[project]\nname = "tools"\n')  # a root project without the table
    (monorepo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(
        {"repos": [{"repo": str(ROOT), "rev": head_of(ROOT), "hooks": [hook]}]}))
    git(monorepo, "add", ".")
    ran = pre_commit(monorepo, tmp_path / "pre-commit", "run", "--all-files")
    assert ran.returncode == 0 and "Passed" in ran.stdout, ran.stdout


def head_of(repository: Path) -> str:
    return subprocess.run(["git", "-C", str(repository), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
