"""The handoff watch (bot/handoff/watch.py) on real Redis: SLA rounds on a clock the test
controls, and caseworker notices sent by real python-telegram-bot over HTTP to the fake Bot
API server (tests/fakes/botapi.py), at least once and never twice, by one watch at a time."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
import time
from collections.abc import Callable

import pytest
from telegram.error import NetworkError

from bot.dialogue.runtime import Runtime
from bot.handoff.cases import Case
from bot.handoff.labels import PRIORITY, REASON
from bot.handoff.watch import Notify, Watch, notice_text, telegram_notifier
from bot.settings import get_settings
from bot.store import keys
from tests.fakes.botapi import FakeBotAPI
from tests.telegram_helpers import first_update_id, free_port

pytestmark = pytest.mark.redis

CRITICAL = "죽고 싶어요"
HIGH = "전기 끊겼어요 먹을 게 없어요"
NORMAL = "상담원 연결해 주세요"
NOTIFY_CHAT = -1001234          # the caseworkers' group
LINK = "http://dash.test/"      # the trailing slash is the watch's to drop
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def api(fake: FakeBotAPI) -> FakeBotAPI:
    fake.reset(first_update_id=first_update_id())
    return fake


async def open_case(runtime: Runtime, text: str = CRITICAL) -> Case:
    chat = f"watch-{secrets.token_hex(6)}"
    turn = await runtime.service.handle("console", chat, text)
    assert turn.state.case_id, f"no case opened by {text!r}"
    case = await runtime.service.queue.get(turn.state.case_id)
    assert case is not None
    return case


async def events_of(runtime: Runtime, case_id: str) -> list[str]:
    """The case's events on the handoff stream, oldest first."""
    entries = await runtime.store.client.xrevrange(keys.HANDOFF_STREAM, count=2000)
    return [fields["event"] for _, fields in reversed(entries) if fields["case_id"] == case_id]


async def entry_of(runtime: Runtime, case_id: str, event: str) -> str:
    entries = await runtime.store.client.xrevrange(keys.HANDOFF_STREAM, count=2000)
    found = [i for i, f in entries if f["case_id"] == case_id and f["event"] == event]
    assert len(found) == 1, (case_id, event, found)
    return str(found[0])


async def cursor_at_end(runtime: Runtime) -> str:
    """Notices from here on: the cursor is global, and earlier tests left entries behind."""
    redis = runtime.store.client
    last = await redis.xrevrange(keys.HANDOFF_STREAM, count=1)
    end = last[0][0] if last else "0-0"
    await redis.set(keys.HANDOFF_NOTIFIED, end)
    return str(end)


def stream_id(entry_id: str) -> tuple[int, int]:
    ms, seq = entry_id.split("-")
    return int(ms), int(seq)


def texts(api: FakeBotAPI) -> list[str]:
    return [m.text for m in api.messages(NOTIFY_CHAT)]


def about(api: FakeBotAPI, case_id: str) -> list[str]:
    return [t for t in texts(api) if case_id in t]


def notifier(api: FakeBotAPI) -> Notify:
    return telegram_notifier(api.token, api.base_url, str(NOTIFY_CHAT))


def at(when: dict[str, dt.datetime]) -> Callable[[], dt.datetime]:
    return lambda: when["t"]


# ---- SLA rounds ------------------------------------------------------------------------------

async def test_an_unclaimed_critical_case_is_escalated_once_after_five_minutes(
        runtime: Runtime) -> None:
    queue = runtime.service.queue
    case = await open_case(runtime)
    assert case.priority == "critical"
    when = {"t": case.created_at + 4 * MINUTE}
    watch = Watch(runtime.store.client, get_settings().handoff, LINK, None, clock=at(when))

    assert [c for c in await watch.round() if c[0] == case.case_id] == []
    still = await queue.get(case.case_id)
    assert still is not None and not still.escalated and still.history == []
    assert await events_of(runtime, case.case_id) == ["opened"]

    when["t"] = case.created_at + 6 * MINUTE
    assert (case.case_id, "escalated") in await watch.round()
    late = await queue.get(case.case_id)
    assert late is not None and late.escalated and late.status == "waiting"
    assert late.history == [{"at": when["t"].isoformat(), "who": "system",
                             "action": "escalate"}]
    assert await events_of(runtime, case.case_id) == ["opened", "escalated"]

    when["t"] = case.created_at + 60 * MINUTE
    assert [c for c in await watch.round() if c[0] == case.case_id] == []
    again = await queue.get(case.case_id)
    assert again is not None and [h["action"] for h in again.history] == ["escalate"]
    assert await events_of(runtime, case.case_id) == ["opened", "escalated"], "escalated once"


