"""``bundler``: the command line. Thin: parse, call the API, render, map errors to exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from bundler import __version__
from bundler.check import run_check
from bundler.config import load_config
from bundler.errors import EXIT_CANNOT_VERIFY, EXIT_FINDINGS, EXIT_OK, BundlerError, ConfigError
from bundler.report import FORMATS, render

CHECK_EXAMPLE = """example:
  bundler check
  bundler check --runner src/app/runner.py:Runner.run_all --store src/app/store.py:Store.__init__
  bundler check --bundle build/worker-service.pyz --format sarif --output bundler.sarif
"""


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise ConfigError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="bundler", description="Prove every migration path applies every migration; ship the worker.")
    parser.add_argument("--version", action="version", version=f"bundler {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)
    check = commands.add_parser(
        "check", help="statically verify every store path against the migration registry",
        epilog=CHECK_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("--config", help="pyproject.toml to read [tool.bundler] from (default: nearest)")
    check.add_argument("--runner", help="the registry: path/to/file.py:Class.method or package.module:Class.method")
    check.add_argument("--store", action="append", help="a store path's entry (repeatable)")
    check.add_argument("--bundle", action="append", type=Path, default=[], help="also verify the stores inside this zipapp")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("--output", type=Path, help="write the report here instead of standard output")
    return parser


def command_check(args: argparse.Namespace) -> int:
    config = load_config(args.config, runner=args.runner, stores=args.store)
    result = run_check(config, args.bundle)
    write_report(render(result, args.format), args.output)
    return EXIT_OK if result.ok else EXIT_FINDINGS


def write_report(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the report: {exc.strerror}", where=str(output)) from None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return {"check": command_check}[args.command](args)
    except BundlerError as exc:
        print(f"bundler: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except RecursionError:
        print("bundler: error: the code under check nests too deeply to analyse", file=sys.stderr)
        return EXIT_CANNOT_VERIFY
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
