"""The README's "Using bundler in another repository", followed as written by a new user on a
fresh app with a runner and a store: init, check, fix, build, sync, then its pre-commit hook."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.newapp import write_app
from tests.repository.test_pre_commit import git, pre_commit, readme_pre_commit_config

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Using bundler in another repository", 1)[1].split("\n## ", 1)[0]


def walkthrough_commands() -> list[str]:
    block = section().split("Then, in the project's folder", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]


def fresh_app(folder: Path) -> Path:
    app = write_app(folder)
    text = (app / "pyproject.toml").read_text()
    (app / "pyproject.toml").write_text(text[: text.index("[tool.bundler]")])  # from nothing: no table
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "notes"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *command], cwd=app, check=True)
    return app


def test_the_readme_is_followed_as_written_from_nothing_to_an_installed_bundle(tmp_path: Path) -> None:
    commands = walkthrough_commands()
    assert commands == ["bundler init", "bundler check", "bundler fix", "bundler fix --write", "bundler build",
                        "bundler sync"]
    app = fresh_app(tmp_path / "notes")
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k not in ("BUNDLER_INSTALL_DIR", "XDG_DATA_HOME")}
    env.update(HOME=str(home), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}", NO_COLOR="1")
    outputs = {}
    for command in commands:
        if command == "bundler fix":  # the user's next change drops the store's call for 2
            store = app / "src" / "notes" / "store.py"
            store.write_text(store.read_text().replace("        self.add_tags()\n", ""))
        result = subprocess.run(command.split(), cwd=app, env=env, capture_output=True, text=True, timeout=300)
        outputs[command] = result
        expected = 1 if command == "bundler fix" else 0
        assert result.returncode == expected, (command, result.stdout, result.stderr)

    example = section().split("On a small app with a runner and a store:", 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    assert outputs["bundler init"].stdout == example
    assert "+        self.add_tags()" in outputs["bundler fix"].stdout
    assert outputs["bundler fix --write"].stdout.splitlines()[-1] == "verified: 1 path applies all 2 registered migrations"
    installed = home / ".local" / "share" / "notes" / "bundle" / "notes.pyz"
    assert f"sync: installed {installed}" in outputs["bundler sync"].stdout
    ran = subprocess.run([sys.executable, str(installed), "--version"], capture_output=True, text=True,
                         env=dict(env, SHIV_ROOT=str(tmp_path / "shiv")), timeout=120)
    assert ran.stdout == "notes 0.1.0\n"

    # then the hook, as the README's .pre-commit-config.yaml names it (this checkout stands for the repository)
    config = yaml.safe_load(readme_pre_commit_config())
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    config["repos"][0].update(repo=str(ROOT), rev=head)
    (app / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git(app, "add", ".")
    hooked = pre_commit(app, tmp_path / "pre-commit", "run", "--all-files")
    assert hooked.returncode == 0 and "bundler check" in hooked.stdout and "Passed" in hooked.stdout, hooked.stdout
