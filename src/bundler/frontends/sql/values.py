"""The values SQL recognition reads, whatever the language that computed them: strings with
holes for unknown parts, unknown values, parameters a caller binds, prepared statements and
mappings of named parameters."""

from __future__ import annotations

from typing import Any

from bundler.frozen import frozen

HOLE = "\x00"  # stands for an unknown part of a string
NUMBER_HOLE = "\x01"  # stands for the decimal digits of an integer whose value is unknown


def has_hole(text: str) -> bool:
    return HOLE in text or NUMBER_HOLE in text


class Unknown:
    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@frozen
class ParamRef:
    """A method parameter not bound yet: the method records whatever its caller passes."""

    name: str


@frozen
class Prepared:
    """``db.prepare(SQL)``: a statement whose ``.run(...)`` supplies the parameters."""

    sql: Any


@frozen
class Mapping:
    """A dict (or object) literal, hashable (values are keys of the interpreters' caches)."""

    items: tuple[tuple[Any, Any], ...]

    def get(self, key: object, default: object = None) -> Any:
        return next((value for k, value in self.items if k == key), default)

    def keys(self) -> tuple:
        return tuple(k for k, _ in self.items)
