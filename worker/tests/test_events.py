"""Events are validated before anything is written; every problem is one line naming its source."""

from __future__ import annotations

import pytest

from worker.errors import BadInput
from worker.events import MAX_EVENT_BYTES, parse_event_text


def test_a_valid_event_keeps_its_whole_payload() -> None:
    event = parse_event_text('{"content_session_id": "s", "tool_use_id": "t", "tool_name": "Read", "x": 1}')
    assert (event.content_session_id, event.tool_use_id, event.tool_name) == ("s", "t", "Read")
    assert event.payload["x"] == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{bad", "malformed JSON"),
        (b"\xff\xfe", "malformed JSON"),
        ("[1, 2]", "must be a JSON object, not list"),
        ('{"tool_use_id": "t", "tool_name": "R"}', "missing field 'content_session_id'"),
        ('{"content_session_id": "s", "tool_name": "R"}', "missing field 'tool_use_id'"),
        ('{"content_session_id": "s", "tool_use_id": 5, "tool_name": "R"}', "'tool_use_id' must be a non-empty string"),
        ('{"content_session_id": " ", "tool_use_id": "t", "tool_name": "R"}', "'content_session_id' must be a non-empty"),
        ("x" * (MAX_EVENT_BYTES + 1), "larger than"),
    ],
)
def test_bad_events_are_rejected_with_a_reason(text: str | bytes, message: str) -> None:
    with pytest.raises(BadInput, match=message) as caught:
        parse_event_text(text, source="stdin")
    assert str(caught.value).startswith("stdin: ")
    assert "\n" not in str(caught.value)
