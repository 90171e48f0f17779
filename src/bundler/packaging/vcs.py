"""What git says about the checked-out project: for the build's stamp and SARIF's provenance."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path


def git(root: Path, *args: str) -> str | None:
    """git's answer, or None where git is absent, fails or is not a repository here."""
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def repository_uri(root: Path) -> str | None:
    """The origin remote as an https URI (what code scanning shows), credentials removed; a
    repository without a remote is named by its folder."""
    remote = git(root, "remote", "get-url", "origin")
    if not remote:
        return root.resolve().as_uri() if (root / ".git").exists() else None
    scp = re.fullmatch(r"[\w.-]+@([\w.-]+):(.+)", remote)  # git@github.com:owner/name.git
    if scp:
        remote = f"https://{scp.group(1)}/{scp.group(2)}"
    remote = re.sub(r"^(\w+://)[^/@]+@", r"\1", remote)
    return remote.removesuffix(".git")
