"""A Telegram worker: takes updates in, handles each chat's in order, delivers the replies.

Any number of workers may run against one Redis (behind a load balancer in webhook mode).
A chat's mailbox is worked by whichever worker holds its lease; the getUpdates poller and
the outbound-stream reader are single leases too, so they move to another worker when theirs
stops. Every worker sweeps the chats with work left waiting, so a killed worker's chats are
finished by the others once its leases expire.

python-telegram-bot provides the Bot API client, the Update and Message types and the error
classes; its Application (an in-memory update queue) is not used, because an update must be
in Redis before Telegram is told it arrived, and ordered across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from redis.exceptions import RedisError
from telegram import Bot, Update
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError

from bot.channels.telegram import updates as tg
from bot.channels.telegram.mailbox import Mailbox
from bot.channels.telegram.replies import USED, Op, answer_op, markup_op, send_ops
from bot.channels.telegram.sender import Outcome, Sender, seconds
from bot.channels.telegram.wording import TelegramWording
from bot.dialogue.service import Service
from bot.dialogue.state import QuickReply, Reply, Turn
from bot.privacy import pseudonym
from bot.settings import Settings
from bot.store import keys
from bot.store.connection import UNAVAILABLE
from bot.store.leases import Lease
from bot.store.outbox import Outgoing

log = logging.getLogger("bokji.telegram")

CHANNEL = "telegram"
ATTEMPTS = 3  # an update that fails this often in one worker is answered with an apology
DELETE_YES, DELETE_NO = "tg:delete:yes", "tg:delete:no"


class NotStored(Exception):
    """The dialogue could not store the turn (Redis busy or away): handled again later."""


class Worker:
    def __init__(self, bot: Bot, service: Service, wording: Callable[[], TelegramWording],
                 settings: Settings,
                 on_turn: Callable[[int, Turn], None] | None = None) -> None:
        self.bot = bot
        self.service = service
        self.wording = wording
        self.settings = settings
        self.t = settings.telegram
        self.redis = service.conversations.redis
        self.mailbox = Mailbox(self.redis, self.t, settings.dialogue.idle_days)
        self.sender = Sender(bot, self.t)
        self.on_turn = on_turn
        self.me: tg.Me | None = None
        self._slots = asyncio.Semaphore(self.t.max_concurrent_chats)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._draining: set[int] = set()
        self._background: list[asyncio.Task[Any]] = []
        self._stopping = asyncio.Event()
        self._hotlined: set[int] = set()   # updates given a hotline while Redis was away
        self._failures: dict[str, int] = {}  # update → unexpected errors handling it

    # ---- lifecycle -----------------------------------------------------------------------

    async def start(self, poll: bool) -> None:
        """Connect to Telegram (getMe) and start the background loops."""
        await self.bot.initialize()
        self.me = tg.Me(id=self.bot.id, username=self.bot.username)
        commands = [(name, text) for name, text in self.wording().commands.items()]
        await self._telegram_call(lambda: self.bot.set_my_commands(commands))
        loops = [self._read_outbound(), self._sweep()]  # the reader first: see stop()
        if poll:
            loops.append(self._poll())
        self._background = [asyncio.create_task(loop) for loop in loops]

    async def stop(self, grace: float = 10.0) -> None:
        """Stop taking work, let messages in hand finish (their leases are released)."""
        self._stopping.set()
        # The outbound reader is left to finish its blocking XREAD (at most a second):
        # redis-py's asyncio client can hang when a blocking read is cancelled.
        for task in self._background[1:]:
            task.cancel()
        pending = list(self._background)
        if pending:
            _, late = await asyncio.wait(pending, timeout=3)
            for task in late:
                task.cancel()
            await asyncio.wait(pending, timeout=1)
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=grace)
        await self.bot.shutdown()

    # ---- taking updates in ---------------------------------------------------------------

    async def receive(self, update: dict[str, Any]) -> bool:
        """Store an update (once) and start its chat's work; False for a duplicate.
        Raises the Redis error when it cannot be stored: the caller must not confirm it."""
        chat = await self.mailbox.receive(update)
        if chat is None:
            return False
        self.schedule(chat)
        return True

    async def emergency(self, update: dict[str, Any]) -> None:
        """Redis is away, so the update cannot be stored (Telegram will send it again); a
        crisis still gets its hotline now, straight from this process."""
        text = tg.text_of(update)
        chat, update_id = tg.chat_of(update), update.get("update_id")
        if not text or chat is None or update_id in self._hotlined:
            return  # Telegram's redelivery of the same update gets it once
        if len(self._hotlined) > 10_000:
            self._hotlined.clear()
        self._hotlined.add(int(update_id or 0))
        turn = self.service.dialogue.offline(text)
        if turn.urgent:
            for reply in turn.replies:
                for op in send_ops(chat, reply):
                    await self.sender.perform(op)

    def schedule(self, chat: int) -> None:
        if chat in self._draining or self._stopping.is_set():
            return
        task = asyncio.create_task(self.drain(chat))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- one chat's work -----------------------------------------------------------------

    async def drain(self, chat: int) -> None:
        """Handle the chat's waiting updates and deliver its replies, in order, under its
        lease; loop when more arrived just as the lease was let go."""
        self._draining.add(chat)
        try:
            while not self._stopping.is_set():
                async with self._slots:
                    lease = Lease(self.redis, keys.tg_chat(chat, "lease"), self.t.lock_seconds)
                    if not await lease.try_acquire():
                        return  # another worker has it and will see what we stored
                    try:
                        async with lease.kept():
                            finished = await self._work(chat)
                    except (*UNAVAILABLE, RedisError, NotStored) as exc:
                        log.warning("chat %s left for later: %s", self._who(chat),
                                    type(exc).__name__)
                        return
                if not finished or await self.mailbox.settle(chat):
                    return
        finally:
            self._draining.discard(chat)

    async def _work(self, chat: int) -> bool:
        """True when everything was handled and delivered; False when Telegram would not
        take a reply now (the sweep comes back)."""
        while True:
            if not await self._deliver(chat):
                return False
            raw = await self.mailbox.head(chat)
            if raw is None:
                return True
            try:
                await self._handle(chat, raw)
            except (*UNAVAILABLE, RedisError, NotStored):
                raise
            except Exception:
                await self._failed(chat, raw)
                return False

    async def _failed(self, chat: int, raw: str) -> None:
        """A bug, not the resident's fault: logged (without the message), tried again by the
        sweep, and after a few tries answered with an apology (and a crisis's hotline) so one
        bad update never silences a resident for good."""
        count = self._failures.get(raw, 0) + 1
        self._failures[raw] = count
        log.exception("handling an update of chat %s failed (%d/%d)", self._who(chat), count,
                      ATTEMPTS)
        if count < ATTEMPTS:
            return
        del self._failures[raw]
        text = ""
        with contextlib.suppress(Exception):
            text = tg.text_of(json.loads(raw))
        hotline = self.service.dialogue.emergency(text) if text else None
        ops = [*(send_ops(chat, hotline) if hotline else []),
               *self._say(chat, self.wording().failed)]
        await self.mailbox.finish(chat, raw, ops)

    async def _deliver(self, chat: int) -> bool:
        while (item := await self.mailbox.next_op(chat)) is not None:
            raw, op = item
            if time.time() - op.created > self.t.give_up_hours * 3600:
                log.warning("%s for %s undeliverable for %sh: dropped", op.op, self._who(chat),
                            self.t.give_up_hours)
                await self.mailbox.sent(chat, raw)
                continue
            outcome: Outcome = await self.sender.perform(op)
            if outcome.status == "later":
                return False
            if outcome.status == "blocked":
                await self.mailbox.set_blocked(chat, True)
                dropped = await self.mailbox.drop_outbox(chat)
                log.info("chat %s blocked the bot: %d replies dropped", self._who(chat), dropped)
                return True
            keyboard = outcome.message_id if op.op == "send" and op.buttons else None
            await self.mailbox.sent(chat, raw, keyboard)
        return True

    # ---- one update ----------------------------------------------------------------------

    async def _handle(self, chat: int, raw: str) -> None:
        assert self.me is not None
        try:
            update = Update.de_json(json.loads(raw), self.bot)
            inbound = tg.read(update, self.me) if update is not None else None
        except (ValueError, TypeError, KeyError, TelegramError) as exc:
            log.warning("unreadable update in chat %s dropped: %s", self._who(chat), exc)
            await self.mailbox.finish(chat, raw, [])
            return
        if inbound is None or inbound.kind == "ignore":
            await self.mailbox.finish(chat, raw, [])
            return
        if inbound.kind == "member":
            blocked = inbound.member_status in ("kicked", "left")
            await self.mailbox.set_blocked(chat, blocked)
            if blocked:
                await self.mailbox.drop_outbox(chat)
            await self.mailbox.finish(chat, raw, [])
            return
        if await self.mailbox.blocked(chat):
            await self.mailbox.set_blocked(chat, False)  # they write again: they unblocked
        w = self.wording()
        if inbound.kind == "group":
            ops = [*self._say(chat, w.group.format(bot=self.me.username))]
            hotline = self.service.dialogue.emergency(inbound.text) if inbound.text else None
            if hotline is not None:
                ops = [*send_ops(chat, hotline), *ops]
            await self.mailbox.finish(chat, raw, ops)
            return
        ops = []  # the press answered first: the resident's button stops spinning at once
        if inbound.kind == "button" and inbound.callback_id:
            ops.append(answer_op(chat, inbound.callback_id,
                                 w.button_used if inbound.payload == USED else ""))
        ops += await self._tidy_keyboard(chat, inbound)
        if await self._flooding(chat, inbound, ops, raw):
            return
        await self._dispatch(chat, inbound, raw, ops, w)

    async def _dispatch(self, chat: int, inbound: tg.Inbound, raw: str, ops: list[Op],
                        w: TelegramWording) -> None:
        cid = f"{CHANNEL}:{chat}"
        if inbound.kind == "command":
            command = inbound.command
            idle_days = self._days(self.settings.dialogue.idle_days)
            if command == "start":
                notice = w.privacy_notice.format(idle_days=idle_days)
                await self._turn(chat, raw, [*ops, *self._say(chat, notice)], start=True)
            elif command == "reset":
                await self._turn(chat, raw, ops, text="/reset", payload="restart")
            elif command == "human":
                await self._turn(chat, raw, ops, text="/human", payload="menu:human")
            elif command == "privacy":
                text = w.privacy.format(idle_days=idle_days,
                                        mailbox_days=self._days(self.t.mailbox_days))
                await self.mailbox.finish(chat, raw, [*ops, *self._say(chat, text)])
            elif command == "delete":
                confirm = Reply(text=w.delete_confirm, choices=[
                    QuickReply(label=w.delete_yes, payload=DELETE_YES),
                    QuickReply(label=w.delete_no, payload=DELETE_NO)])
                await self.mailbox.finish(chat, raw, [*ops, *send_ops(chat, confirm)])
            else:
                await self.mailbox.finish(chat, raw, [*ops, *self._say(chat, w.help)])
        elif inbound.kind == "button":
            if inbound.payload == USED:
                await self.mailbox.finish(chat, raw, ops)
            elif inbound.payload == DELETE_YES:
                open_case = await self.service.queue.case_of(cid)
                await self.service.conversations.erase(cid)
                await self.mailbox.erase(chat)
                said = w.deleted_case_open if open_case else w.deleted
                await self.mailbox.finish(chat, raw, [*ops, *self._say(chat, said)])
                log.info("chat %s erased at the resident's request", self._who(chat))
            elif inbound.payload == DELETE_NO:
                await self.mailbox.finish(chat, raw, [*ops, *self._say(chat, w.delete_cancelled)])
            else:
                await self._turn(chat, raw, ops, text=inbound.label or "",
                                 payload=inbound.payload)
        elif inbound.kind == "media":
            note = {"voice": w.voice, "sticker": w.sticker, "location": w.location,
                    "contact": w.contact}.get(inbound.media or "", w.only_text)
            await self.mailbox.finish(chat, raw, [*ops, *self._say(chat, note)])
        else:
            await self._turn(chat, raw, ops, text=inbound.text)

    async def _turn(self, chat: int, raw: str, ops: list[Op], text: str = "",
                    payload: str | None = None, start: bool = False) -> None:
        """The dialogue's turn, stored in one transaction with the mailbox's bookkeeping."""
        def extra(pipe: Any, turn: Turn) -> None:
            replies = [op for reply in turn.replies for op in send_ops(chat, reply)]
            self.mailbox.handled(pipe, chat, raw, [*ops, *replies])

        if start:
            turn = await self.service.start(CHANNEL, str(chat), extra=extra)
        else:
            turn = await self.service.handle(CHANNEL, str(chat), text, payload, extra=extra)
        if not turn.stored:
            raise NotStored(turn.actions[0] if turn.actions else "")
        if self.on_turn is not None:
            self.on_turn(chat, turn)

    async def _tidy_keyboard(self, chat: int, inbound: tg.Inbound) -> list[Op]:
        """Buttons are for the question just asked: a pressed one stays as a mark of the
        answer, and any left on an earlier message go once the resident moves on."""
        if inbound.kind not in ("text", "command", "button", "media"):
            return []
        current = await self.mailbox.keyboard(chat)
        ops = []
        if inbound.kind == "button" and inbound.message_id is not None and \
                inbound.payload != USED:
            label = inbound.label or ""
            ops.append(markup_op(chat, inbound.message_id,
                                 self.wording().chosen.format(label=label) if label else None))
            if current == inbound.message_id:
                current = None
        if current is not None:
            ops.append(markup_op(chat, current))
        if ops:
            await self.mailbox.forget_keyboard(chat)
        return ops

    async def _flooding(self, chat: int, inbound: tg.Inbound, ops: list[Op], raw: str) -> bool:
        """Over the rate limit: one polite warning per window and the rest unanswered, except
        a crisis, which is always handled."""
        over, first = await self.mailbox.over_rate(chat)
        if not over:
            return False
        if inbound.text and self.service.dialogue.emergency(inbound.text) is not None:
            return False
        warn = self._say(chat, self.wording().rate_limited) if first else []
        await self.mailbox.finish(chat, raw, [*ops, *warn])
        log.info("chat %s over the rate limit", self._who(chat))
        return True

    # ---- background loops ----------------------------------------------------------------

    async def _sweep(self) -> None:
        """Every few seconds: chats with work waiting and no worker on them."""
        while True:
            try:
                for chat in await self.mailbox.active():
                    self.schedule(chat)
            except (*UNAVAILABLE, RedisError) as exc:
                log.warning("sweep: Redis unavailable (%s)", type(exc).__name__)
            await asyncio.sleep(self.t.sweep_seconds)

    async def _lead(self, key: str, what: str,
                    work: Callable[[Lease], Awaitable[None]]) -> None:
        """Do `work` while holding the singleton lease `key`; any worker may hold it, and when
        its holder stops, another takes over once the lease expires."""
        while not self._stopping.is_set():
            lease = Lease(self.redis, key, self.t.lock_seconds)
            try:
                if not await lease.try_acquire():
                    await asyncio.sleep(self.t.sweep_seconds)
                    continue
                async with lease.kept():
                    await work(lease)
            except (*UNAVAILABLE, RedisError) as exc:
                log.warning("%s: Redis unavailable (%s)", what, type(exc).__name__)
                await asyncio.sleep(self.t.backoff_seconds * 4)

    async def _poll(self) -> None:
        """Long polling, by the one worker holding the poller lease. An update is confirmed to
        Telegram (the next call's offset) only once it is stored in Redis."""
        await self._lead(keys.TG_POLLER, "poller", self._poll_while_leader)

    async def _poll_while_leader(self, lease: Lease) -> None:
        await self._telegram_call(lambda: self.bot.delete_webhook())
        offset: int | None = None
        delay = self.t.backoff_seconds
        while not lease.lost:
            try:
                batch = await self.bot.get_updates(offset=offset,
                                                   timeout=self.t.poll_timeout_seconds,
                                                   allowed_updates=tg.ALLOWED_UPDATES)
                delay = self.t.backoff_seconds
            except RetryAfter as exc:
                await asyncio.sleep(seconds(exc.retry_after))
                continue
            except Conflict as exc:
                log.error("getUpdates conflict (a webhook is set or another bot process "
                          "polls with this token): %s", exc)
                await asyncio.sleep(max(delay, 5.0))
                continue
            except NetworkError as exc:
                log.warning("getUpdates failed: %s", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            for update in batch:
                try:
                    await self.receive(update.to_dict())
                except (*UNAVAILABLE, RedisError):
                    await self.emergency(update.to_dict())
                    raise  # not confirmed: getUpdates gives it again from `offset`
                offset = update.update_id + 1

    async def _read_outbound(self) -> None:
        """Move the outbound stream, in order, into each chat's outbox (one reader at a time,
        its position kept in Redis and moved in the same transaction as the message)."""
        await self._lead(keys.TG_OUTBOX_READER, "outbound reader", self._read_while_leader)

    async def _read_while_leader(self, lease: Lease) -> None:
        stream = keys.outbox_stream(CHANNEL)
        block = int(min(1.0, self.settings.store.timeout_seconds / 2) * 1000)
        while not lease.lost and not self._stopping.is_set():
            cursor = await self.redis.get(keys.TG_OUTBOX_CURSOR) or "0-0"
            read = await self.redis.xread({stream: cursor}, count=100, block=block)
            for _, entries in read or []:
                for entry_id, fields in entries:
                    await self._move_outgoing(entry_id, fields)

    async def _move_outgoing(self, entry_id: str, fields: dict[str, Any]) -> None:
        try:
            message = Outgoing.from_fields(fields)
            chat = int(message.chat_id)
        except (ValueError, KeyError) as exc:
            log.error("outbound entry %s unreadable, skipped: %s", entry_id, exc)
            await self.redis.set(keys.TG_OUTBOX_CURSOR, entry_id)
            return
        ops = send_ops(chat, Reply(text=message.text, choices=message.choices))
        async with self.redis.pipeline(transaction=True) as pipe:
            self.mailbox.queue(pipe, chat, ops)
            pipe.set(keys.TG_OUTBOX_CURSOR, entry_id)
            await pipe.execute()
        self.schedule(chat)

    # ---- helpers -------------------------------------------------------------------------

    async def _telegram_call(self, call: Callable[[], Any]) -> None:
        try:
            await call()
        except TelegramError as exc:
            log.warning("Telegram call failed: %s", exc)

    @staticmethod
    def _say(chat: int, text: str) -> list[Op]:
        return send_ops(chat, Reply(text=text))

    @staticmethod
    def _days(days: float) -> str:
        return f"{days:g}"

    @staticmethod
    def _who(chat: int) -> str:
        return pseudonym(f"{CHANNEL}:{chat}")