async def test_a_case_returned_to_the_queue_is_escalated_again(runtime: Runtime) -> None:
    """Escalated, claimed, left without a reply, returned: it waits again past its SLA, so
    supervisors must hear of it again."""
    queue = runtime.service.queue
    case = await open_case(runtime)
    when = {"t": case.created_at + 6 * MINUTE}
    watch = Watch(runtime.store.client, get_settings().handoff, LINK, None, clock=at(when))
    assert (case.case_id, "escalated") in await watch.round()
    await queue.claim(case.case_id, "kim", case.created_at + 7 * MINUTE)
    when["t"] = case.created_at + 18 * MINUTE
    assert (case.case_id, "returned") in await watch.round()
    returned = await queue.get(case.case_id)
    assert returned is not None and returned.status == "waiting" and not returned.escalated
    when["t"] = case.created_at + 19 * MINUTE
    assert (case.case_id, "escalated") in await watch.round()
    assert await events_of(runtime, case.case_id) == [
        "opened", "escalated", "claimed", "returned", "escalated"]


async def test_a_claim_without_a_reply_goes_back_to_the_queue(runtime: Runtime) -> None:
    queue = runtime.service.queue
    silent = await open_case(runtime)
    answered = await open_case(runtime)
    claimed_at = max(silent.created_at, answered.created_at) + MINUTE
    await queue.claim(silent.case_id, "kim", claimed_at)
    await queue.claim(answered.case_id, "lee", claimed_at)
    await queue.reply(answered.case_id, "lee", "상담원 이수진입니다. 지금 어디 계세요?",
                      claimed_at + 5 * MINUTE)
    mine = {silent.case_id, answered.case_id}
    when = {"t": claimed_at + 9 * MINUTE}
    watch = Watch(runtime.store.client, get_settings().handoff, LINK, None, clock=at(when))

    assert [c for c in await watch.round() if c[0] in mine] == []

    when["t"] = claimed_at + 11 * MINUTE  # past reply_minutes (10) for the silent claim only
    assert [c for c in await watch.round() if c[0] in mine] == [(silent.case_id, "returned")]
    back = await queue.get(silent.case_id)
    assert back is not None
    assert (back.status, back.assignee, back.claimed_at) == ("waiting", None, None)
    assert back.history[-1] == {"at": when["t"].isoformat(), "who": "system",
                                "action": "return", "assignee": "kim"}
    assert silent.case_id in {c.case_id for c in await queue.open_cases()}
    assert await events_of(runtime, silent.case_id) == ["opened", "claimed", "returned"]
    kept = await queue.get(answered.case_id)
    assert kept is not None and (kept.status, kept.assignee) == ("claimed", "lee")

    when["t"] = claimed_at + 16 * MINUTE  # eleven minutes after the reply
    assert (answered.case_id, "returned") in await watch.round()
    later = await queue.get(answered.case_id)
    assert later is not None and (later.status, later.assignee) == ("waiting", None)


# ---- notices ---------------------------------------------------------------------------------

async def test_critical_cases_and_escalations_are_told_to_the_caseworkers_chat(
        api: FakeBotAPI, runtime: Runtime) -> None:
    redis = runtime.store.client
    await cursor_at_end(runtime)
    watch = Watch(redis, get_settings().handoff, LINK, notifier(api))
    critical = await open_case(runtime)
    normal = await open_case(runtime, NORMAL)
    high = await open_case(runtime, HIGH)
    assert (critical.priority, normal.priority, high.priority) == ("critical", "normal", "high")

    assert await watch.send_notices() == 1
    [notice] = texts(api)
    assert "위급" in notice and REASON["suicide"] in notice
    assert f"http://dash.test/cases/{critical.case_id}" in notice
    assert CRITICAL not in notice and "죽고" not in notice, "never what the resident wrote"
    assert critical.chat_id not in notice
    assert about(api, normal.case_id) == [] and about(api, high.case_id) == []

    assert await watch.send_notices() == 0, "the cursor remembers what was told"
    assert len(texts(api)) == 1
    last = await redis.xrevrange(keys.HANDOFF_STREAM, count=1)
    assert await redis.get(keys.HANDOFF_NOTIFIED) == last[0][0]

    # a crisis in the high case raises it to critical: told, with the new reason
    turn = await runtime.service.handle("console", high.chat_id, CRITICAL)
    assert turn.state.case_id == high.case_id
    assert (await events_of(runtime, high.case_id))[-1] == "raised"
    assert await watch.send_notices() == 1
    [raised] = about(api, high.case_id)
    assert "위급" in raised and REASON["suicide"] in raised and CRITICAL not in raised

    # five minutes unclaimed: the escalations are told (the normal case is not yet due)
    mine = {critical.case_id, high.case_id, normal.case_id}
    when = {"t": critical.created_at + 6 * MINUTE}
    late = Watch(redis, get_settings().handoff, LINK, notifier(api), clock=at(when))
    assert sorted(c for c in await late.round() if c[0] in mine) == sorted(
        [(critical.case_id, "escalated"), (high.case_id, "escalated")])
    told = about(api, critical.case_id)
    assert len(told) == 2 and told[0] == notice
    assert "기한" in told[1] and "우선순위 위급" in told[1] and REASON["suicide"] in told[1]
    assert told[1].endswith(f"\nhttp://dash.test/cases/{critical.case_id}")
    assert len(about(api, high.case_id)) == 2 and about(api, normal.case_id) == []

    assert [c for c in await late.round() if c[0] in mine] == []
    assert len(about(api, critical.case_id)) == 2 and len(about(api, high.case_id)) == 2
    assert all(CRITICAL not in t and HIGH not in t for t in texts(api))


