"""What the packager builds and installs, read from the project being built.

The bundle's entry point, its name and its install folder come from the project's own
``[project]`` table (its name and its console script) unless ``[tool.bundler]`` sets them, so
that building another project never borrows the worker's values (issue 19: another app was
installed as ``~/.memory-worker/bundle/worker-service.pyz``, over a real worker install).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from bundler.config import COMMAND_LINE, Config, read_pyproject
from bundler.errors import ConfigError
from bundler.frozen import frozen


@frozen
class Packaging:
    project: str  # the [project] name, which the manifest records and sync compares
    script: str  # the console script the zipapp runs
    bundle_name: str
    install_dir: Path  # where sync installs unless told otherwise (--to, $BUNDLER_INSTALL_DIR)


def pyproject_of(config: Config) -> Path:
    return config.root / "pyproject.toml" if config.source == COMMAND_LINE else Path(config.source)


def packaging(config: Config) -> Packaging:
    """The configured values, else the project's: its one console script is the entry point, the
    bundle is named after it, and the install folder after the project."""
    pyproject = pyproject_of(config)
    table = read_pyproject(pyproject).get("project", {})
    table = table if isinstance(table, dict) else {}
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("[project] name is required to build the bundle", where=str(pyproject))
    script = config.console_script or the_console_script(table.get("scripts"), str(pyproject))
    directory = (config.root / Path(config.install_dir).expanduser()) if config.install_dir else default_install_dir(name)
    return Packaging(project=name, script=script, bundle_name=config.bundle_name or f"{script}.pyz",
                     install_dir=directory.resolve())


def the_console_script(scripts: object, source: str) -> str:
    """One script in ``[project.scripts]`` is the entry point; none or several need the choice made."""
    names = sorted(scripts) if isinstance(scripts, dict) else []
    if len(names) == 1:
        return names[0]
    if not names:
        raise ConfigError("[project.scripts] names no console script for the bundle to run: add one, or set"
                          " [tool.bundler] console-script", where=source)
    raise ConfigError(f"[project.scripts] names {len(names)} console scripts ({', '.join(names)}): set"
                      f" [tool.bundler] console-script to the one the bundle runs", where=source)


def default_install_dir(project: str) -> Path:
    """``$XDG_DATA_HOME/<project>/bundle`` (``~/.local/share`` by default): one folder per project."""
    data_home = os.environ.get("XDG_DATA_HOME") or "~/.local/share"
    return Path(data_home).expanduser() / normalized(project) / "bundle"


def normalized(name: str) -> str:
    """A project name as packaging compares names (PEP 503): ``My_App`` and ``my-app`` are one."""
    return re.sub(r"[-_.]+", "-", name).lower()
