"""What a failed subprocess said, in the one line an error message quotes."""

from __future__ import annotations

import pytest

from bundler.errors import error_line

CHAINED = """Traceback (most recent call last):
  File "cli.py", line 6, in <module>
    import module_missing
ModuleNotFoundError: No module named 'module_missing'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "_bootstrap/__init__.py", line 84, in import_string
AttributeError: module 'worker' has no attribute 'cli'
"""


@pytest.mark.parametrize("stderr, line", [
    (CHAINED, "ModuleNotFoundError: No module named 'module_missing'"),
    ("warning: something\nfatal: the last line says it\n", "fatal: the last line says it"),
    ("", None),
])
def test_a_failure_is_told_by_the_cause_of_a_traceback_or_else_by_the_last_line(stderr: str, line: str | None) -> None:
    assert error_line(stderr) == line