async def test_the_first_run_starts_at_the_end_of_the_stream(api: FakeBotAPI,
                                                             runtime: Runtime) -> None:
    redis = runtime.store.client
    before = await open_case(runtime)  # on the stream before the watch ever ran
    await redis.delete(keys.HANDOFF_NOTIFIED)
    watch = Watch(redis, get_settings().handoff, LINK, notifier(api))

    assert await watch.send_notices() == 0
    assert texts(api) == [], "the history is not replayed"
    last = await redis.xrevrange(keys.HANDOFF_STREAM, count=1)
    assert await redis.get(keys.HANDOFF_NOTIFIED) == last[0][0]

    after = await open_case(runtime)
    assert await watch.send_notices() == 1
    assert len(about(api, after.case_id)) == 1 and about(api, before.case_id) == []


# ---- at least once ---------------------------------------------------------------------------

async def test_a_notice_that_fails_is_sent_on_the_next_pass_and_only_once(
        api: FakeBotAPI, runtime: Runtime) -> None:
    redis = runtime.store.client
    await cursor_at_end(runtime)
    first, second, third = [await open_case(runtime) for _ in range(3)]
    real = notifier(api)
    calls = 0

    async def notify(text: str) -> None:  # the gateway goes down after the first notice
        nonlocal calls
        calls += 1
        if calls == 2:
            api.fail_next("sendMessage", 502, chat_id=NOTIFY_CHAT)
        await real(text)

    watch = Watch(redis, get_settings().handoff, LINK, notify)
    with pytest.raises(NetworkError):
        await watch.send_notices()
    assert [len(about(api, c.case_id)) for c in (first, second, third)] == [1, 0, 0]
    cursor = await redis.get(keys.HANDOFF_NOTIFIED)
    assert stream_id(await entry_of(runtime, first.case_id, "opened")) <= stream_id(cursor)
    assert stream_id(cursor) < stream_id(await entry_of(runtime, second.case_id, "opened")), \
        "the cursor must not pass a notice that was not sent"
    assert [c.status for c in api.calls("sendMessage")] == [200, 502]

    assert await watch.send_notices() == 2
    assert [len(about(api, c.case_id)) for c in (first, second, third)] == [1, 1, 1]
    assert await watch.send_notices() == 0
    assert len(texts(api)) == 3


async def test_an_unreachable_bot_api_loses_nothing_across_a_restart(
        api: FakeBotAPI, runtime: Runtime) -> None:
    redis = runtime.store.client
    await cursor_at_end(runtime)
    case = await open_case(runtime)
    nowhere = telegram_notifier(api.token, f"http://127.0.0.1:{free_port()}/bot",
                                str(NOTIFY_CHAT))
    down = Watch(redis, get_settings().handoff, LINK, nowhere)
    with pytest.raises(NetworkError):
        await down.round()
    with pytest.raises(NetworkError):
        await down.send_notices()
    assert texts(api) == []

    restarted = Watch(redis, get_settings().handoff, LINK, notifier(api))
    assert await restarted.send_notices() == 1
    assert len(about(api, case.case_id)) == 1


async def stop_all(watches: list[Watch], tasks: list[asyncio.Task[None]],
                   timeout: float = 5) -> None:
    """stop() and wait for the runs to end by themselves (never cancelled unless stuck)."""
    for watch in watches:
        watch.stop()
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:  # the test fails below; do not leave a run behind
        task.cancel()
    assert not pending, "stop() did not end run() promptly"
    for task in tasks:
        assert task.exception() is None


