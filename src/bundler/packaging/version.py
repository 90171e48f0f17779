"""``bundler version-bump``: one version, in the one place both packages read it.

The place is found from ``pyproject.toml``: ``[tool.setuptools.dynamic] version = {attr = ...}``
names a module attribute (ours: ``worker.__version__``, which ``bundler`` imports); a static
``[project] version`` is bumped in pyproject.toml itself.
"""

from __future__ import annotations

import re
from pathlib import Path

from bundler.config import Config, read_pyproject
from bundler.errors import ConfigError

PARTS = ("patch", "minor", "major")
SEMVER = r"(\d+)\.(\d+)\.(\d+)"


def bumped(version: str, part: str) -> str:
    match = re.fullmatch(SEMVER, version)
    if match is None:
        raise ConfigError(f"version {version!r} is not MAJOR.MINOR.PATCH")
    major, minor, patch = map(int, match.groups())
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def version_location(config: Config) -> tuple[Path, re.Pattern[str]]:
    """The file holding the version, and a pattern whose group 2 is the version."""
    pyproject = config.root / "pyproject.toml"
    data = read_pyproject(pyproject)
    project = data.get("project", {})
    if isinstance(project.get("version"), str):
        return pyproject, re.compile(rf'^(version\s*=\s*")({SEMVER})(")', re.MULTILINE)
    attr = data.get("tool", {}).get("setuptools", {}).get("dynamic", {}).get("version", {}).get("attr")
    if not isinstance(attr, str) or "." not in attr:
        raise ConfigError("no version to bump: set [project] version or [tool.setuptools.dynamic] version.attr",
                          where=str(pyproject))
    module, _, name = attr.rpartition(".")
    relative = Path(*module.split("."))
    for candidate in (config.root / "src" / relative.with_suffix(".py"), config.root / "src" / relative / "__init__.py",
                      config.root / relative.with_suffix(".py"), config.root / relative / "__init__.py"):
        if candidate.is_file():
            return candidate, re.compile(rf'^({re.escape(name)}\s*=\s*["\'])({SEMVER})(["\'])', re.MULTILINE)
    raise ConfigError(f"cannot find the module of {attr}", where=str(pyproject))


def bump_version(config: Config, part: str) -> tuple[str, str, Path]:
    """Rewrite the version in place; returns (old, new, file)."""
    path, pattern = version_location(config)
    text = path.read_text(encoding="utf-8")
    matches = list(pattern.finditer(text))
    if len(matches) != 1:
        raise ConfigError(f"expected one version assignment, found {len(matches)}", where=str(path))
    old = matches[0].group(2)
    new = bumped(old, part)
    path.write_text(text[: matches[0].start(2)] + new + text[matches[0].end(2):], encoding="utf-8")
    return old, new, path
