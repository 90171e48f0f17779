"""``[tool.bundler]`` in pyproject.toml: read once, validated once, errors naming the key.

Command-line flags override the file. Paths are relative to the folder holding the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bundler.errors import ConfigError
from bundler.frozen import frozen
from bundler.model import DEFAULT_SEVERITY, Code, EntrySpec, Severity

if TYPE_CHECKING:
    from bundler.runtime.calls import CallSpec

KNOWN_KEYS = {
    "style", "styles", "runner", "stores", "version-table", "version-key", "version-record", "severity", "install-dir",
    "restart-command", "runtime", "console-script", "bundle-name", "bundle-packages", "records-nothing",
    "head", "base", "fresh-stores", "baseline", "bundles", "ignore-syntax-errors-in",
}
RUNTIME_KEYS = {"runner", "stores", "upgrade-fixtures", "timeout", "fresh-stores"}
STYLE_KEYS = {"decorator", "name-pattern", "record-keys", "module-pattern", "record-number", "record-element",
              "position-base", "chain-equals"}
COMMAND_LINE = "command line"  # the source of what flags configure
RECORD_NUMBERS = ("element", "position", "name")
STYLES = ("methods", "decorators", "records", "naming", "modules", "version-chain", "subclasses")


@frozen
class StyleOptions:
    """How registries that are not method lists are described (``[tool.bundler.styles]``)."""

    decorator: str = "migration"  # decorators: @migration(28), or @migration with the number in the name
    name_pattern: str = r"(\d+)$"  # the number in a function's or method's name (group 1)
    record_keys: tuple[str, ...] = ("version", "from_version", "to_version", "number")
    # records: where a record's number is: an element of the record ("element", the one at
    # record-element), its position in the list ("position", the first being position-base),
    # or the name of the function it holds ("name", by name-pattern)
    record_number: str = "element"
    record_element: int = 0
    position_base: int = 1
    # version-chain: ``if version == N`` tests the current version (step N + 1, "current") or
    # names the step to N ("target", as in Home Assistant's _apply_update)
    chain_equals: str = "current"
    module_pattern: str = r"(\d+)\.py$"  # modules: one module per version, the number in its file name
VERSION_RECORDS = ("table", "user_version")


@frozen
class RuntimeConfig:
    """[tool.bundler.runtime]: the callables run against real SQLite by ``--runtime``, and its fixtures."""

    runner: str | None = None
    stores: tuple[str, ...] = ()
    fresh_stores: tuple[str, ...] = ()  # create the latest schema at once: compared on a fresh database only
    # SQL scripts (``.sql``), or callables that build an old-shaped database (runtime/calls.py)
    upgrade_fixtures: tuple[Path | CallSpec, ...] = ()
    timeout: float = 60.0


@frozen
class Config:
    """[tool.bundler] as loaded and checked: every later step reads the project from this, never the file."""

    root: Path
    source: str  # the file the configuration came from, for messages
    style: str = "methods"
    styles: StyleOptions = field(default_factory=StyleOptions)
    runner: EntrySpec | None = None
    stores: tuple[EntrySpec, ...] = ()
    version_table: str = "schema_versions"
    version_key: str | None = None  # a key/value version table: the key of the version's row
    version_record: str = "table"
    severity: dict[Code, Severity] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    install_dir: str | None = None
    restart_command: tuple[str, ...] = ()
    console_script: str = ""  # empty: the project's one console script (see project.py)
    bundle_name: str = ""  # empty: <console-script>.pyz
    bundle_packages: tuple[str, ...] = ()  # top-level packages to ship; empty: all the wheel has
    runtime: RuntimeConfig = field(default_factory=RuntimeConfig)
    # Functions the configuration vouches record and apply no migration: the checker does not
    # read them (SQL built from what the database holds, callbacks it cannot follow).
    records_nothing: tuple[EntrySpec, ...] = ()
    # Functions whose syntax is not this Python's (Python 2 left in a method no path runs): the
    # checker reads their files without them, and stops if a path runs one.
    ignore_syntax_errors_in: tuple[EntrySpec, ...] = ()
    # Paths that create the latest schema directly and stamp its version: they apply every
    # registered number up to the one they stamp.
    fresh_stores: tuple[EntrySpec, ...] = ()
    head: EntrySpec | None = None  # file.py:NAME or file.py:Class.ATTR holding the current version
    base: int | None = None  # the first version that must have a step (default: the lowest registered)
    baseline: Path | None = None  # findings accepted as known (bundler check --write-baseline writes it)
    # Built bundles `bundler check` also verifies when no --bundle is given (a committed esbuild
    # bundle, say), relative to the configuration's folder
    bundles: tuple[Path, ...] = ()
    # Paths in reports are relative to it: the git top level holding the project, or --root.
    repository: Path | None = None

    @property
    def display_prefix(self) -> str:
        """What turns a path relative to the project folder into one relative to the repository."""
        if self.repository is None:
            return ""
        inner = self.root.resolve().relative_to(self.repository).as_posix()
        return "" if inner == "." else f"{inner}/"

    def require_entries(self) -> tuple[EntrySpec, tuple[EntrySpec, ...]]:
        if self.runner is None:
            raise ConfigError("no runner configured: set [tool.bundler] runner or pass --runner", where=self.source)
        if not self.stores and not self.fresh_stores:
            raise ConfigError("no store configured: set [tool.bundler] stores or pass --store", where=self.source)
        return self.runner, self.stores


def repository_root(folder: Path) -> Path:
    """The git top level holding ``folder`` (found without running git), else ``folder`` itself."""
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def with_repository(config: Config, root: str | None) -> Config:
    """``--root`` if given (it must hold the project), else the git top level."""
    if root is None:
        return replace(config, repository=repository_root(config.root))
    repository = Path(root).resolve()
    if not config.root.resolve().is_relative_to(repository):
        raise ConfigError(f"does not hold the project folder {config.root}", where=f"--root {root}")
    return replace(config, repository=repository)


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


# Folders no project's configuration lives in: tools' caches, environments, outputs.
UNSEARCHED_FOLDERS = {"node_modules", "build", "dist", "venv", "site-packages", "__pycache__"}
SEARCH_DEPTH = 4  # services/notes/pyproject.toml is two deep; a home folder is not walked whole


def projects_below_an_unconfigured_folder(cwd: Path) -> list[Path]:
    """Where no ``[tool.bundler]`` is found here or above (a monorepo's root, where the
    pre-commit hook runs), every pyproject.toml below that holds one; else nothing."""
    nearest = find_pyproject(cwd)
    if nearest is not None and has_tool_table(nearest):
        return []
    found = []
    for folder, subfolders, files in os.walk(cwd):
        deep = len(Path(folder).relative_to(cwd).parts) >= SEARCH_DEPTH
        subfolders[:] = [] if deep else sorted(d for d in subfolders if not d.startswith(".")
                                               and d not in UNSEARCHED_FOLDERS)
        candidate = Path(folder) / "pyproject.toml"
        if "pyproject.toml" in files and candidate != nearest and has_tool_table(candidate):
            found.append(candidate)
    return found


def has_tool_table(pyproject: Path) -> bool:
    try:
        if "bundler" not in pyproject.read_text(encoding="utf-8", errors="replace"):
            return False  # most files: not parsed at all
    except OSError:
        return False
    tool = read_pyproject(pyproject).get("tool", {})
    return isinstance(tool, dict) and "bundler" in tool


def load_config(
    path: str | None = None,
    *,
    runner: str | None = None,
    stores: list[str] | None = None,
    cwd: Path | None = None,
    root: str | None = None,
) -> Config:
    """Read ``[tool.bundler]`` (from ``path`` or the nearest pyproject.toml) and apply overrides;
    ``root`` is the folder report paths are relative to (default: the git top level)."""
    cwd = cwd or Path.cwd()
    pyproject = Path(path) if path else find_pyproject(cwd)
    if pyproject is None:
        if runner and stores:
            return with_repository(apply_overrides(Config(root=cwd, source=COMMAND_LINE), runner, stores, cwd), root)
        raise ConfigError("no pyproject.toml found here or above; pass --config, or --runner and --store")
    table = read_tool_table(pyproject, required=not (runner and stores))
    config = parse_table(table, pyproject.resolve().parent, str(pyproject))
    return with_repository(apply_overrides(config, runner, stores, cwd), root)


def read_pyproject(pyproject: Path) -> dict[str, Any]:
    """The whole file; every failure is a one-line ConfigError naming it."""
    try:
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("configuration file not found", where=str(pyproject)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", where=str(pyproject)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=str(pyproject)) from None


def read_tool_table(pyproject: Path, *, required: bool) -> dict[str, Any]:
    data = read_pyproject(pyproject)
    tool = data.get("tool", {})
    table = tool.get("bundler") if isinstance(tool, dict) else None
    if table is None:
        if required:
            raise ConfigError("no [tool.bundler] table", where=str(pyproject))
        return {}
    if not isinstance(table, dict):
        raise ConfigError("[tool.bundler] must be a table", where=str(pyproject))
    return table


def parse_table(table: dict[str, Any], root: Path, source: str) -> Config:
    check_keys(table, KNOWN_KEYS, "tool.bundler", source)
    config = Config(root=root, source=source)
    if "style" in table:
        style = expect(table, "style", str, source)
        if style not in STYLES:
            near = nearest(style, STYLES)
            hint = f"; did you mean '{near}'?" if near else f"; one of {', '.join(STYLES)}"
            raise ConfigError(f"[tool.bundler] style: unknown style {style!r}{hint}", where=source)
        config = replace(config, style=style)
    if "styles" in table:
        config = replace(config, styles=parse_styles(expect(table, "styles", dict, source), source))
    strict = config.style == "methods"
    if "runner" in table:
        config = replace(config, runner=parse_spec(expect(table, "runner", str, source), "runner", root, source,
                                                   strict=strict))
    if "stores" in table:
        values = expect(table, "stores", list, source)
        if not values:
            raise ConfigError("[tool.bundler] stores: must name at least one store", where=source)
        config = replace(config, stores=tuple(
            parse_spec(expect_item(v, "stores", str, source), "stores", root, source, strict=strict) for v in values
        ))
    for key, attribute in (("version-table", "version_table"), ("version-key", "version_key"), ("install-dir", "install_dir"),
                           ("console-script", "console_script"), ("bundle-name", "bundle_name")):
        if key in table:
            value = expect(table, key, str, source)
            if not value.strip():
                raise ConfigError(f"[tool.bundler] {key}: must not be empty", where=source)
            config = replace(config, **{attribute: value})
    if "version-record" in table:
        config = replace(config, version_record=expect_choice(table, "version-record", VERSION_RECORDS,
                                                              "tool.bundler", source))
    if "bundle-packages" in table:
        packages = tuple(expect_item(p, "bundle-packages", str, source) for p in expect(table, "bundle-packages", list, source))
        if not all(p.isidentifier() for p in packages):
            raise ConfigError("[tool.bundler] bundle-packages: every item must be a top-level package name", where=source)
        config = replace(config, bundle_packages=packages)
    if "restart-command" in table:
        command = expect(table, "restart-command", list, source)
        config = replace(config, restart_command=tuple(expect_item(c, "restart-command", str, source) for c in command))
    if "bundles" in table:
        config = replace(config, bundles=tuple(
            inside(root, expect_item(v, "bundles", str, source), "bundles", source)
            for v in expect(table, "bundles", list, source)))
    if "fresh-stores" in table:
        config = replace(config, fresh_stores=tuple(
            parse_spec(expect_item(v, "fresh-stores", str, source), "fresh-stores", root, source, strict=strict)
            for v in expect(table, "fresh-stores", list, source)
        ))
    if "head" in table:
        head = parse_spec(expect(table, "head", str, source), "head", root, source, strict=False)
        if not head.class_name:
            raise ConfigError("[tool.bundler] head: name the constant, as file.py:NAME or file.py:Class.ATTR",
                              where=source)
        config = replace(config, head=head)
    if "base" in table:
        config = replace(config, base=expect_whole_number(table, "base", "tool.bundler", source,
                                                          " (the first version that needs a step)"))
    if "records-nothing" in table:
        config = replace(config, records_nothing=tuple(
            parse_spec(expect_item(v, "records-nothing", str, source), "records-nothing", root, source, strict=False)
            for v in expect(table, "records-nothing", list, source)
        ))
    if "ignore-syntax-errors-in" in table:
        config = replace(config, ignore_syntax_errors_in=tuple(
            parse_spec(expect_item(v, "ignore-syntax-errors-in", str, source), "ignore-syntax-errors-in", root, source)
            for v in expect(table, "ignore-syntax-errors-in", list, source)
        ))
    if "baseline" in table:
        config = replace(config, baseline=inside(root, expect(table, "baseline", str, source), "baseline", source))
    if "severity" in table:
        config = replace(config, severity=parse_severity(expect(table, "severity", dict, source), source))
    if "runtime" in table:
        config = replace(config, runtime=parse_runtime(expect(table, "runtime", dict, source), root, source))
    return config


def parse_styles(table: dict[str, Any], source: str) -> StyleOptions:
    check_keys(table, STYLE_KEYS, "tool.bundler.styles", source)
    options = StyleOptions()
    if "decorator" in table:
        name = expect(table, "decorator", str, source)
        if not all(part.isidentifier() for part in name.split(".")):
            raise ConfigError(f"[tool.bundler.styles] decorator: {name!r} is not a (dotted) name", where=source)
        options = replace(options, decorator=name)
    for key, attribute in (("name-pattern", "name_pattern"), ("module-pattern", "module_pattern")):
        if key in table:
            pattern = expect(table, key, str, source)
            try:
                groups = re.compile(pattern).groups
            except re.error as exc:
                raise ConfigError(f"[tool.bundler.styles] {key}: not a regular expression ({exc})", where=source) from None
            if groups < 1:
                raise ConfigError(f"[tool.bundler.styles] {key}: needs a group around the number", where=source)
            options = replace(options, **{attribute: pattern})
    if "record-keys" in table:
        keys = tuple(expect_item(k, "styles.record-keys", str, source) for k in expect(table, "record-keys", list, source))
        if not keys or not all(k.isidentifier() for k in keys):
            raise ConfigError("[tool.bundler.styles] record-keys: a list of keyword names", where=source)
        options = replace(options, record_keys=keys)
    if "record-number" in table:
        options = replace(options, record_number=expect_choice(table, "record-number", RECORD_NUMBERS,
                                                               "tool.bundler.styles", source))
    if "chain-equals" in table:
        options = replace(options, chain_equals=expect_choice(table, "chain-equals", ("current", "target"),
                                                              "tool.bundler.styles", source))
    for key, attribute in (("record-element", "record_element"), ("position-base", "position_base")):
        if key in table:
            options = replace(options, **{attribute: expect_whole_number(table, key, "tool.bundler.styles", source)})
    return options


def parse_severity(table: dict[str, Any], source: str) -> dict[Code, Severity]:
    codes = {code.value for code in Code}
    check_keys(table, codes, "tool.bundler.severity", source)
    severity = dict(DEFAULT_SEVERITY)
    levels = [s.value for s in Severity]
    for key, value in table.items():
        if value not in levels:
            raise ConfigError(f"[tool.bundler.severity] {key}: {value!r} is not one of {', '.join(levels)}", where=source)
        severity[Code(key)] = Severity(value)
    return severity


def parse_runtime(table: dict[str, Any], root: Path, source: str) -> RuntimeConfig:
    check_keys(table, RUNTIME_KEYS, "tool.bundler.runtime", source)
    runtime = RuntimeConfig()
    if "runner" in table:
        runtime = replace(runtime, runner=expect(table, "runner", str, source))
    if "stores" in table:
        runtime = replace(runtime, stores=tuple(expect_item(v, "runtime.stores", str, source)
                                               for v in expect(table, "stores", list, source)))
    if "fresh-stores" in table:
        runtime = replace(runtime, fresh_stores=tuple(expect_item(v, "runtime.fresh-stores", str, source)
                                                     for v in expect(table, "fresh-stores", list, source)))
    if "upgrade-fixtures" in table:
        fixtures = [expect_item(v, "runtime.upgrade-fixtures", str, source)
                    for v in expect(table, "upgrade-fixtures", list, source)]
        runtime = replace(runtime, upgrade_fixtures=tuple(
            inside(root, f, "runtime.upgrade-fixtures", source) if f.endswith(".sql") or ":" not in f
            else fixture_call(f, source) for f in fixtures))
    if "timeout" in table:
        timeout = table["timeout"]
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 3600:
            raise ConfigError("[tool.bundler.runtime] timeout: must be a number of seconds from 0 to 3600",
                              where=source)
        runtime = replace(runtime, timeout=float(timeout))
    return runtime


def fixture_call(text: str, source: str) -> CallSpec:
    from bundler.runtime.calls import parse_call  # here: a project whose fixtures are SQL files never needs it

    return parse_call(text, source)


def check_keys(table: dict[str, Any], known: set[str], name: str, source: str) -> None:
    for key in table:
        if key not in known:
            near = nearest(key, sorted(known))
            hint = f"; did you mean '{near}'?" if near else f"; valid keys: {', '.join(sorted(known))}"
            raise ConfigError(f"[{name}] unknown key '{key}'{hint}", where=source)


def expect(table: dict[str, Any], key: str, kind: type, source: str) -> Any:
    value = table[key]
    if not isinstance(value, kind):
        raise ConfigError(f"[tool.bundler] {key}: expected {kind.__name__}, got {type(value).__name__}", where=source)
    return value


def expect_whole_number(table: dict[str, Any], key: str, section: str, source: str, meaning: str = "") -> int:
    value = table[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"[{section}] {key}: must be a whole number{meaning}", where=source)
    return value


def expect_choice(table: dict[str, Any], key: str, choices: tuple[str, ...], section: str, source: str) -> str:
    value = expect(table, key, str, source)
    if value not in choices:
        raise ConfigError(f"[{section}] {key}: {value!r} is not one of {', '.join(choices)}", where=source)
    return value


def expect_item(value: Any, key: str, kind: type, source: str) -> Any:
    if not isinstance(value, kind):
        raise ConfigError(f"[tool.bundler] {key}: every item must be a {kind.__name__}, got {type(value).__name__}",
                          where=source)
    return value


def inside(root: Path, relative: str, key: str, source: str) -> Path:
    resolved = (root / relative).resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise ConfigError(f"[tool.bundler] {key}: {relative!r} is outside the project", where=source)
    return resolved


def parse_spec(text: str, key: str, root: Path, source: str, *, strict: bool = True) -> EntrySpec:
    """``path/to/file.py:Class.method``, ``path/to/file.py:function`` (a function is an entry
    wherever a method is) or ``package.module:...``; unless ``strict`` (registry styles other
    than method lists) also a bare file or folder."""
    target, colon, qualified = text.rpartition(":")
    if not colon and not strict:
        target, qualified = text, ""
    parts = qualified.split(".") if qualified else []
    shape_ok = len(parts) in (1, 2) if strict else len(parts) <= 2
    if (strict and not colon) or not target or not shape_ok or not all(p.isidentifier() for p in parts):
        form = ("path/to/file.py:Class.method or path/to/file.py:function" if strict
                else "path/to/file.py[:Name[.method]]")
        raise ConfigError(f"{key}: {text!r} is not of the form {form}", where=source)
    if target.endswith(".py") or "/" in target or os.sep in target:
        relative = Path(target)
        if relative.is_absolute():
            relative = Path(os.path.relpath(relative, root.resolve()))
        inside(root, str(relative), key, source)
        target = relative.as_posix()
    elif not all(part.isidentifier() for part in target.split(".")):
        raise ConfigError(f"{key}: {target!r} is neither a .py path nor a dotted module name", where=source)
    named_by = f"{key} on the command line" if source == COMMAND_LINE else f"{key} in {source}"
    return EntrySpec(target, *parts, named_by=named_by)


def with_selection(config: Config, select: list[str] | None, ignore: list[str] | None) -> Config:
    """``--select CODE`` checks only the codes named (at their configured severity, or the
    default one where the configuration turned them off); ``--ignore CODE`` turns codes off.
    Each is repeatable and takes comma-separated codes."""
    chosen, dropped = named_codes(select, "--select"), named_codes(ignore, "--ignore")
    severity = dict(config.severity)
    for code in Code:
        if code in dropped or (chosen and code not in chosen):
            severity[code] = Severity.OFF
        elif code in chosen and severity[code] is Severity.OFF:
            severity[code] = DEFAULT_SEVERITY[code]
    return replace(config, severity=severity)


def named_codes(values: list[str] | None, flag: str) -> set[Code]:
    known = [code.value for code in Code]
    codes = set()
    for name in (part.strip() for value in values or () for part in value.split(",")):
        if name not in known:
            near = nearest(name, known)
            hint = f"; did you mean '{near}'?" if near else "; bundler check --list-codes lists them"
            raise ConfigError(f"{name!r} is not a finding code{hint}", where=flag)
        codes.add(Code(name))
    return codes


def apply_overrides(config: Config, runner: str | None, stores: list[str] | None, cwd: Path) -> Config:
    """Flags win over the file; a path in a flag is relative to the current folder."""

    def from_flag(text: str, flag: str) -> EntrySpec:
        target, colon, qualified = text.rpartition(":")
        if colon and (target.endswith(".py") or "/" in target) and not Path(target).is_absolute():
            text = f"{(cwd / target).resolve()}:{qualified}"
        return parse_spec(text, flag, config.root, COMMAND_LINE, strict=config.style == "methods")

    if runner:
        config = replace(config, runner=from_flag(runner, "--runner"))
    if stores:
        config = replace(config, stores=tuple(from_flag(s, "--store") for s in stores))
    return config


def nearest(word: str, words: Sequence[str]) -> str | None:
    """The closest of ``words`` to a mistyped one, if any is close (difflib is imported here:
    only a mistake needs it, and a check starts faster without it)."""
    import difflib

    found = difflib.get_close_matches(word, words, n=1)
    return found[0] if found else None
