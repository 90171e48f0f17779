"""Scale of `bundler check`, as ratios against baselines measured in the same run.

- 2,000 migrations across 200 modules against 200 across 20 (goal: linear, like the parse: about
  10x, no more than the parse alone grows);
- a monorepo of 50 configured projects checked from its root in one process against 50
  separate runs (each project named with --config);
- a warm check (answered from the cache) against the floor of a cold one (goal: at most 0.2x).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import libcst  # noqa: E402

from bundler.check import run_check  # noqa: E402
from bundler.config import load_config  # noqa: E402
from timing import paired_best_of, run_command  # noqa: E402

RECORD = "INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)"
PROJECTS = 50
PYPROJECT = '[tool.bundler]\nrunner = "src/app/runner.py:MigrationRunner.run_all_migrations"\n' \
            'stores = ["src/app/store.py:Store.__init__"]\n'


def modular_codebase(folder: Path, modules: int, per_module: int = 10) -> Path:
    """A registry and a store that call ``per_module`` step functions in each of ``modules``
    modules of a package, each step recording its number through a helper of a shared module."""
    package = folder / "src" / "app"
    (package / "steps").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "steps" / "__init__.py").write_text("")
    (package / "record.py").write_text(f"RECORD = {RECORD!r}\n\n\ndef record(conn, version):\n"
                                       "    conn.execute(RECORD, (version, 'now'))\n")
    calls = []
    for module in range(modules):
        numbers = range(module * per_module + 1, (module + 1) * per_module + 1)
        (package / "steps" / f"s{module}.py").write_text("from app.record import record\n" + "".join(
            f"\n\ndef step_{n}(conn):\n    conn.execute('ALTER TABLE t ADD COLUMN c{n} TEXT')\n    record(conn, {n})\n"
            for n in numbers))
        calls += [f"s{module}.step_{n}(self.conn)" for n in numbers]
    imports = "".join(f"from app.steps import s{module}\n" for module in range(modules))
    body = "".join(f"        {call}\n" for call in calls)
    (package / "runner.py").write_text(f"{imports}\n\nclass MigrationRunner:\n    def run_all_migrations(self):\n{body}")
    (package / "store.py").write_text(f"{imports}\n\nclass Store:\n    def __init__(self, conn):\n"
                                      f"        self.conn = conn\n{body}")
    (folder / "pyproject.toml").write_text(PYPROJECT)
    return folder


def parse_all(root: Path) -> None:
    for path in sorted((root / "src").rglob("*.py")):
        libcst.parse_module(path.read_text(encoding="utf-8"))


def check(root: Path) -> None:
    result = run_check(load_config(str(root / "pyproject.toml")))
    assert result.ok, result.findings


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as name:
        scratch = Path(name)
        small, large = modular_codebase(scratch / "small", 20), modular_codebase(scratch / "large", 200)
        parse_small, parse_large = paired_best_of(lambda: parse_all(small), lambda: parse_all(large), 3)
        check_small, check_large = paired_best_of(lambda: check(small), lambda: check(large), 3)
        print(f"2,000 migrations in 200 modules vs 200 in 20: the check grows {check_large / check_small:.1f}x"
              f" ({check_large * 1000:.0f} ms vs {check_small * 1000:.0f} ms), the parse alone"
              f" {parse_large / parse_small:.1f}x (linear: about 10x); the check is {check_large / parse_large:.2f}x"
              " its parse at 2,000")

        monorepo = scratch / "monorepo"
        for number in range(PROJECTS):
            modular_codebase(monorepo / "services" / f"p{number}", 2)
        bundler = [sys.executable, "-m", "bundler", "check", "--no-cache", "--quiet"]

        def separately() -> None:
            for number in range(PROJECTS):
                run_command([*bundler, "--config", f"services/p{number}/pyproject.toml"], monorepo)()

        at_root, separate = paired_best_of(run_command(bundler, monorepo), separately, 2)
        print(f"a monorepo of {PROJECTS} projects checked from its root in one process: {at_root:.2f} s vs"
              f" {PROJECTS} separate runs {separate:.2f} s, {at_root / separate:.2f}x")
        warm_root = paired_best_of(run_command(bundler[:4] + ["--quiet"], monorepo), lambda: None, 3)[0]
        print(f"  the same from the cache: {warm_root:.2f} s, {warm_root / separate:.3f}x the separate runs")


if __name__ == "__main__":
    main()
