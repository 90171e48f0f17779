"""What both front ends say when a method is called on an object they cannot know and functions
of that name in the project may record: which ones, and how ``records-nothing`` vouches for them."""

from __future__ import annotations


def may_record(recorders: tuple[str, ...]) -> str:
    """Why the call cannot be passed over: the first few functions of its name that may record."""
    named = ", ".join(recorders[:3]) + (f" and {len(recorders) - 3} more" if len(recorders) > 3 else "")
    return f"a method of that name may record versions ({named})"


def vouch_for(recorders: tuple[str, ...]) -> str:
    """The remedy when none of them records a version."""
    one = len(recorders) == 1
    return f"if {'it records' if one else 'they record'} no version, list {'it' if one else 'them'} in" \
           " [tool.bundler] records-nothing"
