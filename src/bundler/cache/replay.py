"""A repeated ``bundler check`` answered before the command line is even parsed.

A pre-commit hook runs the same command line in the same folder on every commit. When a check
could be answered from what it depended on, its output (each write, in order, on each stream)
and exit code are kept with every one of those inputs; the next identical invocation finds them
all as they were (by size and time) and prints the same output without importing the command
line, the configuration or a parser. Any doubt is a miss, and the full command line runs.

What the output depends on, beyond the files the check read, the files it looked for, the
folders it listed and the project's modules it looked among (``Dependencies``): the command line, the folder it runs in, the environment
the colour reads, whether each stream is a terminal, the Python and its path, the tool's own
files, the parsers' installed versions, and how the configuration was found (the pyproject.toml
files looked for, where it really is, the ``.git`` that fixes the repository root, whether each
target is a folder). Only common command lines are kept: one project, the report on standard
output in a format that is a function of those inputs (SARIF reads the git commit), not verbose
(timings); anything else always runs in full.
"""

from __future__ import annotations

import os
import stat
import sys
import time

from bundler.cache.entries import CACHE_FOLDER, read_stored, store
from bundler.files import files_in, python_files_under

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import Any

    from bundler.cache.inputs import Dependencies
    from bundler.config import Config

MAGIC = "bundler replay 1"
ENVIRONMENT = ("NO_COLOR", "FORCE_COLOR", "TERM")  # what the output's colour reads (outputs/terminal.py)
PARSERS = ("libcst", "sqlparse")  # the libraries whose versions can change what the check reads
# A file modified this shortly before the run started (or since) may have changed while it ran, or
# may change again within the clock's resolution without its time moving: it is not trusted by
# size and time (git's "racily clean" entries), and nothing is kept.
RACY_NANOSECONDS = 2_000_000_000
STDOUT, STDERR = "1", "2"
Probe = tuple[str, str, str]  # what was looked at (a kind and a path) and what it was


def replayed(argv: list[str]) -> int | None:
    """The exit code, after printing what the same command line printed last time, when nothing
    it depended on has changed; else None, having printed nothing."""
    if "check" not in argv:
        return None
    try:
        folder = project_folder(argv)
        if folder is None:
            return None
        described = invocation(argv)
        data = read_stored(os.path.join(folder, CACHE_FOLDER), entry_name(described))
        if data is None:
            return None
        fields = unpack(data.decode("utf-8", "surrogateescape"))
        count = int(fields[3])
        probes, output = fields[4:4 + 3 * count], fields[4 + 3 * count:]
        if fields[:2] != [MAGIC, described] or fields[2] not in ("0", "1") or len(output) % 2 \
                or any(stream not in (STDOUT, STDERR) for stream in output[::2]) \
                or not all(observed(probes[at], probes[at + 1]) == probes[at + 2] for at in range(0, len(probes), 3)):
            return None
    except Exception:  # whatever is wrong with an entry (torn, foreign, of another version), it is a miss
        return None
    for stream, text in zip(output[::2], output[1::2]):
        written = sys.stdout if stream == STDOUT else sys.stderr
        written.write(text)
        written.flush()
    return int(fields[2])


def pack(fields: list[str]) -> str:
    """Strings end to end, each after its length: nothing to escape, nothing to run when read."""
    return "".join(f"{len(field)}:{field}" for field in fields)


def unpack(text: str) -> list[str]:
    fields, at = [], 0
    while at < len(text):
        colon = text.index(":", at)
        end = colon + 1 + int(text[at:colon])
        if end > len(text):
            raise ValueError("a torn entry")
        fields.append(text[colon + 1:end])
        at = end
    return fields


def project_folder(argv: list[str]) -> str | None:
    """The folder whose build folder keeps the entry: the one of ``--config``, else the nearest
    one above the current folder holding a pyproject.toml (where the check looks for it)."""
    for position, word in enumerate(argv):
        if word.startswith("--config="):
            return os.path.dirname(os.path.abspath(word.removeprefix("--config=")))
        if word == "--config" and position + 1 < len(argv):
            return os.path.dirname(os.path.abspath(argv[position + 1]))
    folder = os.getcwd()
    while not os.path.isfile(os.path.join(folder, "pyproject.toml")):
        if os.path.dirname(folder) == folder:
            return None
        folder = os.path.dirname(folder)
    return folder


