"""Handoff cases: the one interface through which the bot asks for a person.

A case is a Redis hash (the whole case as JSON plus the fields a queue view sorts by), a
member of the open-cases sorted set (priority, then waiting time) and an entry on the
handoff stream that the caseworker side reads. All three are written in the same
transaction as the conversation's turn, so a resident is never told "상담원에게 요청했어요"
without the case existing.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any, Literal

from pydantic import BaseModel
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from bot.store import keys
from bot.store.conversations import Entry

Priority = Literal["critical", "high", "normal"]
RANK = {"critical": 0, "high": 1, "normal": 2}


class Case(BaseModel):
    case_id: str
    channel: str
    chat_id: str
    priority: Priority
    reason: str                      # suicide | abuse | livelihood | request
    status: Literal["waiting", "claimed", "closed"] = "waiting"
    created_at: dt.datetime
    profile: dict[str, Any] = {}     # the facts known so far (bands as [low, high])
    results: dict[str, Any] = {}     # benefit id → {status, amount, reasons}
    transcript: list[Entry] = []     # masked
    notes: list[str] = []
    history: list[dict[str, Any]] = []

    @property
    def conversation_id(self) -> str:
        return f"{self.channel}:{self.chat_id}"

    def listing(self) -> dict[str, Any]:
        """The contract's `bokji cases list` line."""
        return {"case_id": self.case_id, "channel": self.channel, "chat_id": self.chat_id,
                "priority": self.priority, "reason": self.reason, "status": self.status,
                "created_at": self.created_at.isoformat()}


def new_case_id(now: dt.datetime) -> str:
    return f"{now:%Y%m%d}-{secrets.token_hex(4)}"


def queue_score(priority: str, created_at: dt.datetime) -> float:
    """Lower first: priority rank, then creation time (milliseconds since the epoch)."""
    return RANK[priority] * 1e13 + created_at.timestamp() * 1000


class HandoffQueue:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def open_case(self, pipe: Pipeline, case: Case) -> None:
        """Queue the writes that open a case on a transaction the caller executes."""
        pipe.hset(keys.case(case.case_id), mapping={
            "json": case.model_dump_json(), "priority": case.priority, "status": case.status,
            "channel": case.channel, "chat_id": case.chat_id})
        pipe.zadd(keys.OPEN_CASES, {case.case_id: queue_score(case.priority, case.created_at)})
        pipe.set(keys.conversation_case(case.conversation_id), case.case_id)
        pipe.xadd(keys.HANDOFF_STREAM, {"event": "opened", "case_id": case.case_id,
                                        "priority": case.priority, "reason": case.reason},
                  maxlen=keys.HANDOFF_STREAM_MAXLEN, approximate=True)

    async def get(self, case_id: str) -> Case | None:
        raw = await self.redis.hget(keys.case(case_id), "json")
        return None if raw is None else Case.model_validate_json(raw)

    async def open_cases(self) -> list[Case]:
        """Open cases in queue order."""
        ids = await self.redis.zrange(keys.OPEN_CASES, 0, -1)
        async with self.redis.pipeline(transaction=False) as pipe:  # one round trip
            for case_id in ids:
                pipe.hget(keys.case(case_id), "json")
            raws = await pipe.execute()
        return [Case.model_validate_json(raw) for raw in raws if raw is not None]

    async def case_of(self, conversation_id: str) -> str | None:
        value = await self.redis.get(keys.conversation_case(conversation_id))
        return None if value is None else str(value)


def profile_json(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts as JSON (tuples of bands become lists)."""
    return json.loads(json.dumps(facts, default=list))
