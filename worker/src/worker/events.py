"""Tool-use events as they arrive from the outside: validated once, before anything is written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from worker.errors import BadInput

REQUIRED_FIELDS = ("content_session_id", "tool_use_id", "tool_name")
OPTIONAL_TEXT_FIELDS = ("agent_type", "agent_id", "project", "platform_source")  # stored in text columns
MAX_EVENT_BYTES = 1_000_000


@dataclass(frozen=True)
class ToolUseEvent:
    content_session_id: str
    tool_use_id: str
    payload: dict[str, Any]

    @property
    def tool_name(self) -> str:
        return str(self.payload["tool_name"])


def parse_event_text(text: str | bytes, *, source: str = "event") -> ToolUseEvent:
    """Parse one JSON event; every problem becomes a one-line ``BadInput`` naming ``source``."""
    if len(text) > MAX_EVENT_BYTES:
        raise BadInput(f"{source}: event is larger than {MAX_EVENT_BYTES} bytes")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"{source}: malformed JSON: {exc}") from None
    except RecursionError:
        raise BadInput(f"{source}: JSON nested too deeply") from None
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
    for field in OPTIONAL_TEXT_FIELDS:
        if data.get(field) is not None and not isinstance(data[field], str):
            raise BadInput(f"{source}: field '{field}' must be a string when given, not {type(data[field]).__name__}")
    try:  # stored as UTF-8 text: a lone surrogate ("\ud800") cannot be
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"{source}: a string holds a lone surrogate, which is not text") from None
    except (RecursionError, ValueError):
        raise BadInput(f"{source}: JSON nested too deeply") from None
    return ToolUseEvent(
        content_session_id=data["content_session_id"],
        tool_use_id=data["tool_use_id"],
        payload=data,
    )
