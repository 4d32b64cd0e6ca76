"""Each chat's inbox and outbox in Redis: every update handled once, in order, nothing lost.

    receive: update id not seen before → inbox (and the chat marked active), one script
    handle:  the head of the inbox → one MULTI/EXEC removes it, stores the turn, queues the
             replies in the outbox
    deliver: the head of the outbox → Telegram → removed once Telegram confirmed it

A worker killed anywhere leaves the message in the inbox (not handled: handled again) or its
replies in the outbox (not confirmed: sent again), and the chat in the active set, which
every worker sweeps. The one duplicate this cannot rule out is a reply Telegram accepted in
the instant before the worker died, before Redis heard of it (Telegram has no idempotency
key for sendMessage).
"""

from __future__ import annotations

import json
import time
from typing import Any

import redis.asyncio as aredis
from redis.asyncio.client import Pipeline

from bot.channels.telegram.replies import Op
from bot.channels.telegram.updates import chat_of
from bot.settings import TelegramSettings
from bot.store import keys

_RECEIVE = """
if redis.call('set', KEYS[1], '1', 'NX', 'PX', ARGV[3]) then
  redis.call('zadd', KEYS[2], ARGV[5], ARGV[1])
  redis.call('pexpire', KEYS[2], ARGV[4])
  redis.call('sadd', KEYS[3], ARGV[2])
  return 1
end
return 0
"""
_SETTLE = """
if redis.call('zcard', KEYS[1]) == 0 and redis.call('llen', KEYS[2]) == 0 then
  redis.call('srem', KEYS[3], ARGV[1])
  return 1
end
return 0
"""


class Mailbox:
    def __init__(self, redis: aredis.Redis, settings: TelegramSettings, idle_days: float) -> None:
        self.redis = redis
        self.settings = settings
        self.dedup_ms = int(settings.dedup_hours * 3_600_000)
        self.mailbox_ms = int(settings.mailbox_days * 86_400_000)
        self.keyboard_s = keys.idle_seconds(idle_days)
        self._receive = redis.register_script(_RECEIVE)
        self._settle = redis.register_script(_SETTLE)

    # ---- inbox ---------------------------------------------------------------------------

    async def receive(self, update: dict[str, Any]) -> int | None:
        """Store an update for its chat; the chat id, or None for a duplicate or an update
        that belongs to no chat (nothing to answer)."""
        chat = chat_of(update)
        update_id = update.get("update_id")
        if chat is None or not isinstance(update_id, int):
            return None
        raw = json.dumps(update, ensure_ascii=False, separators=(",", ":"))
        fresh = await self._receive(
            keys=[keys.tg_update(update_id), keys.tg_chat(chat, "inbox"), keys.TG_ACTIVE],
            args=[raw, chat, self.dedup_ms, self.mailbox_ms, update_id])
        return chat if fresh else None

    async def head(self, chat: int) -> str | None:
        """The waiting update with the lowest id: two workers receiving a chat's updates at
        the same moment may store them in either order, Telegram's numbering is the truth."""
        first = await self.redis.zrange(keys.tg_chat(chat, "inbox"), 0, 0)
        return str(first[0]) if first else None

    def handled(self, pipe: Pipeline, chat: int, raw: str, ops: list[Op]) -> None:
        """Add to a turn's transaction: the update is done and these are its replies."""
        pipe.zrem(keys.tg_chat(chat, "inbox"), raw)
        self.queue(pipe, chat, ops)

    def queue(self, pipe: Pipeline, chat: int, ops: list[Op]) -> None:
        if ops:
            outbox = keys.tg_chat(chat, "outbox")
            pipe.rpush(outbox, *(op.model_dump_json() for op in ops))
            pipe.pexpire(outbox, self.mailbox_ms)
            pipe.sadd(keys.TG_ACTIVE, chat)

    async def finish(self, chat: int, raw: str, ops: list[Op]) -> None:
        """An update the dialogue does not see (a command's notice, a sticker): same guarantee."""
        async with self.redis.pipeline(transaction=True) as pipe:
            self.handled(pipe, chat, raw, ops)
            await pipe.execute()

    # ---- outbox --------------------------------------------------------------------------

    async def next_op(self, chat: int) -> tuple[str, Op] | None:
        raw = await self.redis.lindex(keys.tg_chat(chat, "outbox"), 0)
        return None if raw is None else (str(raw), Op.model_validate_json(raw))

    async def sent(self, chat: int, raw: str, keyboard_message: int | None = None) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lrem(keys.tg_chat(chat, "outbox"), 1, raw)
            if keyboard_message is not None:
                pipe.set(keys.tg_chat(chat, "keyboard"), keyboard_message, ex=self.keyboard_s)
            await pipe.execute()

    async def drop_outbox(self, chat: int) -> int:
        """Undeliverable (the resident blocked the bot): how many were dropped."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.llen(keys.tg_chat(chat, "outbox"))
            pipe.delete(keys.tg_chat(chat, "outbox"))
            count, _ = await pipe.execute()
        return int(count)

    async def keyboard(self, chat: int) -> int | None:
        value = await self.redis.get(keys.tg_chat(chat, "keyboard"))
        return int(value) if value is not None else None

    async def forget_keyboard(self, chat: int) -> None:
        await self.redis.delete(keys.tg_chat(chat, "keyboard"))

    # ---- the chats with work -------------------------------------------------------------

    async def active(self) -> list[int]:
        return [int(c) async for c in self.redis.sscan_iter(keys.TG_ACTIVE, count=500)]

    async def settle(self, chat: int) -> bool:
        """Take the chat off the active set if nothing waits; False when something does."""
        return bool(await self._settle(
            keys=[keys.tg_chat(chat, "inbox"), keys.tg_chat(chat, "outbox"), keys.TG_ACTIVE],
            args=[chat]))

    async def waiting(self, chat: int) -> tuple[int, int]:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zcard(keys.tg_chat(chat, "inbox"))
            pipe.llen(keys.tg_chat(chat, "outbox"))
            inbox, outbox = await pipe.execute()
        return int(inbox), int(outbox)

    # ---- residents -----------------------------------------------------------------------

    async def blocked(self, chat: int) -> bool:
        return bool(await self.redis.exists(keys.tg_chat(chat, "blocked")))

    async def set_blocked(self, chat: int, blocked: bool) -> None:
        key = keys.tg_chat(chat, "blocked")
        if blocked:
            await self.redis.set(key, int(time.time()),
                                 ex=int(self.settings.blocked_days * 86400))
        else:
            await self.redis.delete(key)

    async def over_rate(self, chat: int) -> tuple[bool, bool]:
        """(over the limit, first time over in this window: the one to warn)."""
        limit = self.settings.rate_limit
        window = int(time.time()) // limit.per_seconds
        count_key = keys.tg_chat(chat, f"rate:{window}")
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(count_key)
            pipe.expire(count_key, limit.per_seconds)
            count, _ = await pipe.execute()
        if int(count) <= limit.messages:
            return False, False
        first = await self.redis.set(keys.tg_chat(chat, f"warned:{window}"), 1, nx=True,
                                     ex=limit.per_seconds)
        return True, bool(first)

    async def erase(self, chat: int) -> None:
        await self.redis.delete(*keys.tg_chat_keys(chat))
