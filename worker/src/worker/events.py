"""Tool-use events as they arrive from the outside: validated once, before anything is written.

The checks here are what keeps poison out of the queue: every field bound to a SQL parameter
must be a string (sqlite3 cannot bind a list or an object), and the payload must be shallow
enough for the drain to read back and hash (issue 21: a list in ``agent_type`` or a payload
nested 100,000 deep stopped every later message).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from worker.errors import BadInput

REQUIRED_FIELDS = ("content_session_id", "tool_use_id", "tool_name")
OPTIONAL_TEXT_FIELDS = ("agent_type", "agent_id", "project", "platform_source")  # stored in text columns
MAX_EVENT_BYTES = 1_000_000
MAX_EVENT_DEPTH = 64  # arrays and objects inside one another, the event itself being level 1
JSON_KINDS = {str: "string", list: "array", dict: "object", bool: "boolean", int: "number", float: "number"}


@dataclass(frozen=True)
class ToolUseEvent:
    content_session_id: str
    tool_use_id: str
    payload: dict[str, Any]

    @property
    def tool_name(self) -> str:
        return str(self.payload["tool_name"])


def json_kind(value: Any) -> str:
    return "null" if value is None else JSON_KINDS.get(type(value), type(value).__name__)


def parse_event_text(text: str | bytes, *, source: str = "event") -> ToolUseEvent:
    """Parse one JSON event; every problem becomes a one-line ``BadInput`` naming ``source``."""
    if len(text) > MAX_EVENT_BYTES:
        raise BadInput(f"{source}: event is larger than {MAX_EVENT_BYTES} bytes")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{source}: malformed JSON: {exc}") from None
    except RecursionError:
        raise BadInput(f"{source}: JSON nested too deeply (the limit is {MAX_EVENT_DEPTH} levels)") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise BadInput(f"{source}: unreadable JSON value: {str(exc).split('; ')[0]}") from None
    return event_from_mapping(data, source=source)


def event_from_mapping(data: object, *, source: str = "event") -> ToolUseEvent:
    if not isinstance(data, dict):
        raise BadInput(f"{source}: an event must be a JSON object, not {type(data).__name__}")
    for field in REQUIRED_FIELDS:
        value = data.get(field)
        if value is None:
            raise BadInput(f"{source}: missing field '{field}'")
        if not isinstance(value, str) or not value.strip():
            raise BadInput(f"{source}: field '{field}' must be a non-empty string")
    problem = text_field_problem(data) or depth_problem(data)
    if problem is not None:
        raise BadInput(f"{source}: {problem}")
    try:  # stored as UTF-8 text: a lone surrogate ("\ud800") cannot be
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"{source}: a string holds a lone surrogate, which is not text") from None
    return ToolUseEvent(
        content_session_id=data["content_session_id"],
        tool_use_id=data["tool_use_id"],
        payload=data,
    )


def text_field_problem(payload: dict[str, Any]) -> str | None:
    """The first optional field that is present but not a string (it would be bound to SQL)."""
    for field in OPTIONAL_TEXT_FIELDS:
        value = payload.get(field)
        if value is not None and not isinstance(value, str):
            return f"field '{field}' must be a string when given, not {json_kind(value)}"
    return None


def depth_problem(payload: dict[str, Any]) -> str | None:
    """The first field nested deeper than MAX_EVENT_DEPTH, counted without recursion."""
    for field, value in payload.items():
        stack = [(value, 2)]
        while stack:
            item, depth = stack.pop()
            if not isinstance(item, (dict, list)):
                continue
            if depth > MAX_EVENT_DEPTH:
                return f"field '{field}' is nested deeper than {MAX_EVENT_DEPTH} levels"
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return None
