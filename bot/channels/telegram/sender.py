"""One operation performed on Telegram, with Telegram's errors turned into what to do next.

- 429 (flood control): wait as long as Telegram says, then try again.
- Network errors and 5xx: try again with doubling waits, then leave it for a later sweep.
- 403 (the resident blocked the bot): stop; nothing more is sent until they write again.
- 400 (a message too old to edit, a callback already answered): that operation is dropped;
  retrying could never succeed and would hold up everything behind it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Literal

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.channels.telegram.replies import Op
from bot.privacy import pseudonym
from bot.settings import TelegramSettings

log = logging.getLogger("bokji.telegram")


@dataclass
class Outcome:
    status: Literal["sent", "dropped", "blocked", "later"]
    message_id: int | None = None


def markup(op: Op) -> InlineKeyboardMarkup | None:
    if not op.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data)
                                  for b in row] for row in op.buttons])


def seconds(value: int | float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


class Sender:
    def __init__(self, bot: Bot, settings: TelegramSettings) -> None:
        self.bot = bot
        self.settings = settings

    async def perform(self, op: Op) -> Outcome:
        attempt, flood_waited = 0, 0.0
        who = pseudonym(f"telegram:{op.chat_id}")
        while True:
            try:
                return await self._call(op)
            except RetryAfter as exc:
                wait = seconds(exc.retry_after)
                if flood_waited + wait > self.settings.max_flood_wait_seconds:
                    log.warning("flood control %.0fs for %s: left for later", wait, who)
                    return Outcome("later")
                log.info("flood control: waiting %.1fs (%s)", wait, op.op)
                await asyncio.sleep(wait)
                flood_waited += wait
            except Forbidden:
                log.info("resident %s blocked the bot", who)
                return Outcome("blocked")
            except (BadRequest, ChatMigrated) as exc:
                log.warning("%s for %s dropped: %s", op.op, who, exc)
                return Outcome("dropped")
            except NetworkError as exc:  # also TimedOut and Telegram's 5xx
                attempt += 1
                if attempt >= self.settings.send_attempts:
                    log.warning("%s for %s failed %d times (%s): left for later", op.op, who,
                                attempt, exc)
                    return Outcome("later")
                await asyncio.sleep(self.settings.backoff_seconds * 2 ** (attempt - 1))

    async def _call(self, op: Op) -> Outcome:
        if op.op == "send":
            sent = await self.bot.send_message(op.chat_id, op.text, reply_markup=markup(op))
            return Outcome("sent", sent.message_id)
        if op.op == "markup":
            assert op.message_id is not None
            edited = await self.bot.edit_message_reply_markup(
                chat_id=op.chat_id, message_id=op.message_id, reply_markup=markup(op))
            return Outcome("sent", edited.message_id if isinstance(edited, Message) else None)
        assert op.callback_id is not None
        await self.bot.answer_callback_query(op.callback_id, text=op.text or None)
        return Outcome("sent")
