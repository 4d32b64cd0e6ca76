"""Conversation state and transcripts in Redis, and the lock that serialises one resident.

A message is handled as: lock → read state → (dialogue) → one MULTI/EXEC that writes the new
state, the transcript lines and any handoff case together → unlock. Either all of it is
stored or none of it, so a crash or a lost connection never leaves half a turn behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal, TypeVar

from pydantic import BaseModel
from redis.asyncio.client import Pipeline

from bot.privacy import mask
from bot.store import keys
from bot.store.connection import Store
from bot.store.leases import Busy, Lease

__all__ = ["Busy", "Conversations", "Entry"]

M = TypeVar("M", bound=BaseModel)

class Entry(BaseModel):
    """One transcript line. Text is stored masked (bot/privacy.py)."""

    at: dt.datetime
    role: Literal["resident", "bot", "caseworker", "system"]
    text: str
    intent: str | None = None
    urgent: bool = False
    actions: list[str] = []

    @classmethod
    def now(cls, role: Literal["resident", "bot", "caseworker", "system"], text: str,
            **extra: Any) -> Entry:
        return cls(at=dt.datetime.now(dt.UTC), role=role, text=mask(text), **extra)


class Conversations:
    def __init__(self, store: Store, idle_days: float, transcript_max: int,
                 lock_seconds: float, lock_wait_seconds: float) -> None:
        self.redis = store.client
        self.ttl = keys.idle_seconds(idle_days)
        self.transcript_max = transcript_max
        self.lock_seconds = lock_seconds
        self.lock_wait = lock_wait_seconds

    @asynccontextmanager
    async def lock(self, cid: str) -> AsyncIterator[None]:
        """Hold the resident's lock; waits for a message in progress, up to lock_wait."""
        lease = Lease(self.redis, keys.lock(cid), self.lock_seconds)
        await lease.acquire(self.lock_wait)
        try:
            yield
        finally:
            await lease.release()

    async def load(self, cid: str, model: type[M]) -> M | None:
        raw = await self.redis.get(keys.state(cid))
        return None if raw is None else model.model_validate_json(raw)

    async def commit(self, cid: str, state: BaseModel, entries: list[Entry],
                     extra: Callable[[Pipeline], None] | None = None) -> None:
        """State, transcript lines and any extra writes (a handoff case) in one transaction."""
        async with self.redis.pipeline(transaction=True) as pipe:
            self.writes(pipe, cid, state, entries)
            if extra is not None:
                extra(pipe)
            await pipe.execute()

    def writes(self, pipe: Pipeline, cid: str, state: BaseModel, entries: list[Entry]) -> None:
        """The turn's writes, queued on a transaction someone else executes (a handoff case's,
        when the resident's message goes to a caseworker)."""
        pipe.set(keys.state(cid), state.model_dump_json(), ex=self.ttl)
        if entries:
            pipe.rpush(keys.transcript(cid), *(e.model_dump_json() for e in entries))
            pipe.ltrim(keys.transcript(cid), -self.transcript_max, -1)
            pipe.expire(keys.transcript(cid), self.ttl)

    async def transcript(self, cid: str) -> list[Entry]:
        return [Entry.model_validate_json(x)
                for x in await self.redis.lrange(keys.transcript(cid), 0, -1)]

    async def delete(self, cid: str) -> int:
        """Erase everything stored about one conversation (the resident's request)."""
        return int(await self.redis.delete(*keys.conversation_keys(cid)))

    async def erase(self, cid: str) -> int:
        """The resident's own data (state and transcript), keeping an open case's link so a
        caseworker still answering them is not cut off (the case keeps its own copy)."""
        return int(await self.redis.delete(keys.state(cid), keys.transcript(cid)))