def invocation(argv: list[str]) -> str:
    """What fixes the output before anything is read."""
    environment = [f"{name}={os.environ[name]}" if name in os.environ else name for name in ENVIRONMENT]
    terminals = "".join("1" if stream is not None and stream.isatty() else "0" for stream in (sys.stdout, sys.stderr))
    python = [sys.version, sys.implementation.cache_tag, sys.executable, str(len(sys.path)), *sys.path]
    return pack([os.getcwd(), *environment, terminals, *python, *argv])


def entry_name(described: str) -> str:
    """A name for the invocation's entry (another invocation of the same name is told apart by
    the invocation the entry holds)."""
    import zlib  # a checksum is enough to name it, and hashlib costs a replay a fifth of its time

    return f"replay-{zlib.crc32(described.encode('utf-8', 'surrogateescape')):08x}.replay"


def observed(kind: str, path: str) -> str:
    """One thing the output depends on, as it is now."""
    if kind == "file":  # a regular file's time and size; "-": none
        try:
            found = os.stat(path)
        except OSError:
            return "-"
        return f"{found.st_mtime_ns} {found.st_size}" if stat.S_ISREG(found.st_mode) else "-"
    if kind == "files":  # a folder's files, as the check lists them (a name holds no "/")
        names = files_in(path)
        return "-" if names is None else "+" + "/".join(names)
    if kind == "tree":  # the project's modules below a folder, as the check found them
        return "+" + "/".join(python_files_under(path)) if os.path.isdir(path) else "-"
    if kind == "names":  # everything in a folder (installed distributions)
        return "+" + "/".join(sorted(os.listdir(path))) if os.path.isdir(path) else "-"
    if kind == "exists":
        return "1" if os.path.exists(path) else "0"
    if kind == "folder":
        return "1" if os.path.isdir(path) else "0"
    if kind == "real":
        return os.path.realpath(path)
    raise ValueError(f"unknown kind {kind!r}")


def probe(kind: str, path: str) -> Probe:
    return kind, path, observed(kind, path)


class Unsettled(Exception):
    """A file changed too recently to be trusted by its size and time: nothing is kept."""


def file_probe(path: str, settled_before: int) -> Probe:
    found = probe("file", path)
    if found[2] != "-" and int(found[2].split()[0]) >= settled_before:
        raise Unsettled(path)
    return found


def seen_as(path: str, state: dict[str, Any], settled_before: int) -> Probe:
    """A file the check read (or looked for and did not find), as it is now: still there (or
    still absent), its contents vouched for by the check."""
    found = file_probe(path, settled_before)
    if (found[2] == "-") != (state["sha256"] is None):
        raise Unsettled(path)  # appeared or vanished since the check looked
    return found


