"""The command line's parser class (argparse, imported only by a command line that needs it: see
``cli.plain_check``): one-line errors, with the nearest valid word for a mistake."""

from __future__ import annotations

import argparse
import re

from bundler.errors import ConfigError


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """One line, with the nearest valid word for a mistyped command, choice or option."""
        where = self.prog.removeprefix("bundler").strip()
        raise ConfigError(f"{where + ': ' if where else ''}{message}{self.suggestion(message)}")

    def suggestion(self, message: str) -> str:
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            bad, options = choice.group(1), re.findall(r"'([^']*)'", choice.group(2))
        else:
            unknown = re.search(r"unrecognized arguments: (\S+)", message)
            if unknown is None:
                return ""
            bad, options = unknown.group(1).split("=")[0], self.option_names()
            elsewhere = self.commands_taking(bad)
            if elsewhere:  # not "did you mean '--format'" for the very option typed
                return f"; {bad} is an option of {' and '.join(f'bundler {name}' for name in elsewhere)} only"
        import difflib  # here: only a mistake needs it (a check starts faster without)
        nearest = difflib.get_close_matches(bad, options, n=1)
        return f"; did you mean '{nearest[0]}'?" if nearest else ""

    def commands_taking(self, option: str) -> list[str]:
        return [name for action in self._actions if isinstance(action, argparse._SubParsersAction)
                for name, command in action.choices.items() if option in command._option_string_actions]

    def option_names(self) -> list[str]:
        """Every option this parser and its commands know."""
        names = list(self._option_string_actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for command in action.choices.values():
                    names += list(command._option_string_actions)
        return names
