"""Our replies as Telegram operations: messages (split to fit), buttons, edits, answers.

An operation is stored in the chat's outbox before it is performed, so it is plain data with
its own id (the outbox removes exactly the one Telegram confirmed).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Literal

from pydantic import BaseModel, Field

from bot.dialogue.state import QuickReply, Reply

log = logging.getLogger("bokji.telegram")

MAX_TEXT = 4096          # Telegram's limit for one message
MAX_CALLBACK_DATA = 64   # bytes of a button's callback data
USED = "used"            # callback data of a button kept only to show what was chosen


class Button(BaseModel):
    label: str
    data: str


class Op(BaseModel):
    """One call to Telegram: send a message, change a message's buttons, answer a press."""

    id: str = Field(default_factory=lambda: secrets.token_hex(6))
    op: Literal["send", "markup", "answer"]
    chat_id: int
    text: str = ""
    buttons: list[list[Button]] = []
    message_id: int | None = None     # markup: the message whose buttons change
    callback_id: str | None = None    # answer: the press being answered
    created: float = Field(default_factory=time.time)


def send_ops(chat_id: int, reply: Reply) -> list[Op]:
    """A reply as messages of at most 4,096 characters; the buttons go with the last part."""
    parts = split_text(reply.text)
    ops = [Op(op="send", chat_id=chat_id, text=part) for part in parts]
    ops[-1].buttons = keyboard(reply.choices)
    return ops


def markup_op(chat_id: int, message_id: int, chosen: str | None = None) -> Op:
    """Remove a message's buttons, or leave one marked button showing what was chosen."""
    buttons = [[Button(label=chosen, data=USED)]] if chosen else []
    return Op(op="markup", chat_id=chat_id, message_id=message_id, buttons=buttons)


def answer_op(chat_id: int, callback_id: str, text: str = "") -> Op:
    return Op(op="answer", chat_id=chat_id, callback_id=callback_id, text=text)


def keyboard(choices: list[QuickReply]) -> list[list[Button]]:
    """Short labels two to a row, long ones alone, so nothing is cut off on a phone."""
    buttons = []
    for choice in choices:
        if len(choice.payload.encode()) > MAX_CALLBACK_DATA:
            # Every payload the dialogue makes fits (tested); this guards a future one.
            log.error("button payload over %d bytes left out", MAX_CALLBACK_DATA)
            continue
        buttons.append(Button(label=choice.label, data=choice.payload))
    rows: list[list[Button]] = []
    for button in buttons:
        if rows and len(rows[-1]) == 1 and len(rows[-1][0].label) <= 12 and \
                len(button.label) <= 12:
            rows[-1].append(button)
        else:
            rows.append([button])
    return rows


_SENTENCE_END = re.compile(r"(?<=[.!?。…])\s+|\n+")


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at paragraph and sentence ends; a sentence longer than a message is cut at a
    space (or, with none, anywhere), so no part exceeds Telegram's limit."""
    text = text.strip() or " "
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for piece in _pieces(text):
        while len(piece) > limit:
            cut = piece.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                parts.append(current)
                current = ""
            parts.append(piece[:cut].rstrip())
            piece = piece[cut:].lstrip()
        if current and len(current) + len(piece) > limit:
            parts.append(current)
            current = ""
        current += piece
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _pieces(text: str) -> list[str]:
    """The text cut after each sentence end, keeping every character."""
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        out.append(text[start:match.end()])
        start = match.end()
    out.append(text[start:])
    return [p for p in out if p]
