"""The README's TypeScript examples, run as written: the #2139-shaped failing check and the
stale bundle, on a copy of the fixture worker laid out as in this repository."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER = "tests/fixtures/typescript/worker"


def section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("### TypeScript and JavaScript", 1)[1].split("\n### ", 1)[0]


def examples() -> list[tuple[str, str]]:
    """Each example's command and the output the README shows for it."""
    blocks = section().split("**The failing example", 1)[1].split("```")
    commands = [blocks[i].removeprefix("sh\n").strip() for i in range(1, len(blocks), 2) if blocks[i].startswith("sh\n")]
    outputs = [blocks[i].strip("\n") for i in range(1, len(blocks), 2) if blocks[i].startswith("\n")]
    return list(zip(commands, outputs))


def run(command: str, cwd: Path) -> str:
    arguments = shlex.split(command)
    assert arguments[0] == "bundler"
    done = subprocess.run([sys.executable, "-m", "bundler", *arguments[1:]], cwd=cwd, capture_output=True, text=True)
    return done.stdout.strip("\n")


def test_the_readme_typescript_examples_give_the_output_shown(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # paths in reports are relative to the repository's top level
    shutil.copytree(ROOT / WORKER, tmp_path / WORKER)
    store = tmp_path / WORKER / "src" / "store.ts"
    store.write_text(store.read_text().replace("    this.addIndexes();\n", "", 1))
    (missing_command, missing_output), (stale_command, stale_output) = examples()
    assert run(missing_command, tmp_path) == missing_output
    store.write_text((ROOT / WORKER / "src" / "store.ts").read_text())
    assert run(stale_command, tmp_path) == stale_output
