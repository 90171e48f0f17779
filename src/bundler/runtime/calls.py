"""How a runtime callable is called, as ``[tool.bundler.runtime]`` writes it.

``package.module:function`` takes the database file's path. Code whose migrations take an open
connection (and maybe the file name beside it) says so by naming the arguments in order:
``package.module:function(connection, path)``. The runner opens the connection, calls, then
commits and closes it, as the application that goes on using it would.
"""

from __future__ import annotations

import re

from bundler.errors import ConfigError
from bundler.frozen import frozen

ARGUMENTS = {
    "path": "the database file's path",
    "connection": "an open sqlite3 connection to it",
}
_CALL = re.compile(r"^\s*(?P<module>[^:()]+):(?P<function>[^:()]+?)\s*(?:\((?P<arguments>[^()]*)\))?\s*$")


@frozen
class CallSpec:
    """One configured callable: ``text`` as written (findings name it), and what to call it with."""

    text: str
    module: str
    function: str
    arguments: tuple[str, ...]

    @property
    def target(self) -> str:
        return f"{self.module}:{self.function}"

    def called_as(self) -> str:
        return f"{self.target}({', '.join(self.arguments)})"


def parse_call(text: str, source: str) -> CallSpec:
    """``text`` read as a callable and its arguments; a ConfigError naming it when it is not one."""
    match = _CALL.match(text)
    module, function = (match["module"].strip(), match["function"].strip()) if match else ("", "")
    if not match or not all(p.isidentifier() for p in module.split(".")) or not function.isidentifier():
        raise ConfigError(f"[tool.bundler.runtime] {text!r} is not of the form package.module:function"
                          " (called with the database's path) or package.module:function(connection, path)",
                          where=source)
    if match["arguments"] is None:
        return CallSpec(text, module, function, ("path",))
    arguments = tuple(a.strip() for a in match["arguments"].split(","))
    for argument in arguments:
        if argument not in ARGUMENTS:
            known = "; ".join(f"{name}: {what}" for name, what in ARGUMENTS.items())
            raise ConfigError(f"[tool.bundler.runtime] {text!r}: {argument!r} is no argument the runner can pass"
                              f" (each is one of {known})", where=source)
    return CallSpec(text, module, function, arguments)


class CallRefused(Exception):
    """A callable that is not there, or cannot take the arguments configured for it."""

    def __init__(self, call: CallSpec, why: str) -> None:
        hint = ("; name the arguments it takes, each path or connection, as in package.module:function(connection, path)"
                if why.startswith("it takes") else "")
        super().__init__(f"[tool.bundler.runtime] {call.text!r} cannot be called as {call.called_as()}: {why}{hint}")
