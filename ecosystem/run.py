"""The ecosystem check: `bundler check` on real projects' migration code, against verdicts read
off that code by hand (issue 18).

Each state in ``ecosystem/projects/*.toml`` names a repository, a commit, the files the check
reads and the ``[tool.bundler]`` table a README reader writes for them. The files are laid out
from a local snapshot of the repository (``<snapshots>/owner+name/repo``, a git directory, as the
search tool's ``fetch`` leaves it), never from a checkout of this repository: the projects' code
never enters it. One line per state, a total, and a non-zero exit on any difference; with
``--known``, only on a change against the recorded known differences, both ways.

Standard library only (and the installed ``bundler``), so it runs from any venv that has bundler.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
PROJECTS = HERE / "projects"
SNAPSHOTS_VARIABLE = "BUNDLER_ECOSYSTEM_SNAPSHOTS"
DEFAULT_SNAPSHOTS = REPOSITORY / "build" / "snapshots"
CHECK_TIMEOUT = 600  # seconds per state; --runtime runs the project's code on temporary databases
SHA = re.compile(r"^[0-9a-f]{40}$")
PROJECT_KEYS = {"repository", "project", "licence", "snapshot", "state"}
STATE_KEYS = {"name", "commit", "paths", "root", "args", "how", "bug", "config", "expect", "fixtures", "whole-config"}
FIXTURE_KEYS = {"commit", "path", "to"}
EXPECT_KEYS = {"exit", "missing", "unknown", "codes", "mentions"}


class ManifestError(Exception):
    """A project file that does not follow the format in ecosystem/README.md."""


class LayoutError(Exception):
    """A state whose files cannot be laid out from its snapshot."""


@dataclass(frozen=True)
class Expect:
    exit: int
    missing: frozenset[int] | None
    unknown: frozenset[int] | None
    codes: frozenset[str]
    mentions: tuple[str, ...]  # texts each of which some finding's message must contain


@dataclass(frozen=True)
class State:
    name: str
    repository: str
    commit: str
    paths: tuple[str, ...]
    root: str
    args: tuple[str, ...]
    config: dict
    expect: Expect
    unavailable: str | None  # why the repository has no snapshot, when it cannot have one
    # (commit, path, to): a file of another commit laid out as ``to`` in the project root, such as
    # an older release's schema code that builds an old-shaped database for --runtime
    fixtures: tuple[tuple[str, str, str], ...] = ()
    # [tool.bundler] keys that replace the configuration's on a whole checkout (--whole): what
    # a user of the whole tree must also say (records-nothing for code beside the listed paths)
    whole_config: dict | None = None


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str  # "ok", "DIFF" or "skip"
    detail: str = ""


# --- reading the manifests -------------------------------------------------------------------


def load_states(projects: Path) -> list[State]:
    """Every state of every project file, in file order; names must be unique across files."""
    states: list[State] = []
    seen: dict[str, str] = {}
    for path in sorted(projects.glob("*.toml")):
        for state in read_project(path):
            if state.name in seen:
                raise ManifestError(f"{path.name}: state name {state.name!r} is also used in {seen[state.name]} "
                                    "(names are unique across all project files)")
            seen[state.name] = path.name
            states.append(state)
    return states


def read_project(path: Path) -> Iterator[State]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ManifestError(f"{path.name}: {error}") from None
    refuse_unknown_keys(data, PROJECT_KEYS, path.name)
    repository = required(data, "repository", str, path.name)
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
        raise ManifestError(f"{path.name}: repository must be owner/name, not {repository!r}")
    snapshot = data.get("snapshot")
    if snapshot is not None and not isinstance(snapshot, str):
        raise ManifestError(f"{path.name}: snapshot must be a string saying why there is none")
    tables = data.get("state")
    if not isinstance(tables, list) or not tables:
        raise ManifestError(f"{path.name}: no [[state]] table")
    for index, table in enumerate(tables, start=1):
        yield read_state(table, repository, snapshot, f"{path.name}, state {index}")


def read_state(table: dict, repository: str, unavailable: str | None, where: str) -> State:
    refuse_unknown_keys(table, STATE_KEYS, where)
    name = required(table, "name", str, where)
    where = f"{where.split(',')[0]}, state {name!r}"
    commit = required(table, "commit", str, where)
    if not SHA.fullmatch(commit):
        raise ManifestError(f"{where}: commit must be a full 40-hex SHA, not {commit!r}")
    paths = required(table, "paths", list, where)
    if not paths or not all(isinstance(p, str) and p and not p.startswith(("/", "..")) for p in paths):
        raise ManifestError(f"{where}: paths must be a non-empty list of paths inside the repository")
    args = table.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ManifestError(f"{where}: args must be a list of strings")
    root = table.get("root", "")
    if not isinstance(root, str) or root.startswith(("/", "..")):
        raise ManifestError(f"{where}: root must be a folder inside the repository")
    required(table, "how", str, where)
    whole_config = table.get("whole-config")
    if whole_config is not None and not isinstance(whole_config, dict):
        raise ManifestError(f"{where}: whole-config must be a table of [tool.bundler] keys")
    return State(name=name, repository=repository, commit=commit, paths=tuple(paths), root=root.strip("/"),
                 args=tuple(args), config=required(table, "config", dict, where),
                 expect=read_expect(required(table, "expect", dict, where), where), unavailable=unavailable,
                 fixtures=read_fixtures(table.get("fixtures", []), where), whole_config=whole_config)


def read_fixtures(entries: object, where: str) -> tuple[tuple[str, str, str], ...]:
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ManifestError(f"{where}: fixtures must be a list of {{ commit, path, to }} tables")
    fixtures = []
    for entry in entries:
        refuse_unknown_keys(entry, FIXTURE_KEYS, f"{where}, fixtures")
        commit, path, to = (required(entry, key, str, f"{where}, fixtures") for key in ("commit", "path", "to"))
        if not SHA.fullmatch(commit):
            raise ManifestError(f"{where}: fixtures commit must be a full 40-hex SHA, not {commit!r}")
        if not to or to.startswith(("/", "..")) or "/../" in to or path.startswith(("/", "..")):
            raise ManifestError(f"{where}: fixtures path and to must be paths inside the repository and the project")
        fixtures.append((commit, path, to))
    return tuple(fixtures)


def read_expect(table: dict, where: str) -> Expect:
    refuse_unknown_keys(table, EXPECT_KEYS, f"{where}, expect")
    exit_code = required(table, "exit", int, f"{where}, expect")
    if exit_code not in (0, 1, 2):
        raise ManifestError(f"{where}: expect.exit must be 0, 1 or 2")

    def numbers(key: str) -> frozenset[int] | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(n, int) for n in value):
            raise ManifestError(f"{where}: expect.{key} must be a list of numbers")
        return frozenset(value)

    def texts(key: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
            raise ManifestError(f"{where}: expect.{key} must be a list of strings")
        return value

    return Expect(exit=exit_code, missing=numbers("missing"), unknown=numbers("unknown"),
                  codes=frozenset(texts("codes")), mentions=tuple(texts("mentions")))


def required(table: dict, key: str, kind: type, where: str):
    value = table.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
        raise ManifestError(f"{where}: {key} is required and must be a {kind.__name__}")
    return value


def refuse_unknown_keys(table: dict, known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise ManifestError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")


def read_known(path: Path) -> dict[str, str]:
    """``name  reason`` per line; blank lines and ``#`` comments are ignored."""
    known: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            known[name] = reason.strip()
    return known


