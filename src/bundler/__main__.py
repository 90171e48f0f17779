"""``bundler`` and ``python -m bundler``: a repeated check is answered before anything heavy is
imported (bundler.cache.replay); anything else runs the command line (bundler.cli)."""

from __future__ import annotations

import gc
import sys

from bundler.cache.replay import Recording, replayed


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


if __name__ == "__main__":
    sys.exit(main())
