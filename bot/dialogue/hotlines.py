"""Which hotline an urgent message gets: the first line of responses/messages.yml `urgent`
whose words or crisis events match, so 노인학대 gets 1577-1389 and a child 112/1388."""

from __future__ import annotations

from bot.dialogue.responses import HotlineText, Urgent
from bot.nlu.model import Parse


def hotline_text(urgent: Urgent, parse: Parse, kind: str | None = None) -> str:
    """`kind` when the crisis is not this message's own (a "네" to a safety check-in)."""
    kind = kind or parse.crisis_type or "livelihood"
    lines: list[HotlineText] = getattr(urgent, kind)
    events = {str(e.value) for e in parse.entities if e.entity == "crisis_event"}
    compact = parse.text.replace(" ", "")
    for line in lines:
        if not line.words and not line.events:
            return line.text
        event_ok = not line.events or bool(events & set(line.events)) or not events
        words_ok = not line.words or any(w.replace(" ", "") in compact for w in line.words)
        if event_ok and words_ok:
            return line.text
    return lines[-1].text