# --- laying a state out ----------------------------------------------------------------------


def snapshot_git_dir(snapshots: Path, repository: str) -> Path:
    return snapshots / repository.replace("/", "+") / "repo"


def whole_paths(state: State) -> tuple[str, ...]:
    """The top-level folders (or files) that hold the state's listed paths, below its root: what a
    user's whole checkout has around the migration code, which the interpreter follows imports into
    (``lbry/extras/daemon/migrator/`` gives ``lbry``; with root ``src``, ``src/app/db.py`` gives
    ``src/app``)."""
    prefix = f"{state.root}/" if state.root else ""
    tops: list[str] = []
    for path in state.paths:
        below = prefix if prefix and path.startswith(prefix) else ""
        top = below + path[len(below):].split("/")[0]
        if top not in tops:
            tops.append(top)
    return tuple(tops)


SOURCE_SUFFIXES = (".py", ".pyi", ".ts", ".tsx", ".js", ".cjs", ".mjs")


def absent_files(git: list[str], commit: str, paths: tuple[str, ...]) -> list[str]:
    """Files under ``paths`` whose content the snapshot lacks (its largest files may be listed but
    absent), left out of a whole layout; an absent source file is a LayoutError, since the check
    may need to read it."""
    listed = subprocess.run([*git, "ls-tree", "-r", "-z", commit, "--", *paths], capture_output=True)
    entries = [line.split("\t", 1) for line in listed.stdout.decode(errors="replace").split("\0") if "\t" in line]
    blobs = [(info.split()[2], path) for info, path in entries if info.split()[1] == "blob"]
    found = subprocess.run([*git, "cat-file", "--batch-check"], input="".join(f"{oid}\n" for oid, _ in blobs),
                           capture_output=True, text=True)
    absent = [path for (_, path), answer in zip(blobs, found.stdout.splitlines()) if answer.endswith(" missing")]
    sources = [path for path in absent if path.endswith(SOURCE_SUFFIXES)]
    if sources:
        raise LayoutError(f"the snapshot lacks the content of {sources[0]} at {commit[:12]} (fetch it again)")
    return absent