async def test_a_failing_round_is_logged_and_retried_by_the_running_watch(
        api: FakeBotAPI, runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    redis = runtime.store.client
    await redis.delete(keys.HANDOFF_WATCH)
    await cursor_at_end(runtime)
    case = await open_case(runtime)
    api.fail_next("sendMessage", 502, times=2, chat_id=NOTIFY_CHAT)
    fast = get_settings().handoff.model_copy(update={"check_seconds": 0.1})
    watch = Watch(redis, fast, LINK, notifier(api), lease_seconds=5)
    caplog.set_level(logging.ERROR, logger="bokji.handoff")
    task = asyncio.create_task(watch.run())
    try:
        await api.awaits_for(lambda: len(about(api, case.case_id)) == 1, timeout=10)
        await asyncio.sleep(0.3)  # a few more rounds: nothing sent again
    finally:
        await stop_all([watch], [task])
    assert len(about(api, case.case_id)) == 1
    failed = [r.getMessage() for r in caplog.records if "round failed" in r.getMessage()]
    assert failed == ["handoff watch round failed: NetworkError"] * 2
    assert all(CRITICAL not in r.getMessage() for r in caplog.records)
    assert await redis.get(keys.HANDOFF_WATCH) is None, "the lease is let go at the end"


# ---- one watch at a time ---------------------------------------------------------------------

async def test_of_two_running_watches_one_works_and_the_other_takes_over(
        api: FakeBotAPI, runtime: Runtime) -> None:
    redis = runtime.store.client
    await redis.delete(keys.HANDOFF_WATCH)
    await cursor_at_end(runtime)
    fast = get_settings().handoff.model_copy(update={"check_seconds": 0.1})
    rounds = [0, 0]

    def counting(i: int) -> Callable[[], dt.datetime]:
        def now() -> dt.datetime:  # the clock is read once per round: who did the work
            rounds[i] += 1
            return dt.datetime.now(dt.UTC)
        return now

    watches = [Watch(redis, fast, LINK, notifier(api), lease_seconds=5, clock=counting(i))
               for i in range(2)]
    tasks = [asyncio.create_task(w.run()) for w in watches]
    try:
        case = await open_case(runtime)
        # well within the lease's 5 s: the holder keeps renewing it, round after round
        await api.awaits_for(lambda: len(about(api, case.case_id)) == 1, timeout=3)
        before = sum(rounds)
        # several more rounds (each reads every open case: slower on a Redis holding many)
        deadline = time.monotonic() + 4
        while sum(rounds) < before + 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert sum(rounds) >= before + 3, f"rounds per watch: {rounds}"
        assert len(about(api, case.case_id)) == 1, "told once, not once per watch"
        assert await redis.get(keys.HANDOFF_WATCH) is not None
        assert 0 < await redis.pttl(keys.HANDOFF_WATCH) <= 5000
        assert sorted(r > 0 for r in rounds) == [False, True], f"rounds per watch: {rounds}"
        holder = 0 if rounds[0] else 1
        other = 1 - holder

        # the holder stops: its lease is let go and the other watch carries on
        await stop_all([watches[holder]], [tasks[holder]])
        later = await open_case(runtime)
        await api.awaits_for(lambda: len(about(api, later.case_id)) == 1, timeout=3)
        assert rounds[other] > 0
        assert len(about(api, case.case_id)) == 1
    finally:
        await stop_all(watches, tasks)
    assert await redis.get(keys.HANDOFF_WATCH) is None


# ---- notice_text -----------------------------------------------------------------------------

def test_notices_are_for_new_critical_cases_raises_to_critical_and_escalations() -> None:
    link = "http://dash.test"
    opened = notice_text("opened", "c1", "critical", "abuse", link)
    assert opened is not None and "위급" in opened and REASON["abuse"] in opened
    assert opened.endswith("\nhttp://dash.test/cases/c1")
    raised = notice_text("raised", "c2", "critical", "suicide", link)
    assert raised is not None and "위급" in raised and raised.endswith("/cases/c2")
    for priority in ("critical", "high", "normal"):
        escalated = notice_text("escalated", "c3", priority, "request", link)
        assert escalated is not None and f"우선순위 {PRIORITY[priority]}" in escalated
        assert REASON["request"] in escalated and escalated.endswith("/cases/c3")

    for priority in ("high", "normal"):
        assert notice_text("opened", "c", priority, "livelihood", link) is None
        assert notice_text("raised", "c", priority, "livelihood", link) is None
    for event in ("claimed", "released", "reassigned", "replied", "noted", "closed",
                  "returned", "message", "discarded", ""):
        assert notice_text(event, "c", "critical", "suicide", link) is None, event

    # every reason a case can have reads in Korean; an unknown one is shown as it is
    assert set(get_settings().handoff.priorities) <= set(REASON)
    assert "odd-reason" in (notice_text("opened", "c", "critical", "odd-reason", link) or "")

