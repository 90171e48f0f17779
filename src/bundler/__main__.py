"""``bundler`` and ``python -m bundler``: a repeated check is answered before anything heavy is
imported (bundler.cache.replay); anything else runs the command line (bundler.cli)."""

from __future__ import annotations

import gc
import os
import sys

from bundler.cache.replay import Recording, replayed

BROKEN_PIPE = 2  # the check did not finish telling its verdict


def main() -> int:
    argv = sys.argv[1:]
    code = replayed(argv)
    if code is not None:
        return code
    # A short-lived process that allocates hundreds of thousands of objects (parsed trees, the
    # parser's and the checker's classes) and frees few cycles: the collector's default pace
    # costs a cold check 2% for nothing (mypy does the same).
    gc.set_threshold(100_000, 50, 100)
    from bundler.cli import main as command_line

    if "check" not in argv:
        return command_line(argv)
    recording = Recording(argv)
    with recording:
        code = command_line(argv, recording=recording)
    recording.keep(code)
    return code


def run() -> None:
    """The console script: the command, then its exit (``main`` returns the code, for callers in
    the same process). A check exits at once; the packager's commands, which write archives and
    install folders, the ordinary way."""
    try:
        code = main()
    except BrokenPipeError:  # the report's reader went away (`bundler check | head -1`): nothing is left to tell it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the interpreter's last flush must not fail
        sys.exit(BROKEN_PIPE)
    if "check" in sys.argv[1:]:
        exit_now(code)
    sys.exit(code)


def exit_now(code: int) -> None:
    """Exit without tearing the interpreter down: freeing every module, class and parsed tree one
    by one, with the collector's passes over them, costs a cold check 4% of its instructions for
    nothing (mypy exits the same way). Every file a check writes (report, baseline, cache entry)
    is closed by now; the standard streams are flushed here. Where that or anything else is in
    doubt (a stream that cannot take the rest, another thread still running, an exit handler
    registered), the ordinary exit runs."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        sys.exit(code)
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1 or exit_handlers():
        sys.exit(code)
    os._exit(code)


def exit_handlers() -> int:
    import atexit

    return atexit._ncallbacks()


if __name__ == "__main__":
    run()