def lay_out(git_dir: Path, state: State, destination: Path, whole: bool = False) -> None:
    """The state's paths at its commit, extracted into ``destination`` with ``git archive``
    (no checkout of the snapshot, whose work tree may be absent); with ``whole``, every top-level
    folder that holds one of them (``whole_paths``)."""
    git = ["git", "--git-dir", str(git_dir)]
    found = subprocess.run([*git, "cat-file", "-e", f"{state.commit}^{{commit}}"], capture_output=True)
    if found.returncode != 0:
        raise LayoutError(f"commit {state.commit[:12]} is not in the snapshot {git_dir} (fetch it again)")
    paths = state.paths
    if whole:
        paths = whole_paths(state) + tuple(f":(exclude){path}" for path in absent_files(git, state.commit,
                                                                                        whole_paths(state)))
    archive = subprocess.run([*git, "archive", "--format=tar", state.commit, "--", *paths],
                             capture_output=True)
    if archive.returncode != 0:
        message = archive.stderr.decode(errors="replace").strip().splitlines()
        raise LayoutError(f"git archive at {state.commit[:12]}: {message[-1] if message else 'failed'}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(destination, filter="data")
    project = destination / state.root if state.root else destination
    for commit, path, to in state.fixtures:
        shown = subprocess.run([*git, "show", f"{commit}:{path}"], capture_output=True)
        if shown.returncode != 0:
            message = shown.stderr.decode(errors="replace").strip().splitlines()
            raise LayoutError(f"fixture {path} at {commit[:12]}: {message[-1] if message else 'not found'}")
        (project / to).parent.mkdir(parents=True, exist_ok=True)
        (project / to).write_bytes(shown.stdout)


def toml_text(table: dict, prefix: str) -> str:
    """``table`` as TOML under ``[prefix]``: enough for [tool.bundler] (strings, numbers,
    booleans, lists of them, and sub-tables)."""
    lines = [f"[{prefix}]"]
    nested = []
    for key, value in table.items():
        if isinstance(value, dict):
            nested.append((key, value))
        else:
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    text = "\n".join(lines) + "\n"
    for key, value in nested:
        text += "\n" + toml_text(value, f"{prefix}.{toml_key(key)}")
    return text


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise ManifestError(f"a configuration value of type {type(value).__name__} cannot be written as TOML")


# --- running and comparing -------------------------------------------------------------------


def bundler_command() -> list[str]:
    """The bundler installed beside this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "bundler"
    found = str(beside) if beside.exists() else shutil.which("bundler")
    return [found] if found else [sys.executable, "-m", "bundler"]


def run_check(project: Path, args: Iterable[str], scratch: Path) -> tuple[int, dict | None, str]:
    """`bundler check --format json` in ``project``; (exit code, the JSON report, stderr)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NO_COLOR", "FORCE_COLOR")}
    for variable in ("HOME", "WORKER_DATA_DIR", "BUNDLER_INSTALL_DIR", "SHIV_ROOT"):
        folder = scratch / variable.lower()
        folder.mkdir(exist_ok=True)
        env[variable] = str(folder)
    command = [*bundler_command(), "check", "--no-cache", "--config", "pyproject.toml", "--root", ".", "--format", "json", *args]
    try:
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=CHECK_TIMEOUT)
    except subprocess.TimeoutExpired:
        return -1, None, f"timed out after {CHECK_TIMEOUT} s"
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        report = None
    return done.returncode, report, done.stderr


