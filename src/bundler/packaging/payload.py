"""Every module the bundle ships compiles, and every module of the project's own packages imports.

Running ``--version`` proves only the modules it imports (issue 21: a syntax error in the
worker's ``http_api.py`` shipped, and ``serve`` died on it). The build byte-compiles every
``.py`` member of the archive, and the smoke run imports every module of the payload's packages
from the files the archive holds (bundler.packaging.smoke). A module named ``__main__`` is compiled but not imported: importing
it runs the program.
"""

from __future__ import annotations

import json
import os
import py_compile
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

from bundler.errors import BuildFailed, BundleError, error_line
from bundler.frozen import frozen
from bundler.packaging.project import normalized
from bundler.frontends.python.sources import ARCHIVE_PACKAGES, module_name_for

# Imports each module named on standard input into a plain interpreter (-S) that sees the
# bundle's site-packages only (argv: that folder, then what to add to its nice value); the first
# failure is printed as [module, last line] and ends it.
IMPORT_SCRIPT = """
import importlib, json, os, site, sys, traceback
os.nice(int(sys.argv[2]))
site.addsitedir(sys.argv[1])
for name in sys.stdin.read().split():
    try:
        importlib.import_module(name)
    except BaseException as error:
        print(json.dumps([name, traceback.format_exception_only(type(error), error)[-1].strip()]), flush=True)
        sys.exit(1)
"""


@frozen
class Payload:
    """The project's own modules inside the bundle (dependencies are not the project's)."""

    packages: tuple[str, ...]  # top-level names, as the smoke line reports them
    modules: tuple[str, ...]  # dotted names, in archive order


def compile_members(bundle: Path, shown_as: str, source: Path, prefix: str = "", *, skip: str | None = None) -> int:
    """Byte-compile every ``.py`` member (but those whose name starts with ``skip``, compiled
    already); returns how many. A failure names the source file it was built from (``prefix``:
    the project folder in the repository), else the member, and the line."""
    try:
        with zipfile.ZipFile(bundle) as archive:
            members = [info for info in archive.infolist()
                       if info.filename.endswith(".py") and not (skip and info.filename.startswith(skip))]
            for info in members:
                try:
                    compile(archive.read(info), info.filename, "exec", dont_inherit=True)
                except (SyntaxError, ValueError) as error:
                    raise compile_failure(error, info.filename, shown_as, source, prefix) from None
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleError(f"cannot read the bundle: {exc}", where=shown_as) from None
    return len(members)


def compile_files(files: list[tuple[str, Path]], shown_as: str, source: Path, prefix: str = "") -> int:
    """Byte-compile the ``.py`` files among ``files`` (each by its name in the archive),
    writing each one's bytecode beside it, where an interpreter importing them reads it instead
    of compiling them again; returns how many. A failure is named as in compile_members."""
    compiled = 0
    for member, path in files:
        if member.endswith(".py"):
            try:
                py_compile.compile(str(path), doraise=True)
            except py_compile.PyCompileError as error:
                raise compile_failure(error.exc_value, member, shown_as, source, prefix) from None
            compiled += 1
    return compiled


def compile_failure(error: BaseException, member: str, shown_as: str, source: Path, prefix: str) -> BuildFailed:
    line = getattr(error, "lineno", None) or 1
    origin = built_from(member, source)
    where = f"{prefix}{origin}" if origin else f"{shown_as}!{member}"
    message = getattr(error, "msg", None) or str(error)
    return BuildFailed(f"{where}:{line}: does not compile ({type(error).__name__}: {message}); nothing was moved into place")


def built_from(member: str, source: Path) -> str | None:
    """The project file a ``site-packages/`` member was installed from (src layout), if it exists."""
    if not member.startswith(ARCHIVE_PACKAGES):
        return None
    relative = PurePosixPath("src", member[len(ARCHIVE_PACKAGES):])
    return relative.as_posix() if (source / relative).is_file() else None


def payload_in(site_packages: Path, project: str, packages: tuple[str, ...]) -> Payload:
    """The modules the project's own distribution installed into a staged site-packages (its
    RECORD), limited to ``packages`` when bundle-packages names them."""
    records = [path for path in site_packages.glob("*.dist-info/RECORD")
               if normalized(path.parent.name.split("-")[0]) == normalized(project)]
    listed = records[0].read_text("utf-8", "replace").splitlines() if records else []
    modules = []
    for line in listed:
        relative = line.split(",", 1)[0]
        dotted = module_name_for(ARCHIVE_PACKAGES + relative) if relative.endswith(".py") \
            and not relative.startswith("../") and (site_packages / relative).is_file() else None
        if dotted and dotted.rpartition(".")[2] != "__main__" and (not packages or dotted.split(".")[0] in packages):
            modules.append(dotted)
    tops = tuple(dict.fromkeys(name.split(".")[0] for name in modules))
    return Payload(tops, tuple(modules))


def import_payload(payload: Payload, site_packages: Path, scratch: Path, timeout: float, niceness: int = 0) -> None:
    """Import every payload module from the bundle's site-packages, in one interpreter that sees
    nothing installed here (``niceness`` added to its nice value); the first that fails stops
    the build, named with its error."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIV_") and k != "PYTHONPATH"}
    try:
        result = subprocess.run([sys.executable, "-S", "-c", IMPORT_SCRIPT, str(site_packages), str(niceness)], input="\n".join(
            payload.modules), capture_output=True, text=True, env=env, cwd=scratch, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"importing the bundle's modules did not finish within {timeout:g} s") from None
    if result.returncode == 0:
        return
    try:
        module, said = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        module, said = "its modules", error_line(result.stderr) or f"exit code {result.returncode}"
    raise BuildFailed(f"the bundle fails to import {module}: {said}")
