"""The handoff watch: SLA checks on a timer, and notices to the caseworkers' Telegram chat.

One process at a time does this work (a lease, so several dashboards can run): every
`handoff.check_seconds` it escalates cases waiting past their SLA and returns claimed cases
left without a reply; and it reads the handoff stream from a cursor kept in Redis, telling
the caseworkers' chat (`handoff.notify_chat_id`) of each new critical case and each
escalation. A notice that cannot be sent is tried again on the next round (the cursor only
moves past what was sent), so a restart or a Telegram outage loses none. Notices carry the
priority, the reason and a link, never what the resident wrote.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

import redis.asyncio as aredis

from bot.handoff.cases import HandoffQueue
from bot.handoff.labels import PRIORITY, REASON
from bot.settings import HandoffSettings
from bot.store import keys
from bot.store.leases import Lease

log = logging.getLogger("bokji.handoff")

Notify = Callable[[str], Awaitable[None]]


def notice_text(event: str, case_id: str, priority: str, reason: str, link: str) -> str | None:
    """The notice for one handoff event, or None when the event needs none."""
    what = REASON.get(reason, reason)
    if event == "opened" and priority == "critical":
        return f"🚨 새 위급 상담 요청 ({what}) — 지금 받아 주세요.\n{link}/cases/{case_id}"
    if event == "raised" and priority == "critical":
        return f"🚨 상담 요청이 위급으로 올라갔어요 ({what}).\n{link}/cases/{case_id}"
    if event == "escalated":
        return (f"⏰ 기한 안에 아무도 받지 않은 상담 요청이 있어요 (우선순위 "
                f"{PRIORITY.get(priority, priority)}, "
                f"{what}). 관리자 확인이 필요해요.\n{link}/cases/{case_id}")
    return None


class Watch:
    def __init__(self, redis: aredis.Redis, policy: HandoffSettings, link: str,
                 notify: Notify | None, lease_seconds: float = 30,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.redis = redis
        self.queue = HandoffQueue(redis, policy)
        self.policy = policy
        self.link = link.rstrip("/")
        self.notify = notify
        # held across a whole round and the wait after it, so no second watch starts the
        # same notices while one is still sending them
        self.lease_seconds = max(lease_seconds, policy.check_seconds * 3)
        self.clock = clock
        self._stop = asyncio.Event()

    async def round(self) -> list[tuple[str, str]]:
        """One SLA check and one pass of notices; what the SLA check changed."""
        changed = await self.queue.check_sla(self.clock(), self.policy.unclaimed_minutes,
                                             self.policy.reply_minutes)
        for case_id, what in changed:
            log.warning("sla case=%s %s", case_id, what)
        if self.notify is not None:
            await self.send_notices()
        return changed

    async def send_notices(self) -> int:
        cursor = await self.redis.get(keys.HANDOFF_NOTIFIED)
        if cursor is None:  # first run: from now on, not the whole history
            last = await self.redis.xrevrange(keys.HANDOFF_STREAM, count=1)
            cursor = last[0][0] if last else "0-0"
            await self.redis.set(keys.HANDOFF_NOTIFIED, cursor)
        sent = 0
        while True:
            entries = await self.redis.xrange(keys.HANDOFF_STREAM, f"({cursor}", count=100)
            if not entries:
                return sent
            for entry_id, fields in entries:
                text = notice_text(fields.get("event", ""), fields.get("case_id", ""),
                                   fields.get("priority", ""), fields.get("reason", ""),
                                   self.link)
                if text is not None:
                    assert self.notify is not None
                    await self.notify(text)  # raises: the cursor stays, tried next round
                    sent += 1
                await self.redis.set(keys.HANDOFF_NOTIFIED, entry_id)
                cursor = entry_id

    async def run(self) -> None:
        """Rounds until stop(), whichever process holds the lease doing the work."""
        lease = Lease(self.redis, keys.HANDOFF_WATCH, self.lease_seconds)
        while not self._stop.is_set():
            try:
                if await lease.try_acquire() or await lease.renew():
                    await self.round()
            except Exception as exc:  # a round must not end the watch; the next one retries
                log.error("handoff watch round failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.policy.check_seconds)
        with contextlib.suppress(Exception):  # Redis away at shutdown: the lease expires
            await lease.release()
        closing = getattr(self.notify, "aclose", None)
        if closing is not None:
            await closing()

    def stop(self) -> None:
        self._stop.set()


class TelegramNotifier:
    """Send notices with python-telegram-bot, through the same Bot API as the channel
    (`base_url` as TELEGRAM_API_BASE_URL, e.g. http://127.0.0.1:8081/bot)."""

    def __init__(self, token: str, base_url: str | None, chat_id: str) -> None:
        from telegram import Bot

        self.bot = Bot(token, base_url=base_url or "https://api.telegram.org/bot")
        self.chat: int | str = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id

    async def __call__(self, text: str) -> None:
        await self.bot.send_message(chat_id=self.chat, text=text)

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self.bot.shutdown()


def telegram_notifier(token: str, base_url: str | None, chat_id: str) -> TelegramNotifier:
    return TelegramNotifier(token, base_url, chat_id)
