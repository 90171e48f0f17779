"""Property: a check answered from the cache equals a check from scratch, whatever changed.

Generated code bases (the interpreter's property test's scenarios: registries and stores in
every recording and applying form, helpers and constants in other modules, a head) are checked
through the cache, then some of their files are replaced by another scenario's (one module, a
few, the configuration, or none), written just now (the same second: size and time prove nothing)
or long ago with times that moved when a file changed; the cached verdict must equal the uncached
one every time. ``BUNDLER_CACHE_PROPERTY_EXAMPLES``
sets the number of examples.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundler.cache.check import check_with_cache
from bundler.check import run_check
from bundler.config import load_config
from bundler.errors import BundlerError
from bundler.outputs.report import render

from ..frontends.python.test_property import scenarios, write_codebase

EXAMPLES = int(os.environ.get("BUNDLER_CACHE_PROPERTY_EXAMPLES", "150"))
FILES = ("versions.py", "runner.py", "store.py", "pyproject.toml")
SETTLED = 1_000_000_000  # a time long past: size and time are trusted


def verdict(folder: Path, cached: bool, hits: list[str] | None = None) -> tuple[str, str] | str:
    """The JSON and text reports, or the error a check that cannot verify names; ``hits`` is
    told when the answer came from the cache."""
    try:
        config = load_config(str(folder / "pyproject.toml"))
        result = check_with_cache(config, note=(hits if hits is not None else []).append) if cached else run_check(config)
    except BundlerError as error:
        return f"{type(error).__name__}: {error}"
    return render(result, "json"), render(result, "text")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), scenarios(), st.sets(st.sampled_from(FILES)), st.sampled_from(["moved", "now"]))
def test_a_cached_verdict_equals_an_uncached_one_after_any_change(first, second, replaced, times) -> None:
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as other:
        folder, mutation = Path(one), Path(other)
        write_codebase(folder, first)
        write_codebase(mutation, second)
        if times != "now":
            for name in FILES:
                os.utime(folder / name, ns=(SETTLED, SETTLED))
        cold = verdict(folder, cached=False)
        assert verdict(folder, cached=True) == cold
        hits: list[str] = []
        assert verdict(folder, cached=True, hits=hits) == cold
        assert hits or isinstance(cold, str)  # answered from the cache (a check that could not verify is not cached)
        for name in replaced:
            (folder / name).write_bytes((mutation / name).read_bytes())
            if times != "now":
                stamp = SETTLED + len(name)
                os.utime(folder / name, ns=(stamp, stamp))
        assert verdict(folder, cached=True) == verdict(folder, cached=False)
