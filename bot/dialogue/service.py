"""A resident's message end to end: lock, state, dialogue, one atomic write, replies.

Channels (console, Telegram) call `handle`; they know nothing about welfare or Redis keys.
When Redis cannot be reached the resident still gets a polite answer, and for an urgent
message the hotline numbers, but nothing is written (there is nowhere to write it).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from bot.dialogue.conversation import Dialogue
from bot.dialogue.state import OpenCase, State, Turn
from bot.handoff.cases import (
    Case,
    CaseMissing,
    HandoffQueue,
    NotAllowed,
    new_case_id,
    profile_json,
)
from bot.privacy import pseudonym
from bot.store.connection import UNAVAILABLE
from bot.store.conversations import Busy, Conversations, Entry

log = logging.getLogger("bokji.dialogue")

# More writes for the turn's transaction, given the turn: a channel that takes messages from a
# mailbox removes the message and queues the replies in the same MULTI/EXEC as the new state,
# so a worker killed at any point leaves either the whole turn stored or none of it.
Extra = Callable[[Pipeline, Turn], None]


class Service:
    def __init__(self, dialogue: Dialogue, conversations: Conversations,
                 queue: HandoffQueue) -> None:
        self.dialogue = dialogue
        self.conversations = conversations
        self.queue = queue

    async def start(self, channel: str, chat_id: str, extra: Extra | None = None) -> Turn:
        """Greet, and remember the menu so a typed "1" picks its first choice."""
        return await self._run(channel, chat_id, "", lambda state: self.dialogue.start(state),
                               record_resident=False, extra=extra)

    async def handle(self, channel: str, chat_id: str, text: str,
                     payload: str | None = None, extra: Extra | None = None) -> Turn:
        # "처음부터" (/reset) is the resident resetting what the bot knows, not a message to
        # the caseworker: it reaches the bot even while a case is open (the case stays open)
        return await self._run(channel, chat_id, text,
                               lambda state: self.dialogue.handle(state, text, payload),
                               extra=extra, to_case=payload != "restart")

    async def _run(self, channel: str, chat_id: str, text: str,
                   step: Callable[[State | None], Turn], record_resident: bool = True,
                   extra: Extra | None = None, to_case: bool = True) -> Turn:
        cid = f"{channel}:{chat_id}"
        try:
            async with self.conversations.lock(cid):
                state = await self.conversations.load(cid, State)
                open_id = await self.queue.case_of(cid)
                if open_id is not None and record_resident and to_case:
                    routed = await self._to_case(cid, open_id, state, text, extra)
                    if routed is not None:
                        return routed
                    open_id = None  # closed in the meantime
                if state is not None and state.case_id is not None and open_id is None:
                    # the caseworker closed it: the bot answers again (a crisis opens a new
                    # case), and a typed "1" picks from the menu the closing notice showed
                    state.case_id = None
                    state.offered = self.dialogue.closed().choices
                turn: Turn = step(state)
                if turn.state.started_at is None:
                    turn.state.started_at = dt.datetime.now(dt.UTC)
                entries = self._entries(text, turn, record_resident)
                case = self._case(channel, chat_id, turn, entries) if turn.case else None
                if case is not None:
                    previous = await self.conversations.transcript(cid)
                    case.transcript = [*previous, *entries][-100:]
                    turn.state.case_id = case.case_id

                def more(pipe: Pipeline) -> None:
                    if case is not None:
                        self.queue.open_case(pipe, case)
                    if extra is not None:
                        extra(pipe, turn)

                await self.conversations.commit(cid, turn.state, entries, more)
                turn.stored = True
            log.info("turn conv=%s intent=%s urgent=%s actions=%s", pseudonym(cid),
                     turn.intent, turn.urgent, ",".join(turn.actions))
            return turn
        except Busy:
            log.warning("busy conv=%s", pseudonym(cid))
            return self.dialogue.offline(text, busy=True)
        except (*UNAVAILABLE, RedisError) as exc:
            log.error("store unavailable conv=%s: %s", pseudonym(cid), type(exc).__name__)
            return self.dialogue.offline(text)

    async def _to_case(self, cid: str, case_id: str, state: State | None, text: str,
                       extra: Extra | None) -> Turn | None:
        """The message goes to the resident's open case (None: it closed meanwhile, and the
        bot answers). The conversation's writes ride on the case's transaction."""
        case = await self.queue.get(case_id)
        if case is None or case.status == "closed":
            return None
        position, minutes = await self.queue.place(case) if case.status == "waiting" \
            else (0, 0.0)
        turn = self.dialogue.waiting(state, text, OpenCase(
            status=case.status, priority=case.priority, reason=case.reason,
            position=position, minutes=minutes))
        turn.state.case_id = case_id
        if turn.state.started_at is None:
            turn.state.started_at = dt.datetime.now(dt.UTC)
        entries = self._entries(text, turn, True)

        def writes(pipe: Pipeline) -> None:
            self.conversations.writes(pipe, cid, turn.state, entries)
            if extra is not None:
                extra(pipe, turn)
        try:
            await self.queue.add_messages(case_id, entries, dt.datetime.now(dt.UTC),
                                          turn.case, writes)
        except (NotAllowed, CaseMissing):
            return None
        turn.stored = True
        log.info("turn conv=%s to case urgent=%s actions=%s", pseudonym(cid), turn.urgent,
                 ",".join(turn.actions))
        return turn

    @staticmethod
    def _entries(text: str, turn: Turn, record_resident: bool) -> list[Entry]:
        entries = []
        if record_resident:
            entries.append(Entry.now("resident", text, intent=turn.intent, urgent=turn.urgent))
        for i, reply in enumerate(turn.replies):
            entries.append(Entry.now("bot", reply.text, actions=turn.actions if i == 0 else []))
        return entries

    def _case(self, channel: str, chat_id: str, turn: Turn, entries: list[Entry]) -> Case:
        assert turn.case is not None
        now = dt.datetime.now(dt.UTC)
        return Case(case_id=new_case_id(now), channel=channel, chat_id=chat_id,
                    priority=turn.case.priority, reason=turn.case.reason, created_at=now,
                    profile=profile_json(turn.state.engine_facts()),
                    results=self.dialogue.summary(turn.state), transcript=entries)
