"""How often `bundler init` finds the configuration a careful reader wrote for the ecosystem's
real projects (issue 19.4).

Each state of ``ecosystem/projects/*.toml`` is laid out as ``run.py`` lays it out, but without
a ``pyproject.toml``; ``bundler init --print`` reads it, and its table is compared with the
state's ``[state.config]``:

- **exact**: the keys init reads (style, runner, stores, fresh-stores, head, version-table,
  version-key, version-record, records-nothing, styles) are equal up to order and equivalent spellings: a
  default written out or left away, a folder with or without its trailing slash, and patterns
  that take the same number from every function and file name of the state;
- **verdict**: init's table (with the keys init does not read, severity and runtime, taken from
  the manifest) makes `bundler check` give the same exit code and the same missing and unknown
  numbers as the manifest's table, on a verdict that is one (exit 0 or 1: two tables that both
  fail to verify are no evidence).

One line per state, then the totals. Standard library only, like run.py, whose layout it uses.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (run.py lays the states out; it is a script beside this one, not a package)

READ_KEYS = ("style", "runner", "stores", "fresh-stores", "head", "version-table", "version-key", "version-record",
             "records-nothing", "styles")
UNORDERED = {"stores", "fresh-stores", "records-nothing"}
DEFAULTS = {"style": "methods", "version-table": "schema_versions", "version-record": "table"}
STYLE_DEFAULTS = {"decorator": "migration", "name-pattern": r"(\d+)$", "module-pattern": r"(\d+)\.py$",
                  "record-keys": ["version", "from_version", "to_version", "number"], "record-number": "element",
                  "record-element": 0, "position-base": 1, "chain-equals": "current"}
PATTERNS = ("name-pattern", "module-pattern")
CARRIED = ("severity", "runtime", "baseline")  # what a reader adds that init does not read from code


def names_in(tree: Path) -> set[str]:
    """Every function name and file name of the laid-out state: what a pattern is tried on."""
    names = set()
    for folder, _, files in os.walk(tree):
        for file in files:
            names.add(file)
            if file.endswith(".py"):
                text = (Path(folder) / file).read_text(encoding="utf-8", errors="replace")
                names |= set(re.findall(r"^\s*(?:async\s+)?def\s+(\w+)", text, re.MULTILINE))
    return names


def same_numbers(one: str, other: str, names: set[str]) -> bool:
    def numbers(pattern: str) -> list[str | None]:
        try:
            compiled = re.compile(pattern)
        except re.error:
            return [pattern]
        return [(match.group(1) if match and compiled.groups else None)
                for match in (compiled.search(name) for name in sorted(names))]
    return numbers(one) == numbers(other)


def normal(key: str, value: object) -> object:
    if isinstance(value, str) and key in ("runner", "head", "stores", "fresh-stores", "records-nothing"):
        return value.rstrip("/")
    if isinstance(value, list) and key in UNORDERED:
        return sorted(str(normal(key, item)) for item in value)
    return value


def differing_keys(found: dict, wanted: dict, names: set[str]) -> list[str]:
    """The keys init reads on which the two tables differ, up to order and spelling."""
    differing = []
    for key in READ_KEYS:
        if key == "styles":
            mine, theirs = found.get("styles", {}), wanted.get("styles", {})
            for option in sorted(set(mine) | set(theirs)):
                a = mine.get(option, STYLE_DEFAULTS.get(option))
                b = theirs.get(option, STYLE_DEFAULTS.get(option))
                equal = same_numbers(a, b, names) if option in PATTERNS and a and b else a == b
                if not equal:
                    differing.append(f"styles.{option}")
            continue
        a = normal(key, found.get(key, DEFAULTS.get(key)))
        b = normal(key, wanted.get(key, DEFAULTS.get(key)))
        if a != b:
            differing.append(key)
    return differing


def init_table(project: Path, scratch: Path) -> tuple[dict | None, str]:
    """``bundler init --print`` in ``project``: its table (None when it found none) and its last words."""
    env = scratch_env(scratch)
    done = subprocess.run([*run.bundler_command(), "init", "--print"], cwd=project, env=env, capture_output=True,
                          text=True, timeout=run.CHECK_TIMEOUT)
    lines = done.stdout.splitlines()
    if "[tool.bundler]" not in lines:
        last = (done.stderr.strip().splitlines() or ["no table"])[-1]
        return None, last.removeprefix("bundler: error: ").replace(str(project), ".")
    table = []
    for line in lines[lines.index("[tool.bundler]"):]:
        if not (not line.strip() or line.startswith("[tool.bundler") or re.match(r'^[\w"-]+ = ', line)):
            break  # the check's report follows the table
        table.append(line)
    return tomllib.loads("\n".join(table))["tool"]["bundler"], ""


def scratch_env(scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NO_COLOR", "FORCE_COLOR")}
    for variable in ("HOME", "WORKER_DATA_DIR", "BUNDLER_INSTALL_DIR", "SHIV_ROOT"):
        folder = scratch / variable.lower()
        folder.mkdir(exist_ok=True)
        env[variable] = str(folder)
    return env


def verdict(project: Path, table: dict, state: run.State, scratch: Path) -> tuple[int, frozenset, frozenset]:
    (project / "pyproject.toml").write_text(run.toml_text(table, "tool.bundler"), encoding="utf-8")
    code, report, _ = run.run_check(project, state.args, scratch)
    findings = (report or {}).get("findings", [])

    def numbers(code_name: str) -> frozenset[int]:
        return frozenset(f["version"] for f in findings if f.get("code") == code_name and f.get("version") is not None)
    return code, numbers("missing-migration"), numbers("unknown-version")


def measure(state: run.State, snapshots: Path) -> tuple[str, bool, bool, str]:
    """(status, exact, same verdict, detail) for one state."""
    if state.unavailable:
        return "skip", False, False, state.unavailable
    git_dir = run.snapshot_git_dir(snapshots, state.repository)
    if not git_dir.is_dir():
        return "skip", False, False, f"no snapshot ({git_dir.parent.name})"
    with tempfile.TemporaryDirectory(prefix=f"init-{state.name}-") as folder:
        scratch = Path(folder)
        tree = scratch / "tree"
        try:
            run.lay_out(git_dir, state, tree)
        except run.LayoutError as error:
            return "skip", False, False, str(error)
        project = tree / state.root if state.root else tree
        project.mkdir(parents=True, exist_ok=True)
        found, why = init_table(project, scratch)
        if found is None:
            return "none", False, False, why
        differing = differing_keys(found, state.config, names_in(tree))
        theirs = verdict(project, state.config, state, scratch)
        mine = verdict(project, {**found, **{k: state.config[k] for k in CARRIED if k in state.config}}, state, scratch)
    same = mine == theirs and theirs[0] in (0, 1)
    detail = "" if not differing else "differs in " + ", ".join(
        f"{key} ({found.get(key)!r} for {state.config.get(key)!r})" if not key.startswith("styles.") else key
        for key in differing)
    if not same:
        detail += f"; verdict exit {mine[0]} missing {run.numbers(mine[1])} (manifest's: exit {theirs[0]}" \
                  f" missing {run.numbers(theirs[1])})"
    return "found", not differing, same, detail.strip("; ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshots", type=Path, default=None,
                        help=f"folder of owner+name/repo snapshots (default: ${run.SNAPSHOTS_VARIABLE}, "
                             "else build/snapshots)")
    parser.add_argument("--projects", type=Path, default=run.PROJECTS, help="folder of project manifests")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="measure only these states")
    options = parser.parse_args(argv)
    snapshots = options.snapshots or Path(os.environ.get(run.SNAPSHOTS_VARIABLE) or run.DEFAULT_SNAPSHOTS)
    try:
        states = run.load_states(options.projects)
    except (run.ManifestError, OSError) as error:
        print(f"init_coverage: error: {error}", file=sys.stderr)
        return 2
    if options.only:
        states = [s for s in states if s.name in options.only]
    exact = same = measured = 0
    for state in states:
        status, is_exact, is_same, detail = measure(state, snapshots)
        measured += status != "skip"
        exact += is_exact
        same += is_same
        label = "skip" if status == "skip" else "exact" if is_exact else "verdict" if is_same else status
        print(f"{label:<8} {state.name}" + (f": {detail}" if detail else ""), flush=True)
    print(f"total: {exact} exact, {same} same verdict, of {measured} states measured ({len(states) - measured} skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