def differences(expect: Expect, code: int, report: dict | None, stderr: str) -> list[str]:
    """What the check gave that the state does not expect, each as a short phrase."""
    if report is None:
        last = stderr.strip().splitlines()[-1:] or ["no output"]
        return [f"exit {code} (expected {expect.exit}) without a JSON report: {last[0]}"]
    found: list[str] = []
    if code != expect.exit:
        error = report.get("error")
        why = f": {describe_error(error)}" if error else ""
        found.append(f"exit {code} (expected {expect.exit}){why}")
    if not report.get("error"):
        findings = report.get("findings", [])
        for label, wanted, code_name in (("missing", expect.missing, "missing-migration"),
                                         ("unknown", expect.unknown, "unknown-version")):
            got = {f["version"] for f in findings if f.get("code") == code_name and f.get("version") is not None}
            if wanted is not None and got != wanted:
                found.append(f"{label} {numbers(got)} (expected {numbers(wanted)})")
        absent = expect.codes - {f.get("code") for f in findings}
        if absent:
            found.append(f"no {', '.join(sorted(absent))} among {summary(findings)}")
        messages = [str(f.get("message", "")) for f in findings]
        for text in expect.mentions:
            if not any(text in message for message in messages):
                found.append(f"no finding mentions {text!r} ({summary(findings)})")
        if code != expect.exit and findings:
            found.append(f"findings: {summary(findings)}")
    return found


def describe_error(error: dict) -> str:
    where = error.get("file") or ""
    if where and error.get("line"):
        where += f":{error['line']}"
    message = " ".join(str(error.get("message", "")).split())
    return f"{where}: {message}" if where and where not in message else message


def summary(findings: list[dict]) -> str:
    """Findings grouped by code: ``missing-migration {2, 3}; unknown-version {1}``."""
    if not findings:
        return "no findings"
    by_code: dict[str, set[int]] = {}
    for finding in findings:
        versions = by_code.setdefault(str(finding.get("code")), set())
        if isinstance(finding.get("version"), int):
            versions.add(finding["version"])
    return "; ".join(f"{code} {numbers(versions)}" if versions else code for code, versions in sorted(by_code.items()))


def numbers(values: Iterable[int]) -> str:
    return "{" + ", ".join(str(n) for n in sorted(values)) + "}"


