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
import statistics
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from bot.dialogue.state import RANK, CaseRequest, Priority, Reply
from bot.handoff import audit
from bot.privacy import mask
from bot.settings import HandoffSettings
from bot.store import keys
from bot.store.conversations import Entry
from bot.store.outbox import Outgoing, add

CASE_TRANSCRIPT_MAX = 300   # entries a case keeps (the conversation's own log is separate)
WAIT_SAMPLES = 50           # recent claim waits kept per priority for the resident's estimate


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
    assignee: str | None = None              # the caseworker who claimed it
    claimed_at: dt.datetime | None = None
    last_reply_at: dt.datetime | None = None
    escalated: bool = False                  # waited past its SLA unclaimed
    outcome: str | None = None
    closed_at: dt.datetime | None = None

    def log(self, at: dt.datetime, who: str, action: str, **more: Any) -> None:
        self.history.append({"at": at.isoformat(), "who": who, "action": action, **more})

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


class CaseMissing(Exception):
    """No such case."""


class NotAllowed(Exception):
    """The change does not fit the case's state. `why` names the reason (taken, closed,
    not_yours, empty_reply, no_note, empty_note, not_due) for callers that word it for people."""

    def __init__(self, message: str, why: str = "") -> None:
        super().__init__(message)
        self.why = why


Outcome = Literal["helped", "referred", "no_contact", "not_needed"]