def tool_probes(settled_before: int) -> list[Probe]:
    """The tool's own files (the code that prints) and the parsers' installed versions."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    probes = []
    for folder, subfolders, names in os.walk(package):
        subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
        probes.append(probe("files", folder))
        probes += [file_probe(os.path.join(folder, name), settled_before) for name in sorted(names) if name.endswith(".py")]
    for folder in sys.path:
        probes.append(probe("names", folder or "."))
        names = probes[-1][2].split("/")
        if all(name in names or f"{name}.py" in names for name in PARSERS):
            break
    return probes


class Recording:
    """A run of the full command line whose output a later identical invocation may replay.

    Every write to standard output and error is kept, in order, as it is passed on. The check
    tells what its answer depended on; every file among that and the tool's own must have been
    settled before the run started (the code that ran and the files read are the ones seen); the
    output is kept only when the command line is one a replay repeats and all of it still holds
    once the output is printed."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.described = invocation(argv)
        self.settled_before = time.time_ns() - RACY_NANOSECONDS
        self.output: list[str] = []  # stream, text, stream, text...
        self.probes: list[Probe] | None = None

    def __enter__(self) -> Recording:
        self.streams = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = Tee(sys.stdout, STDOUT, self.output), Tee(sys.stderr, STDERR, self.output)
        return self

    def __exit__(self, *exception: object) -> None:
        sys.stdout, sys.stderr = self.streams

    def depended_on(self, args: argparse.Namespace, config: Config, dependencies: Dependencies) -> None:
        """The check's answer is a function of ``dependencies``; with how ``config`` was found,
        the output is, when the command line is one a replay repeats."""
        if not repeatable(args):
            return
        try:
            probes = tool_probes(self.settled_before) + [
                seen_as(path, state, self.settled_before) for path, state in dependencies.files.items()]
            probes += [("files", folder, "-" if names is None else "+" + "/".join(names))
                       for folder, names in dependencies.folders.items()]
            probes += [("tree", root, "+" + "/".join(relpaths)) for root, relpaths in dependencies.trees.items()]
            self.probes = probes + configuration_probes(args, config)
        except (Unsettled, OSError):
            return

    def keep(self, code: int) -> None:
        """Store the output for a replay, when the run was one and all it depended on still holds."""
        folder = project_folder(self.argv)
        if self.probes is None or code not in (0, 1) or folder is None:
            return
        if not all(observed(kind, path) == expected for kind, path, expected in self.probes):
            return
        fields = [MAGIC, self.described, str(code), str(len(self.probes)), *(f for p in self.probes for f in p), *self.output]
        store(os.path.join(folder, CACHE_FOLDER), entry_name(self.described),
              pack(fields).encode("utf-8", "surrogateescape"))


def repeatable(args: argparse.Namespace) -> bool:
    """A command line whose output is a function of the recorded inputs, and that writes nothing else."""
    return (args.command == "check" and args.format != "sarif" and not args.verbose and args.output is None
            and args.sarif is None and args.write_baseline is None and not args.runtime and not args.no_cache
            and not args.list_codes and args.runner is None and args.store is None and args.root is None)


def configuration_probes(args: argparse.Namespace, config: Config) -> list[Probe]:
    """How the configuration is found, which must be as the check found it: the pyproject.toml
    files looked for up to it, where it really is (its folder is the project's), the ``.git``
    looked for above that (the repository root report paths are relative to), whether each
    target is a folder."""
    source = os.path.abspath(config.source)
    probes: list[Probe] = []
    if args.config is None:
        probes += upwards("file", os.getcwd(), "pyproject.toml", lambda state: state != "-")
        if probes[-1][1:] != (source, observed("file", source)) or probes[-1][2] == "-":
            raise Unsettled(source)
    probes.append(probe("real", source))
    if os.path.dirname(probes[-1][2]) != str(config.root):
        raise Unsettled(source)
    repository = upwards("exists", str(config.root), ".git", lambda state: state == "1")
    if (os.path.dirname(repository[-1][1]) if repository[-1][2] == "1" else str(config.root)) != str(config.repository):
        raise Unsettled(source)
    targets = [spec.target for spec in (config.runner, *config.stores, *config.fresh_stores, config.head,
                                        *config.records_nothing) if spec is not None]
    return probes + repository + [probe("folder", str(config.root / target)) for target in targets]


def upwards(kind: str, folder: str, name: str, found: Callable[[str], bool]) -> list[Probe]:
    """``name`` looked for in ``folder`` and each folder above it until it is found."""
    probes = [probe(kind, os.path.join(folder, name))]
    while not found(probes[-1][2]) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
        probes.append(probe(kind, os.path.join(folder, name)))
    return probes


class Tee:
    """A stream that keeps what is written to it, in order with the other one's writes."""

    def __init__(self, stream: Any, number: str, output: list[str]) -> None:
        self._stream, self._number, self._output = stream, number, output

    def write(self, text: str) -> int:
        self._output += (self._number, text)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
