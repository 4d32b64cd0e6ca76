"""What a Telegram update means for the bot, decided in one place and without side effects.

Telegram sends many kinds of updates; the worker needs only a few questions answered: which
chat, is it for us, is it text, a command, a button press, something we cannot read, or the
resident blocking the bot.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from telegram import Message, Update

COMMANDS = ("start", "help", "reset", "human", "privacy", "delete")
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]

Kind = Literal["text", "command", "button", "media", "member", "group", "ignore"]
# Media we answer with a note of their own; everything else gets "only text".
Media = Literal["voice", "sticker", "location", "contact", "other"]


class Me(BaseModel):
    """The bot's own identity (from getMe), for telling whether a group message is for us."""

    id: int
    username: str


class Inbound(BaseModel):
    update_id: int
    chat_id: int
    kind: Kind
    text: str = ""
    command: str | None = None       # one of COMMANDS, or "unknown"
    payload: str | None = None       # a button's callback data
    callback_id: str | None = None
    message_id: int | None = None    # the message whose button was pressed
    label: str | None = None         # the pressed button's words
    media: Media | None = None
    member_status: str | None = None


def chat_of(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to, read from the raw JSON (before it is stored)."""
    for field in ("message", "edited_message", "my_chat_member", "channel_post"):
        chat = (update.get(field) or {}).get("chat")
        if chat and "id" in chat:
            return int(chat["id"])
    message = (update.get("callback_query") or {}).get("message") or {}
    chat = message.get("chat")
    return int(chat["id"]) if chat and "id" in chat else None


def text_of(update: dict[str, Any]) -> str:
    """A message's text from the raw JSON, for when it cannot be stored and read properly."""
    message = update.get("message") or update.get("edited_message") or {}
    return str(message.get("text") or "")


def read(update: Update, me: Me) -> Inbound:
    base: dict[str, Any] = {"update_id": update.update_id,
                            "chat_id": update.effective_chat.id if update.effective_chat else 0}
    if update.my_chat_member is not None:
        if update.my_chat_member.chat.type != "private":
            return Inbound(kind="ignore", **base)
        return Inbound(kind="member", member_status=update.my_chat_member.new_chat_member.status,
                       **base)
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message if isinstance(query.message, Message) else None
        label = None
        if message is not None and message.reply_markup is not None:
            for row in message.reply_markup.inline_keyboard:
                for button in row:
                    if button.callback_data == query.data:
                        label = button.text
        if message is not None and message.chat.type != "private":
            return Inbound(kind="ignore", **base)
        return Inbound(kind="button", payload=str(query.data or ""), callback_id=query.id,
                       message_id=message.message_id if message else None, label=label, **base)
    # An edited message is read as a new message: the resident corrected what they wrote.
    message = update.message or update.edited_message
    if message is None:
        return Inbound(kind="ignore", **base)
    text = message.text or message.caption or ""
    if message.chat.type != "private":
        return _group(message, text, me, base)
    if message.text is not None and message.text.startswith("/"):
        return Inbound(kind="command", command=_command(message.text, me) or "unknown",
                       text=text, **base)
    if text:
        return Inbound(kind="text", text=text, **base)
    return Inbound(kind="media", media=_media(message), **base)


def _command(text: str, me: Me) -> str | None:
    word = text.split(maxsplit=1)[0][1:]
    name, _, bot = word.partition("@")
    if bot and bot.lower() != me.username.lower():
        return None
    return name.lower() if name.lower() in COMMANDS else "unknown"


def _group(message: Message, text: str, me: Me, base: dict[str, Any]) -> Inbound:
    """In a group the bot speaks only when spoken to, and then only to say where it helps."""
    mention = f"@{me.username}".lower()
    replied = message.reply_to_message is not None and \
        message.reply_to_message.from_user is not None and \
        message.reply_to_message.from_user.id == me.id
    if mention in text.lower() or replied:
        return Inbound(kind="group", text=text.replace(f"@{me.username}", "").strip(), **base)
    return Inbound(kind="ignore", **base)


def _media(message: Message) -> Media:
    if message.voice is not None or message.video_note is not None:
        return "voice"
    if message.sticker is not None:
        return "sticker"
    if message.location is not None or message.venue is not None:
        return "location"
    if message.contact is not None:
        return "contact"
    return "other"