class HandoffQueue:
    def __init__(self, redis: Redis, policy: HandoffSettings | None = None) -> None:
        self.redis = redis
        self.policy = policy or HandoffSettings()

    async def _change(self, case_id: str, who: str, change: Callable[[Case], str],
                      extra: Callable[[Pipeline, Case], None] | None = None) -> Case:
        """Read, change and write one case atomically (optimistic: WATCH, retried on a race),
        so of two caseworkers claiming at once exactly one succeeds and the other is told.
        `change` raises NotAllowed or returns the event name for the handoff stream; the
        audit log gets its line (`who`) in the same transaction."""
        key = keys.case(case_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = await pipe.hget(key, "json")
                    if raw is None:
                        raise CaseMissing(case_id)
                    case = Case.model_validate_json(raw)
                    event = change(case)
                    pipe.multi()
                    pipe.hset(key, mapping={"json": case.model_dump_json(),
                                            "status": case.status,
                                            "priority": case.priority})
                    pipe.xadd(keys.HANDOFF_STREAM, {"event": event, "case_id": case_id,
                                                    "priority": case.priority,
                                                    "reason": case.reason},
                              maxlen=keys.HANDOFF_STREAM_MAXLEN, approximate=True)
                    if who != "resident":  # a resident's message is not a caseworker's act
                        audit.record(pipe, who, event, case_id)
                    if extra is not None:
                        extra(pipe, case)
                    await pipe.execute()
                    return case
                except WatchError:
                    continue

    async def claim(self, case_id: str, who: str, now: dt.datetime) -> Case:
        def change(case: Case) -> str:
            if case.status != "waiting":
                raise NotAllowed(f"case {case_id} is {case.status}"
                                 + (f" by {case.assignee}" if case.assignee else ""),
                                 "taken" if case.status == "claimed" else "closed")
            case.status, case.assignee, case.claimed_at = "claimed", who, now
            case.log(now, who, "claim")
            return "claimed"

        def extra(pipe: Pipeline, case: Case) -> None:
            # how long residents waited, for the next resident's "보통 N분" (never a promise)
            waited = max(0.0, (now - case.created_at).total_seconds())
            pipe.lpush(keys.claim_waits(case.priority), f"{waited:.0f}")
            pipe.ltrim(keys.claim_waits(case.priority), 0, WAIT_SAMPLES - 1)
        return await self._change(case_id, who, change, extra)

    async def release(self, case_id: str, who: str, now: dt.datetime,
                      supervisor: bool = False) -> Case:
        """Back to the queue, by its caseworker (or a supervisor)."""
        def change(case: Case) -> str:
            if case.status != "claimed" or (case.assignee != who and not supervisor):
                raise NotAllowed(f"case {case_id} is not claimed by {who}", "not_yours")
            case.status, case.assignee, case.claimed_at = "waiting", None, None
            case.escalated = False
            case.log(now, who, "release")
            return "released"
        return await self._change(case_id, who, change)

    async def reassign(self, case_id: str, to: str, by: str, now: dt.datetime) -> Case:
        """A supervisor gives the case to another caseworker (callers check the role)."""
        def change(case: Case) -> str:
            if case.status == "closed":
                raise NotAllowed(f"case {case_id} is closed", "closed")
            case.status, case.assignee, case.claimed_at = "claimed", to, now
            case.log(now, by, "reassign", to=to)
            return "reassigned"
        return await self._change(case_id, by, change)

    async def close(self, case_id: str, who: str, outcome: Outcome, note: str,
                    now: dt.datetime, supervisor: bool = False,
                    notice: Reply | None = None) -> Case:
        """Closed with an outcome: off the queue, and the resident's conversation is the
        bot's again (the conversation's link to the case goes, if it is still this case).
        `notice` (`Dialogue.closed()`) tells the resident, through their channel."""
        def change(case: Case) -> str:
            if case.status == "closed":
                raise NotAllowed(f"case {case_id} is closed", "closed")
            if case.status != "claimed" or (case.assignee != who and not supervisor):
                raise NotAllowed(f"case {case_id} is not claimed by {who}", "not_yours")
            if not note.strip():
                raise NotAllowed("a close needs a note", "no_note")
            case.status, case.outcome, case.closed_at = "closed", outcome, now
            case.notes.append(mask(note.strip()))
            case.log(now, who, "close", outcome=outcome)
            return "closed"

        def extra(pipe: Pipeline, case: Case) -> None:
            pipe.zrem(keys.OPEN_CASES, case_id)
            pipe.eval(_UNLINK, 1, keys.conversation_case(case.conversation_id), case_id)
            pipe.expire(keys.case(case_id), keys.days(self.policy.closed_retention_days))
            if notice is not None:
                add(pipe, case.channel, Outgoing(chat_id=case.chat_id, text=notice.text,
                                                 choices=notice.choices, source="system",
                                                 case_id=case_id))
        return await self._change(case_id, who, change, extra)

    async def add_note(self, case_id: str, who: str, note: str, now: dt.datetime,
                       supervisor: bool = False) -> Case:
        """A caseworker's note on the case (never sent to the resident; numbers masked)."""
        def change(case: Case) -> str:
            if case.status == "closed":
                raise NotAllowed(f"case {case_id} is closed", "closed")
            if case.assignee != who and not supervisor:
                raise NotAllowed(f"case {case_id} is not claimed by {who}", "not_yours")
            if not note.strip():
                raise NotAllowed("an empty note", "empty_note")
            case.notes.append(mask(note.strip()))
            case.log(now, who, "note")
            return "noted"
        return await self._change(case_id, who, change)

    async def discard(self, case_id: str) -> None:
        """Remove a case that was never a resident's (a story's, a benchmark's): off the queue
        and gone, with an event so an open dashboard drops it."""
        raw = await self.redis.hget(keys.case(case_id), "json")
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(keys.OPEN_CASES, case_id)
            pipe.delete(keys.case(case_id))
            if raw is not None:
                cid = Case.model_validate_json(raw).conversation_id
                pipe.eval(_UNLINK, 1, keys.conversation_case(cid), case_id)
            pipe.xadd(keys.HANDOFF_STREAM, {"event": "discarded", "case_id": case_id},
                      maxlen=keys.HANDOFF_STREAM_MAXLEN, approximate=True)
            await pipe.execute()

    async def add_messages(self, case_id: str, entries: list[Entry], now: dt.datetime,
                           raise_to: CaseRequest | None = None,
                           extra: Callable[[Pipeline], None] | None = None) -> Case:
        """A resident's message (and the bot's holding reply) while a person has the case:
        onto the case's transcript, in one transaction with the conversation's own writes
        (`extra`). A crisis in a lower-priority case raises it, moving it up the queue."""
        def change(case: Case) -> str:
            if case.status == "closed":
                raise NotAllowed(f"case {case_id} is closed", "closed")
            case.transcript = [*case.transcript, *entries][-CASE_TRANSCRIPT_MAX:]
            if raise_to is not None and RANK[raise_to.priority] < RANK[case.priority]:
                case.log(now, "system", "raise", **{"from": case.priority,
                                                    "to": raise_to.priority,
                                                    "reason": raise_to.reason})
                case.priority, case.reason = raise_to.priority, raise_to.reason
                return "raised"
            return "message"

        def more(pipe: Pipeline, case: Case) -> None:
            pipe.zadd(keys.OPEN_CASES, {case_id: queue_score(case.priority, case.created_at)},
                      xx=True)
            if extra is not None:
                extra(pipe)
        return await self._change(case_id, "resident", change, more)

    async def place(self, case: Case) -> tuple[int, float]:
        """Where a waiting case stands: its place among the waiting cases (1 = next) and the
        minutes residents of its priority recently waited (the SLA target until there are a
        few claims to go by), for what the resident is told."""
        ids = await self.redis.zrange(keys.OPEN_CASES, 0, queue_score(case.priority,
                                      case.created_at), byscore=True)
        async with self.redis.pipeline(transaction=False) as pipe:
            for other in ids:
                pipe.hget(keys.case(other), "status")
            pipe.lrange(keys.claim_waits(case.priority), 0, -1)
            *statuses, waits = await pipe.execute()
        ahead = sum(1 for other, status in zip(ids, statuses, strict=True)
                    if status == "waiting" and other != case.case_id)
        sla = self.policy.unclaimed_minutes[case.priority]
        minutes = statistics.median(float(w) for w in waits) / 60 if len(waits) >= 3 else sla
        return ahead + 1, max(1.0, minutes)

    async def reply(self, case_id: str, who: str, text: str, now: dt.datetime,
                    transcript_max: int = 500) -> Case:
        """A caseworker's answer: only the assignee's; into the case's and the conversation's
        transcript (masked) and onto the resident's channel's outbound stream, in one
        transaction, so what the caseworker sees as sent is what the resident receives."""
        entry = Entry.now("caseworker", text)

        def change(case: Case) -> str:
            if case.status != "claimed" or case.assignee != who:
                raise NotAllowed(f"case {case_id} is not claimed by {who}", "not_yours")
            if not text.strip():
                raise NotAllowed("an empty reply", "empty_reply")
            case.transcript.append(entry)
            case.last_reply_at = now
            case.log(now, who, "reply")
            return "replied"

        def extra(pipe: Pipeline, case: Case) -> None:
            log_key = keys.transcript(case.conversation_id)
            pipe.rpush(log_key, entry.model_dump_json())
            pipe.ltrim(log_key, -transcript_max, -1)
            add(pipe, case.channel, Outgoing(chat_id=case.chat_id, text=text,
                                             source="caseworker", case_id=case_id))
        return await self._change(case_id, who, change, extra)

    async def check_sla(self, now: dt.datetime, unclaimed_minutes: dict[str, float],
                        reply_minutes: dict[str, float]) -> list[tuple[str, str]]:
        """Cases past their SLA: unclaimed ones are escalated (once), claimed ones without a
        reply go back to the queue. Returns (case id, what happened)."""
        def due(case: Case) -> str | None:
            if case.status == "waiting" and not case.escalated and \
                    now - case.created_at > dt.timedelta(minutes=unclaimed_minutes[case.priority]):
                return "escalated"
            if case.status == "claimed":
                since = case.last_reply_at or case.claimed_at or case.created_at
                if now - since > dt.timedelta(minutes=reply_minutes[case.priority]):
                    return "returned"
            return None

        def act(case: Case) -> str:
            event = due(case)  # decided again on the case as it is now, not as it was read
            if event == "escalated":
                case.escalated = True
                case.log(now, "system", "escalate")
            elif event == "returned":
                case.log(now, "system", "return", assignee=case.assignee)
                case.status, case.assignee, case.claimed_at = "waiting", None, None
                case.escalated = False  # waiting again: escalated again if nobody claims it
            else:
                raise NotAllowed("no longer past its SLA", "not_due")
            return event

        happened = []
        for case in await self.open_cases():
            event = due(case)
            if event is None:
                continue
            try:
                await self._change(case.case_id, "system", act)
            except (NotAllowed, CaseMissing):
                continue
            happened.append((case.case_id, event))
        return happened

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
        audit.record(pipe, "bot", "opened", case.case_id, at=case.created_at,
                     priority=case.priority, reason=case.reason)

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


# Removes a conversation's link to a case only if it still points to that case.
_UNLINK = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def profile_json(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts as JSON (tuples of bands become lists)."""
    return json.loads(json.dumps(facts, default=list))