def check_state(state: State, snapshots: Path, keep: Path | None = None, whole: bool = False) -> Outcome:
    if state.unavailable:
        return Outcome(state.name, "skip", f"no snapshot ({state.unavailable})")
    git_dir = snapshot_git_dir(snapshots, state.repository)
    if not git_dir.is_dir():
        return Outcome(state.name, "skip", f"no snapshot ({git_dir.parent.name})")
    with tempfile.TemporaryDirectory(prefix=f"ecosystem-{state.name}-") as scratch:
        tree = keep / state.name if keep else Path(scratch) / "tree"
        if keep:
            shutil.rmtree(tree, ignore_errors=True)
        try:
            lay_out(git_dir, state, tree, whole)
        except LayoutError as error:
            return Outcome(state.name, "DIFF", str(error))
        project = tree / state.root if state.root else tree
        project.mkdir(parents=True, exist_ok=True)
        config = {**state.config, **(state.whole_config or {})} if whole else state.config
        (project / "pyproject.toml").write_text(toml_text(config, "tool.bundler"), encoding="utf-8")
        code, report, stderr = run_check(project, state.args, Path(scratch))
    found = differences(state.expect, code, report, stderr)
    return Outcome(state.name, "DIFF" if found else "ok", "; ".join(found) or f"exit {code}")


# --- the command line ------------------------------------------------------------------------


def judge(outcome: Outcome, known: dict[str, str] | None) -> tuple[str, bool]:
    """The line's label and whether it fails the run. Without a known list every DIFF fails; with
    one, a known DIFF is expected and a known state that now passes fails too (keep the list true)."""
    if outcome.status == "skip" or known is None:
        return outcome.status, outcome.status == "DIFF"
    if outcome.status == "DIFF":
        return ("known", False) if outcome.name in known else ("NEW DIFF", True)
    if outcome.name in known:
        return "FIXED", True
    return "ok", False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshots", type=Path, default=None,
                        help=f"folder of owner+name/repo snapshots (default: ${SNAPSHOTS_VARIABLE}, "
                             "else build/snapshots)")
    parser.add_argument("--projects", type=Path, default=PROJECTS, help="folder of project manifests")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="check only these states")
    parser.add_argument("--known", type=Path, help="known differences (name and reason per line): "
                                                   "fail only when a state's result changed against it")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="lay each state out in DIR/NAME and keep it there, to run bundler check on it by hand")
    parser.add_argument("--whole", action="store_true",
                        help="lay out every top-level folder that holds a listed path, as in a user's whole "
                             "checkout (compare with --known ecosystem/known-differences-whole.txt)")
    parser.add_argument("-v", "--verbose", action="store_true", help="say what each state gave, also when ok")
    options = parser.parse_args(argv)
    snapshots = options.snapshots or Path(os.environ.get(SNAPSHOTS_VARIABLE) or DEFAULT_SNAPSHOTS)
    try:
        states = load_states(options.projects)
        known = read_known(options.known) if options.known else None
    except (ManifestError, OSError) as error:
        print(f"ecosystem: error: {error}", file=sys.stderr)
        return 2
    names = {s.name for s in states}
    for listed, source in ((options.only or [], "--only"), (known or {}, options.known and options.known.name)):
        absent = sorted(set(listed) - names)
        if absent:
            print(f"ecosystem: error: {source} names no state {', '.join(absent)}", file=sys.stderr)
            return 2
    if options.only:
        states = [s for s in states if s.name in options.only]
    totals: dict[str, int] = {}
    failed = False
    for state in states:
        outcome = check_state(state, snapshots, options.keep, options.whole)
        label, fails = judge(outcome, known)
        failed |= fails
        totals[label] = totals.get(label, 0) + 1
        show = outcome.detail if (outcome.status != "ok" or options.verbose) else ""
        if label == "FIXED":
            show = f"passes now: remove it from {options.known.name}"
        print(f"{label:<8} {state.name}" + (f": {show}" if show else ""), flush=True)
    print("total: " + ", ".join(f"{count} {label}" for label, count in totals.items()) + f" of {len(states)} states")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
