"""``bundler init``, after the reading: where the check stops at code it cannot read that may
record a version (SQL built or read at run time, a call it cannot follow), init decides as a
careful reader does whether that function records one, and lists it in ``records-nothing`` when
it does not, saying why (issue 19.4). The check then runs again, until it verifies or stops at
something init cannot vouch for. What init vouches for, the check trusts: each reason says it.

A function records nothing for the registry when

- the style numbers the steps by their shape (a module's or function's name, a decorator): the
  number a step stands for is in its name, so the SQL a step or its dispatcher runs records no
  step's number (the step modules' function is listed once, for every module, as a glob);
- or its own SQL (and, when it reads files, every SQL script of the project) records no version,
  and it calls no function of the project whose SQL records one; it is no runner or store itself.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable as Run

from bundler.assist import shapes
from bundler.assist.discover import Reading
from bundler.errors import BundlerError, UnresolvableError
from bundler.model import CheckResult

SHAPED = {"modules": "a step module's name", "naming": "a step's name", "decorators": "a step's decorator"}
IMPORTING = {"import_module", "__import__", "import_string", "load_module", "exec_module", "load_source"}
READS_FILES = {"open", "read_text", "read_bytes", "listdir", "iterdir", "glob", "resource_string", "read"}
MAX_ROUNDS = 25  # each round vouches for one function (or every step module at once): a bound, never reached


def choose(readings: list[Reading], check: Run[[dict[str, object]], CheckResult]
           ) -> tuple[Reading, CheckResult | BundlerError]:
    """The first reading the check can verify (exit 0 or 1), saying why the ones before it were
    not chosen; else the first, with the check's error."""
    refused: list[tuple[Reading, BundlerError]] = []
    for reading in readings:
        try:
            result = settle(reading, check)
        except BundlerError as error:
            refused.append((reading, error))
            continue
        after_style = int(bool(reading.reasons) and reading.reasons[0].startswith("style: "))
        for other, error in refused:
            reading.reasons.insert(after_style, f"not style {other.table.get('style', 'methods')} with runner"
                                      f" {other.table['runner']}, read first: the check could not verify it ({error})")
        return reading, result
    return refused[0]


def settle(reading: Reading, check: Run[[dict[str, object]], CheckResult]) -> CheckResult:
    """The check's result once init has vouched for what it can; the check's error when it stops
    at code init cannot vouch for (with init's reason for not vouching among the reasons)."""
    for _ in range(MAX_ROUNDS):
        try:
            return check(reading.table)
        except UnresolvableError as error:
            target, why = vouchable(reading, error.unread)
            listed = reading.table.setdefault("records-nothing", [])
            assert isinstance(listed, list)
            if target is None or target in listed:
                if not listed:
                    del reading.table["records-nothing"]
                if error.unread is not None and why:
                    reading.reasons.append(f"records-nothing: not {error.unread}, which the check cannot read:"
                                           f" it may record a version, since {why}")
                raise
            listed.append(target)
            where = f" ({error.where})" if error.where else ""
            reading.reasons.append(f"records-nothing: {target}: the check cannot read it{where}; it records no"
                                   f" version, since {why}")
    return check(reading.table)


def vouchable(reading: Reading, unread: str | None) -> tuple[str | None, str]:
    """The records-nothing entry for the function the check could not read and why it records
    nothing; else None and why it may record ("" when init cannot read it either)."""
    project = reading.project
    function = next((c for c in project.callables if c.spec == unread), None) if project else None
    if unread is None or project is None:
        return None, ""
    file, _, name = unread.partition(":")
    entries = {reading.table.get("runner"), *reading.table.get("stores", []), *reading.table.get("fresh-stores", [])}
    style = str(reading.table.get("style", "methods"))
    runner = str(reading.table.get("runner", ""))
    if unread in entries:
        return None, "it is a path of the reading"
    if style == "modules" and file.startswith(runner.rstrip("/") + "/") and re.search(r"\d", file):
        folder, _, module = file.rpartition("/")
        glob = f"{folder}/{re.sub(r'[0-9]+', '*', module)}:{name}"
        return glob, f"the steps are numbered by {SHAPED[style]}: what {name} runs in each records no step"
    if function is None:
        return None, ""
    if is_step(reading, function):
        return None, f"it is a step: listing it would drop the number {SHAPED[style]} gives it"
    if style == "modules" and imports_steps(function, runner):
        return None, f"it imports the step modules of {runner}: it applies the steps"
    if style in SHAPED:
        return unread, f"the steps are numbered by {SHAPED[style]}: what a dispatcher writes records no step"
    if shapes.records(shapes.strings_in(function.node)):
        return None, "its own SQL records a version"
    recording = {c.name for c in project.callables if shapes.records(shapes.strings_in(c.node))}
    helpers = sorted(shapes.referenced(function.node) & recording)
    if helpers:
        return None, f"it calls {', '.join(helpers)}, whose SQL records a version"
    reads = {n.func.id if isinstance(n.func, ast.Name) else n.func.attr for n in ast.walk(function.node)
             if isinstance(n, ast.Call) and isinstance(n.func, (ast.Name, ast.Attribute))} & READS_FILES
    if reads:
        scripts = [f for f in project.files if f.endswith(".sql")]
        stamping = [f for f in scripts if shapes.records((project.root / f).read_text(encoding="utf-8", errors="replace"))]
        if stamping:
            return None, f"it reads files ({', '.join(sorted(reads))}) and {stamping[0]} records a version"
        return unread, (f"its SQL names no version record and it reads files ({', '.join(sorted(reads))}), and no"
                        f" SQL script of the project records one ({len(scripts)} read)")
    return unread, "its SQL names no version record and it calls nothing that records one"


def is_step(reading: Reading, function: shapes.Callable) -> bool:
    """A step of a registry numbered by name or decorator: vouching for it would drop its number."""
    styles = reading.table.get("styles", {})
    assert isinstance(styles, dict)
    pattern = styles.get("name-pattern", r"(\d+)$") if reading.table.get("style") == "naming" else None
    decorator = styles.get("decorator", "migration") if reading.table.get("style") == "decorators" else None
    return bool(pattern and re.search(str(pattern), function.name)) or any(
        name == decorator for name, _, _ in shapes.decorators_of(function.node))


def imports_steps(function: shapes.Callable, folder: str) -> bool:
    """It imports modules by a built name, or names the step modules' package: a dispatcher, whose
    calls are the steps (what it records besides is no step's, but listing it would hide the steps)."""
    package = folder.rstrip("/").rpartition("/")[2]
    names = shapes.referenced(function.node)
    imported = {n.module or "" for n in ast.walk(function.node) if isinstance(n, ast.ImportFrom)}
    return bool(names & IMPORTING) or package in names or any(package in m.split(".") for m in imported)
