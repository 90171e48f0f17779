"""Unknown integers with known bounds, shared by the front ends: a loop's counter read from the
database (``range(current + 1, 29)``, ``for (let v = current + 1; v < 29; v++)``) is unknown,
but never beyond its loop's bound, so a step name built from it never names a step beyond it."""

from __future__ import annotations

import math
from collections.abc import Collection

from bundler.frozen import frozen

# ``n < 5`` read from the other side: ``5 > n``.
FLIPPED = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}


@frozen
class SomeInt:
    """An integer whose value is unknown (``int(row[0])``, an item of ``range(current + 1, 30)``),
    between the bounds that are known (both included): a name built from it can only hold
    digits there, and only a number between them (``range(current + 1, 29)`` never reaches 29)."""

    low: int | None = None
    high: int | None = None

    def admits(self, number: int) -> bool:
        return (self.low is None or number >= self.low) and (self.high is None or number <= self.high)

    @property
    def empty(self) -> bool:
        """No integer fits (a loop whose start is already past its bound)."""
        return self.low is not None and self.high is not None and self.low > self.high

    @staticmethod
    def spanning(first: int | SomeInt, second: int | SomeInt) -> SomeInt:
        """The least bounds holding both."""
        ends = [(v, v) if isinstance(v, int) else (v.low, v.high) for v in (first, second)]
        lows, highs = [low for low, _ in ends], [high for _, high in ends]
        return SomeInt(None if None in lows else min(lows), None if None in highs else max(highs))  # type: ignore[type-var]

    def shifted(self, by: int) -> SomeInt:
        return SomeInt(*(None if bound is None else bound + by for bound in (self.low, self.high)))

    def compared(self, operator: str, number: int | float) -> bool | None:
        """``n < 29`` (``operator`` one of == != < <= > >=) when the bounds decide it for every
        integer between them; None when they do not."""
        low = self.low if self.low is not None else -math.inf
        high = self.high if self.high is not None else math.inf
        answers = {
            "==": False if not low <= number <= high else None,
            "!=": True if not low <= number <= high else None,
            "<": True if high < number else False if low >= number else None,
            "<=": True if high <= number else False if low > number else None,
            ">": True if low > number else False if high <= number else None,
            ">=": True if low >= number else False if high < number else None,
        }
        return answers.get(operator)

    def __repr__(self) -> str:
        return "ANY_INT" if self == ANY_INT else f"SomeInt({self.low}..{self.high})"


ANY_INT = SomeInt()


def reach_of(built: Collection[SomeInt | None]) -> tuple[int | None, int | None] | None:
    """The numbers a path's built names can take (lowest, highest; None: no bound), when every
    loop building them bounds them (None for a name built from an unbounded number)."""
    if not built or any(bounds is None or bounds == ANY_INT for bounds in built):
        return None
    lows = [b.low for b in built]  # type: ignore[union-attr]
    highs = [b.high for b in built]  # type: ignore[union-attr]
    return (None if None in lows else min(lows),  # type: ignore[type-var]
            None if None in highs else max(highs))  # type: ignore[type-var]
