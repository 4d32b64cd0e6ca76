"""Messages to residents that do not answer their own message: a caseworker's reply, a notice.

They go into the channel's outbound stream (`bokji:outbox:{channel}`), which the channel's
workers read in order and deliver; the writer (the dashboard, a CLI) needs no connection to
Telegram and survives the channel being down (the stream waits in Redis).
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aredis
from pydantic import BaseModel
from redis.asyncio.client import Pipeline

from bot.dialogue.state import QuickReply
from bot.store import keys


class Outgoing(BaseModel):
    chat_id: str
    text: str
    choices: list[QuickReply] = []
    source: str = "caseworker"     # who wrote it, for the channel's logs
    case_id: str | None = None

    def fields(self) -> dict[str, str]:
        return {"json": self.model_dump_json()}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Outgoing:
        return cls.model_validate_json(fields["json"])


def add(pipe: Pipeline | aredis.Redis, channel: str, message: Outgoing) -> Any:
    """Queue a message for a resident, on a client or inside the caller's transaction."""
    return pipe.xadd(keys.outbox_stream(channel), message.fields(),  # type: ignore[arg-type]
                     maxlen=keys.HANDOFF_STREAM_MAXLEN, approximate=True)


async def publish(redis: aredis.Redis, channel: str, message: Outgoing) -> str:
    """Queue a message for a resident now; the stream entry id."""
    return str(await add(redis, channel, message))
