"""A CheckResult to JSON and back, exactly: what a cache entry keeps of a check.

JSON, not pickle: reading a cache entry must never run code (the checker never runs the code it
checks, and a cache file is as untrusted as the project it sits in). Only the model's own classes
are rebuilt; anything else makes the entry unusable, which is a miss.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any

from bundler import model

# Every class a result is made of, by name: the only ones a cache entry may rebuild.
CLASSES: dict[str, type] = {cls.__name__: cls for cls in (
    model.Severity, model.Code, model.EntrySpec, model.Location, model.Migration, model.MigrationList,
    model.Head, model.Suppression, model.BuiltFrom, model.Finding, model.CheckResult,
)}
# Extraction's handles on syntax nodes: they neither compare nor render, and hold libcst objects.
TRANSIENT = {("Migration", "call")}


def encode(value: Any) -> Any:
    """Plain JSON data; a TypeError for anything outside the model (such a result is not cached)."""
    if isinstance(value, Enum):
        return {"enum": type(value).__name__, "value": value.value}
    if is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if CLASSES.get(name) is not type(value):
            raise TypeError(f"{name} is not part of a check's result")
        return {"class": name, "fields": {f.name: encode(getattr(value, f.name)) for f in fields(value)
                                          if (name, f.name) not in TRANSIENT}}
    if isinstance(value, (tuple, list)):  # the model holds tuples only
        return [encode(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"{type(value).__name__} is not part of a check's result")


def decode(data: Any) -> Any:
    """The inverse of ``encode``; a KeyError, TypeError or ValueError on anything it did not write."""
    if isinstance(data, list):
        return tuple(decode(item) for item in data)
    if isinstance(data, dict):
        cls = CLASSES[data["class"] if "class" in data else data["enum"]]
        if "enum" in data:
            return cls(data["value"])
        return cls(**{name: decode(value) for name, value in data["fields"].items()})
    if data is None or isinstance(data, (str, int, float, bool)):
        return data
    raise TypeError(f"unexpected {type(data).__name__} in a cache entry")


def result_of(data: Any) -> model.CheckResult:
    result = decode(data)
    if not isinstance(result, model.CheckResult):
        raise TypeError("a cache entry that holds no check result")
    return result
