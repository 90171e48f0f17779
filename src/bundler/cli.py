"""``bundler``: the command line. Thin: parse, call the API, render, map errors to exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

from dataclasses import replace
from typing import TYPE_CHECKING

from bundler import __version__
from bundler.config import (
    Config, load_config, projects_below_an_unconfigured_folder, with_repository, with_selection,
)
from bundler.errors import EXIT_CANNOT_VERIFY, EXIT_FINDINGS, EXIT_OK, BundlerError, CheckFailed, ConfigError
from bundler.model import CheckResult, Severity
from bundler.outputs.report import FORMATS, counted, render, render_error
from bundler.outputs.terminal import COLOR_CHOICES, Terminal

if TYPE_CHECKING:
    import argparse

    from bundler.cache.replay import Recording
    from bundler.packaging.install import Installed, Manifest
    from bundler.outputs.sarif import Provenance

# The packager's modules are imported by the commands that use them: `bundler check` runs in
# every build and pre-commit hook, and its start-up time is most of its cost. The checker itself
# (bundler.check, and with it libcst) too: a check answered from the cache parses nothing.


def run_check(*args, **kwargs) -> CheckResult:  # type: ignore[no-untyped-def]
    from bundler.check import run_check as check

    return check(*args, **kwargs)

CHECK_EXAMPLES = """\
  bundler check
  bundler check --runner src/app/runner.py:Runner.run_all --store src/app/store.py:Store.__init__
  bundler check --bundle build/worker-service.pyz --format sarif --output bundler.sarif
  bundler check --runtime"""
INSTALL_DIR_HELP = ("install directory (default: $BUNDLER_INSTALL_DIR, else install-dir, else"
                    " ~/.local/share/<project>/bundle)")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``only``, that command's parser alone (all a command line
    starting with it needs): each command's parser costs a check about 1%."""
    import argparse

    from bundler.arguments import ArgumentParser

    parser = ArgumentParser(prog="bundler", description="Prove every migration path applies every migration; ship the project.")
    parser.add_argument("--version", action="version", version=f"bundler {__version__}")
    # The common options go before the command (bundler -v check) or after it (bundler check -v).
    common = ArgumentParser(add_help=False)
    for holder, default in ((parser, None), (common, argparse.SUPPRESS)):
        holder.add_argument("--config", default=default,
                            help="pyproject.toml to read [tool.bundler] from (default: the nearest one)")
        loudness = holder.add_mutually_exclusive_group()
        loudness.add_argument("-q", "--quiet", action="store_true", default=default or False,
                              help="print nothing but findings and errors")
        loudness.add_argument("-v", "--verbose", action="store_true", default=default or False,
                              help="print what was extracted, and step timings")
        holder.add_argument("--color", choices=COLOR_CHOICES, default=default or "auto",
                            help="colour: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it), always, never")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
    for name, (summary, examples, add_options) in COMMANDS.items():
        if only in (None, name):
            add_options(commands.add_parser(
                name, parents=[common], help=summary, description=summary, epilog=f"example:\n{examples}",
                formatter_class=argparse.RawDescriptionHelpFormatter))
    return parser


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments. A command line that starts with a command is all that command's, and its
    parser alone reads it; a mistake is told by the whole parser (it knows every option)."""
    words = sys.argv[1:] if argv is None else list(argv)
    plain = plain_check(words)
    if plain is not None:
        return plain  # type: ignore[return-value]
    if words and words[0] in COMMANDS:
        try:
            return build_parser(only=words[0]).parse_args(words)
        except ConfigError:
            pass
    return build_parser().parse_args(words)


# `bundler check` as hooks, builds and make run it, read without argparse: importing it and
# building the check's parser cost a cold check 23 M instructions (1.5%). What the check's
# parser gives for `bundler check` (a test holds the two equal), then each word one of these
# flags or options; any other word (an abbreviation, --help, another option, a value starting
# with "-") and the whole command line goes to argparse.
CHECK_DEFAULTS: dict[str, object] = {
    "config": None, "quiet": False, "verbose": False, "color": "auto", "command": "check", "runner": None,
    "store": None, "runtime": False, "root": None, "select": None, "ignore": None, "no_cache": False,
    "format": "text", "output": None, "sarif": None, "write_baseline": None, "list_codes": False,
    "exit_zero": False,
}
CHECK_FLAGS = {"--no-cache": "no_cache", "--runtime": "runtime", "--exit-zero": "exit_zero", "--list-codes": "list_codes",
               "-q": "quiet", "--quiet": "quiet", "-v": "verbose", "--verbose": "verbose"}
CHECK_OPTIONS: dict[str, tuple[str, ...] | None] = {"--config": None, "--format": FORMATS, "--color": COLOR_CHOICES}


def plain_check(words: list[str]) -> SimpleNamespace | None:
    """A `bundler check` command line of only common flags and options, as argparse reads it; else None."""
    if words[:1] != ["check"]:
        return None
    values = {**CHECK_DEFAULTS, "bundle": []}
    rest = iter(words[1:])
    for word in rest:
        option, equals, value = word.partition("=")
        if word in CHECK_FLAGS:
            values[CHECK_FLAGS[word]] = True
            continue
        if option not in CHECK_OPTIONS:
            return None
        if not equals:
            value = next(rest, "-")
            if value.startswith("-"):
                return None
        choices = CHECK_OPTIONS[option]
        if choices is not None and value not in choices:
            return None
        values[option[2:]] = value
    if values["quiet"] and values["verbose"]:
        return None  # argparse says they exclude each other
    return SimpleNamespace(**values)


def add_check_command_options(check: argparse.ArgumentParser) -> None:
    add_check_options(check)
    check.add_argument("--bundle", action="append", type=Path, default=[], help="also verify the stores inside this zipapp")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("--output", type=Path, help="write the report here instead of standard output")
    check.add_argument("--sarif", type=Path, metavar="FILE",
                       help="also write the same run's findings as SARIF to FILE (the Action's annotations and upload)")
    check.add_argument("--write-baseline", type=Path, metavar="FILE",
                       help="accept every current finding: write them to FILE (then set baseline = FILE)")
    check.add_argument("--list-codes", action="store_true", help="list the finding codes and exit")
    check.add_argument("--exit-zero", action="store_true",
                       help="exit 0 even when findings fail the check (2 still means it could not verify)")


def add_explain_options(explain: argparse.ArgumentParser) -> None:
    explain.add_argument("code", help="a finding code (bundler check --list-codes lists them)")


def add_init_options(init: argparse.ArgumentParser) -> None:
    init.add_argument("--print", action="store_true", help="print the table instead of writing it into pyproject.toml")


def add_fix_options(fix: argparse.ArgumentParser) -> None:
    fix.add_argument("--write", action="store_true", help="apply the fixes, then run the check")
    add_check_options(fix)


def add_build_options(build: argparse.ArgumentParser) -> None:
    build.add_argument("--force", action="store_true", help="build even when nothing changed")


def add_sync_options(sync: argparse.ArgumentParser) -> None:
    add_install_dir_option(sync)
    sync.add_argument("--bundle", type=Path, help="the bundle to install (default: build/<bundle-name>)")


def add_install_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to", help=INSTALL_DIR_HELP)


def add_build_and_sync_options(both: argparse.ArgumentParser) -> None:
    add_install_dir_option(both)
    add_build_options(both)


def add_version_bump_options(bump: argparse.ArgumentParser) -> None:
    bump.add_argument("part", choices=("patch", "minor", "major"))


def add_check_options(parser: argparse.ArgumentParser) -> None:
    """What the check reads and counts: `check` and `fix` (which checks before and after) take the same."""
    parser.add_argument("--runner", help="the registry: path/to/file.py:Class.method or package.module:Class.method")
    parser.add_argument("--store", action="append", help="a store path's entry (repeatable)")
    parser.add_argument("--runtime", action="store_true",
                        help="also run every path on fresh and upgrade-fixture databases and compare schemas")
    parser.add_argument("--root", help="the folder paths in the report are relative to (default: the git top level)")
    parser.add_argument("--select", action="append", metavar="CODE",
                        help="check only these finding codes (repeatable, or comma-separated)")
    parser.add_argument("--ignore", action="append", metavar="CODE", help="do not check these codes (repeatable)")
    parser.add_argument("--no-cache", action="store_true",
                        help="check from scratch: neither answer from build/bundler-cache nor store in it")


# Each command: its one-line summary, its examples (the end of its help), and its options.
COMMANDS: dict[str, tuple[str, str, Callable[[argparse.ArgumentParser], None]]] = {
    "check": ("statically verify every store path against the migration registry", CHECK_EXAMPLES,
              add_check_command_options),
    "explain": ("what a finding code means: what triggers it, an example, the fix",
                "  bundler explain missing-migration", add_explain_options),
    "init": ("find the registry and the paths, write [tool.bundler], run the check once",
             "  bundler init\n  bundler init --print   # show the table, write nothing", add_init_options),
    "fix": ("write the steps, numbers and heads that findings ask for (a diff unless --write)",
            "  bundler fix           # print the diff\n  bundler fix --write   # apply it, then check", add_fix_options),
    "build": ("check, build build/<bundle> with shiv, verify and smoke-run it", "  bundler build", add_build_options),
    "sync": ("install the built bundle atomically, keeping the previous one",
             "  bundler sync --to ~/.local/share/notes/bundle", add_sync_options),
    "rollback": ("make the previously installed bundle current again", "  bundler rollback", add_install_dir_option),
    "build-and-sync": ("check, build, verify and install in one go", "  bundler build-and-sync",
                       add_build_and_sync_options),
    "version-bump": ("bump the version (refused while the check fails)",
                     "  bundler version-bump patch   # then: bundler build", add_version_bump_options),
}


def command_check(args: argparse.Namespace) -> int:
    if args.list_codes:
        from bundler.findings.codes import code_list

        sys.stdout.write(code_list())
        return EXIT_OK
    if args.config is None and not (args.runner and args.store):
        projects = projects_below_an_unconfigured_folder(Path.cwd())
        if projects:
            return check_each_project(args, projects)
    return check_one(args, args.config, args.recording)


def check_each_project(args: argparse.Namespace, projects: list[Path]) -> int:
    """A monorepo's root (the pre-commit hook runs there): every configured project below it, one
    after the other; the exit code is the worst of theirs."""
    if args.format not in ("text", "github") or args.output or args.sarif or args.write_baseline or args.bundle:
        error = ConfigError(f"{counted(len(projects), 'configured project')} below this folder"
                            f" ({', '.join(relative_to_cwd(p) for p in projects)}): pass --config to choose one")
        write_error_reports(error, args, None)
        raise error
    worst = EXIT_OK
    for pyproject in projects:
        progress(f"check: {relative_to_cwd(pyproject)}")
        try:
            code = check_one(args, str(pyproject))
        except BundlerError as exc:
            TERMINAL.error(str(exc))
            code = exc.exit_code
        worst = max(worst, code)
    return worst


def relative_to_cwd(path: Path) -> str:
    return path.relative_to(Path.cwd()).as_posix() if path.is_relative_to(Path.cwd()) else str(path)


def check_one(args: argparse.Namespace, pyproject: str | None, recording: Recording | None = None) -> int:
    """One project's check; ``recording`` is told what its output depends on (a replay may repeat it)."""
    config: Config | None = None
    try:
        config = with_selection(load_config(pyproject, runner=args.runner, stores=args.store, root=args.root),
                                args.select, args.ignore)
        bundles = args.bundle or list(config.bundles)  # --bundle replaces the configured ones
        if args.write_baseline is not None:  # every finding becomes known: the old baseline does not matter
            result = write_baseline(run_check(replace(config, baseline=None), bundles, runtime=args.runtime),
                                    args.write_baseline, config)
        elif args.no_cache or args.runtime:  # --runtime runs the code: its outcome is not a function of files
            result = run_check(config, bundles, runtime=args.runtime)
        else:
            from bundler.cache.check import check_with_cache

            checked = config
            result = check_with_cache(config, bundles, note=TERMINAL.detail, depended_on=lambda dependencies: (
                recording.depended_on(args, checked, dependencies) if recording is not None else None))
    except RecursionError:
        error = BundlerError("the code under check nests too deeply to analyse")
        write_error_reports(error, args, config)
        raise error from None
    except BundlerError as exc:  # machine-readable formats still get a result, saying why
        write_error_reports(exc, args, config)
        raise
    if args.format == "text" and args.output is None:
        TERMINAL.report(result)
    else:
        write_report(render(result, args.format, provenance_for(args.format, config)), args.output)
    if args.sarif is not None:
        write_report(render(result, "sarif", provenance_for("sarif", config)), args.sarif)
    return EXIT_OK if result.ok or args.exit_zero else EXIT_FINDINGS


