"""The audit log: who looked at or changed which case, and when.

A Redis stream (`bokji:audit`) that is only ever appended to: never trimmed, no TTL, and no
code path deletes from it. Changes to a case are recorded in the same transaction as the
change, so a claim or a reply cannot happen without its line; views and logins are recorded
as they are served. It holds names, case ids and actions, never message text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import redis.asyncio as aredis
from pydantic import BaseModel
from redis.asyncio.client import Pipeline

from bot.store import keys


class AuditEntry(BaseModel):
    id: str
    at: dt.datetime
    who: str
    action: str
    case_id: str | None = None
    detail: dict[str, str] = {}


def record(pipe: Pipeline | aredis.Redis, who: str, action: str, case_id: str | None = None,
           at: dt.datetime | None = None, **detail: Any) -> Any:
    """Append one line, on a client or inside the caller's transaction."""
    fields = {"at": (at or dt.datetime.now(dt.UTC)).isoformat(), "who": who, "action": action,
              "case_id": case_id or "", **{f"d.{k}": str(v) for k, v in detail.items()}}
    return pipe.xadd(keys.AUDIT, fields)  # type: ignore[arg-type]


async def read(redis: aredis.Redis, case_id: str | None = None, count: int = 1000,
               scan: int = 200_000) -> list[AuditEntry]:
    """The newest `count` lines, oldest first; of one case when given, found among the newest
    `scan` lines (the stream has no per-case index: an old case's lines are in an export)."""
    raw = await redis.xrevrange(keys.AUDIT, count=count if case_id is None else scan)
    out = []
    for entry_id, fields in reversed(raw):
        if case_id is not None and fields.get("case_id") != case_id:
            continue
        out.append(AuditEntry(
            id=entry_id, at=dt.datetime.fromisoformat(fields["at"]), who=fields["who"],
            action=fields["action"], case_id=fields.get("case_id") or None,
            detail={k[2:]: v for k, v in fields.items() if k.startswith("d.")}))
    return out[-count:]
