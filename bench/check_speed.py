"""Speed of `bundler check`, as ratios against a baseline measured in the same run.

bundler check on the worker, against the floor: interpreter start + `import libcst` + one
parse of each file the check needs (goal: at most 1.3x); the same answered from the cache
(goal: at most 0.2x the floor). bundler check on a generated
500-migration code base against a 50-migration one (goal: linear growth, about 10x).
"""

from __future__ import annotations

import compileall
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKER = ROOT / "worker"  # the project the check reads
sys.path.insert(0, str(ROOT / "src"))

import libcst  # noqa: E402

from bundler.check import extract_lists, run_check  # noqa: E402
from bundler.config import load_config  # noqa: E402
from bundler.frontends.python.sources import ModuleSet, ProjectFolder  # noqa: E402
from timing import paired_best_of, run_command  # noqa: E402

REPEAT = 25


def files_the_check_parses(root: Path) -> list[str]:
    config = load_config(str(root / "pyproject.toml"))
    runner, stores = config.require_entries()
    modules = ModuleSet(ProjectFolder(config.root))
    extract_lists(modules, config, runner, stores)
    return [path for path, module in modules._by_path.items() if module is not None]


def floor_command(root: Path) -> list[str]:
    files = files_the_check_parses(root)
    code = "import libcst\n" + "".join(
        f"libcst.parse_module(open({str(root / f)!r}, encoding='utf-8').read())\n" for f in files
    )
    return [sys.executable, "-c", code]


def generated_codebase(folder: Path, count: int) -> Path:
    """A registry and a store of ``count`` migrations each, in the shape of the worker's."""
    numbers = range(1, count + 1)
    record = "INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)"
    runner = "class MigrationRunner:\n    def run_all_migrations(self):\n"
    runner += "".join(f"        self.migration_{n}()\n" for n in numbers)
    runner += "".join(
        f"\n    def migration_{n}(self):\n        self.conn.execute('ALTER TABLE t ADD COLUMN c{n} TEXT')\n"
        f"        self.conn.execute({record!r}, ({n}, 'now'))\n" for n in numbers
    )
    store = "class Store:\n    def __init__(self, path):\n"
    store += "".join(f"        self._mirror_{n}()\n" for n in numbers)
    store += "\n    def _record(self, version):\n        self.conn.execute(" + repr(record) + ", (version, 'now'))\n"
    store += "".join(f"\n    def _mirror_{n}(self):\n        self._record({n})\n" for n in numbers)
    folder.mkdir(parents=True)
    (folder / "runner.py").write_text(runner)
    (folder / "store.py").write_text(store)
    (folder / "pyproject.toml").write_text(
        '[tool.bundler]\nrunner = "runner.py:MigrationRunner.run_all_migrations"\nstores = ["store.py:Store.__init__"]\n'
    )
    return folder


def main() -> None:
    # An installed tool has its bytecode; here PYTHONDONTWRITEBYTECODE may have kept it from
    # being written, which would charge compiling our own modules to every run.
    compileall.compile_dir(ROOT / "src", quiet=1)
    check = [sys.executable, "-m", "bundler", "check", "--no-cache"]
    floor, worker = paired_best_of(run_command(floor_command(WORKER), WORKER), run_command(check, WORKER), REPEAT)
    print(f"bundler check on the worker: {worker * 1000:.0f} ms; floor {floor * 1000:.0f} ms;"
          f" ratio {worker / floor:.2f}x (goal <= 1.30x)")
    warm_check = [sys.executable, "-m", "bundler", "check"]  # the warm-up run fills the cache
    floor, warm = paired_best_of(run_command(floor_command(WORKER), WORKER), run_command(warm_check, WORKER), REPEAT)
    print(f"bundler check on the worker from the cache: {warm * 1000:.0f} ms; floor {floor * 1000:.0f} ms;"
          f" ratio {warm / floor:.2f}x (goal <= 0.20x)")
    if shutil.which("valgrind"):
        # Wall time on a shared machine drifts by +-15%; instructions do not.
        floor_count, check_count, warm_count = (instructions(command) for command in (floor_command(WORKER), check, warm_check))
        print(f"  the same in instructions (callgrind): {check_count / 1e6:.0f} M vs floor {floor_count / 1e6:.0f} M;"
              f" ratio {check_count / floor_count:.2f}x (goal <= 1.30x); from the cache {warm_count / 1e6:.0f} M,"
              f" {warm_count / floor_count:.2f}x (goal <= 0.20x)")
    with tempfile.TemporaryDirectory() as name:
        timings = {}
        for count in (50, 500):
            root = generated_codebase(Path(name) / str(count), count)
            timings[count] = paired_best_of(lambda r=root: parse_only(r), lambda r=root: check_only(r), REPEAT)
    for count, (parse, checked) in timings.items():
        print(f"{count} migrations, in process: check {checked * 1000:.0f} ms, parse alone {parse * 1000:.0f} ms"
              f" ({checked / parse:.2f}x the parse)")
    print(f"500 vs 50 migrations: the check grows {timings[500][1] / timings[50][1]:.1f}x,"
          f" the parse alone {timings[500][0] / timings[50][0]:.1f}x (linear: about 10x)")


def instructions(command: list[str]) -> int:
    """Instructions executed by ``command`` under callgrind: repeatable to the last digit."""
    result = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
                            cwd=WORKER, capture_output=True, text=True, check=False)
    match = re.search(r"Collected : (\d+)", result.stderr)
    if match is None:
        raise SystemExit(f"callgrind gave no count for {' '.join(command)}")
    return int(match.group(1))


def parse_only(root: Path) -> None:
    for name in ("runner.py", "store.py"):
        libcst.parse_module((root / name).read_text(encoding="utf-8"))


def check_only(root: Path) -> None:
    run_check(load_config(str(root / "pyproject.toml")))


if __name__ == "__main__":
    main()