def write_error_reports(error: BundlerError, args: argparse.Namespace, config: Config | None) -> None:
    write_error_report(error, args.format, args.output, config)
    if args.sarif is not None:
        write_error_report(error, "sarif", args.sarif, config)


def write_error_report(error: BundlerError, fmt: str, output: Path | None, config: Config | None) -> None:
    if fmt != "text":
        write_report(render_error(error, fmt, provenance_for(fmt, config)), output)


def write_usage_error(error: ConfigError, argv: list[str]) -> None:
    """A command line that does not parse, from a `check` that asked for a machine-readable
    format: that format still gets the error."""
    import argparse

    wanted = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    wanted.add_argument("--format", choices=FORMATS)
    wanted.add_argument("--output", type=Path)
    try:
        known, _ = wanted.parse_known_args(argv)
    except argparse.ArgumentError:  # a --format that is no format: nothing to write it in
        return
    if "check" in argv and known.format:
        write_error_report(error, known.format, known.output, None)


def write_baseline(result: CheckResult, path: Path, config: Config) -> CheckResult:
    """Every finding that counts now becomes known (said on standard error: the report may be on
    standard output)."""
    from bundler.model import Suppression
    from bundler.findings.suppress import baseline_reason, baseline_text

    known = result.findings
    try:
        path.write_text(baseline_text(known), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the baseline: {exc.strerror}", where=str(path)) from None
    hint = "" if config.baseline == path.resolve() else f'; set baseline = "{path}" in [tool.bundler] to use it'
    TERMINAL.notice(f"baseline: {counted(len(known), 'finding')} written to {path}{hint}")
    accepted = tuple(replace(f, suppression=Suppression("baseline", baseline_reason(path))) for f in known)
    return replace(result, findings=(), suppressed=result.suppressed + accepted)


def provenance_for(fmt: str, config: Config | None) -> Provenance | None:
    """The repository and, in git, its commit: SARIF places results with them."""
    if fmt != "sarif":
        return None
    from bundler.outputs.sarif import Provenance
    from bundler.packaging.vcs import git, repository_uri

    root = (config.repository or config.root) if config is not None else Path.cwd()
    return Provenance(root, repository_uri(root), git(root, "rev-parse", "HEAD"),
                      git(root, "rev-parse", "--abbrev-ref", "HEAD"))


def command_init(args: argparse.Namespace) -> int:
    """Read the project, say what was chosen and why, write (or print) the table, check once."""
    from bundler.config import parse_table
    from bundler.assist.discover import read_project, toml_table, unconfigured, write_table
    from bundler.assist.vouch import choose

    pyproject = Path(args.config) if args.config else Path.cwd() / "pyproject.toml"
    root = pyproject.resolve().parent
    readings = read_project(root)
    if not args.print:
        unconfigured(pyproject)  # refused before any check runs when a configuration is there

    def check(table: dict[str, object]) -> CheckResult:
        return run_check(with_repository(parse_table(table, root, "bundler init"), None))
    # the first reading the check verifies, with records-nothing for the code it cannot read where init can tell
    reading, outcome = choose(readings, check)
    for reason in reading.reasons:
        progress(f"init: {reason}")
    if args.print:
        sys.stdout.write(toml_table(reading.table))
    else:
        write_table(pyproject, reading.table)
        progress(f"init: wrote [tool.bundler] into {relative_to_cwd(pyproject.resolve())}")
    if isinstance(outcome, BundlerError):
        raise outcome
    TERMINAL.report(outcome)
    return EXIT_OK if outcome.ok else EXIT_FINDINGS


def command_fix(args: argparse.Namespace) -> int:
    """The diff of the fixes (exit 1 while there is one), or with --write the fixed files and a check."""
    from bundler.assist.fix import applied_texts, plan_fixes, unified_diff, write

    def configured() -> Config:
        return with_selection(load_config(args.config, runner=args.runner, stores=args.store, root=args.root),
                              args.select, args.ignore)

    config = configured()
    result = run_check(config)  # from the files it edits, never the cache; --runtime is for the check after
    plan = plan_fixes(config, result)
    changed = applied_texts(config, plan)
    for note in plan.notes:
        TERMINAL.notice(f"fix: {note}")
    if not changed:
        left = ", ".join(dict.fromkeys(f"{f.code.value} ({f.location})" for f in result.findings
                                       if f.severity is Severity.ERROR))
        progress("fix: nothing bundler fix can write" + ("" if result.ok else f"; the check still fails: {left}"))
        return EXIT_OK if result.ok else EXIT_FINDINGS
    if not args.write:
        sys.stdout.write(unified_diff(config, changed))
        return EXIT_FINDINGS
    write(config, changed)
    progress(f"fix: wrote {', '.join(config.display_prefix + name for name in sorted(changed))}")
    after = run_check(configured(), runtime=args.runtime)
    TERMINAL.report(after)
    return EXIT_OK if after.ok else EXIT_FINDINGS


def command_explain(args: argparse.Namespace) -> int:
    from bundler.findings.codes import explain

    sys.stdout.write(explain(args.code))
    return EXIT_OK


TERMINAL = Terminal()


def progress(line: str, seconds: float | None = None) -> None:
    TERMINAL.progress(line, seconds)


def command_build(args: argparse.Namespace) -> int:
    from bundler.packaging.build import build

    build(load_config(args.config), progress, force=args.force)
    return EXIT_OK


def command_sync(args: argparse.Namespace) -> int:
    from bundler.packaging.build import bundle_path
    from bundler.packaging.install import install_dir, sync

    config = load_config(args.config)
    installed = sync(config, args.bundle or bundle_path(config), install_dir(config, args.to))
    report_install(installed)
    return EXIT_OK


def command_rollback(args: argparse.Namespace) -> int:
    from bundler.packaging.install import install_dir, rollback

    config = load_config(args.config)
    installed = rollback(config, install_dir(config, args.to))
    progress(f"rollback: {installed.directory / installed.manifest.bundle} is {describe(installed.manifest)} again")
    return EXIT_OK


def command_build_and_sync(args: argparse.Namespace) -> int:
    from bundler.packaging.build import build, bundle_path
    from bundler.packaging.install import install_dir, refuse_another_project, sync
    from bundler.packaging.project import packaging

    config = load_config(args.config)
    directory = install_dir(config, args.to)
    refuse_another_project(directory, packaging(config))  # before building: the build would be for nothing
    build(config, progress, force=args.force)
    installed = sync(config, bundle_path(config), directory)
    report_install(installed)
    return EXIT_OK


def command_version_bump(args: argparse.Namespace) -> int:
    from bundler.packaging.version import bump_version

    config = load_config(args.config)
    result = run_check(config)
    if not result.ok:
        raise CheckFailed(result, "the source")
    old, new, path = bump_version(config, args.part)
    progress(f"version: {old} -> {new} in {path.relative_to(config.root) if path.is_relative_to(config.root) else path}")
    return EXIT_OK


def report_install(installed: Installed) -> None:
    target = installed.directory / installed.manifest.bundle
    if not installed.changed:
        progress(f"sync: {target} is already this bundle; nothing to do")
    else:
        kept = f"; previous kept as {installed.manifest.bundle}.prev" if installed.previous else ""
        progress(f"sync: installed {target}{kept}")
    manifest = installed.manifest
    TERMINAL.detail(f"manifest: {installed.directory / 'manifest.json'}")
    progress(f"summary: {describe(manifest)} at {target}, applies versions {', '.join(map(str, manifest.versions_applied))}")


def describe(manifest: Manifest) -> str:
    """One line for an installed release; a commit built from a changed tree keeps its ``-dirty``."""
    commit, dirty, _ = manifest.source_commit.partition("-dirty")
    return f"{manifest.bundle} {manifest.version} (sha256 {manifest.sha256[:12]}, commit {commit[:12]}{dirty})"


def write_report(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the report: {exc.strerror}", where=str(output)) from None


def main(argv: Sequence[str] | None = None, *, recording: Recording | None = None) -> int:
    """The command line; ``recording`` keeps a check's output for a replay (bundler.__main__)."""
    global TERMINAL
    TERMINAL = Terminal()
    try:
        try:
            args = parse_arguments(argv)
        except ConfigError as exc:
            write_usage_error(exc, sys.argv[1:] if argv is None else list(argv))
            raise
        args.recording = recording
        TERMINAL = Terminal(quiet=args.quiet, verbose=args.verbose, color=args.color)
        commands = {"check": command_check, "build": command_build, "sync": command_sync,
                    "rollback": command_rollback, "build-and-sync": command_build_and_sync,
                    "version-bump": command_version_bump, "explain": command_explain, "init": command_init,
                    "fix": command_fix}
        return commands[args.command](args)
    except CheckFailed as exc:
        TERMINAL.report(exc.result)
        TERMINAL.error(str(exc))
        return exc.exit_code
    except BundlerError as exc:
        TERMINAL.error(str(exc))
        return exc.exit_code
    except RecursionError:
        TERMINAL.error("the code under check nests too deeply to analyse")
        return EXIT_CANNOT_VERIFY
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
