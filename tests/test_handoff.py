"""The caseworker side of the queue on real Redis: claim races, release, close, SLA."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets

import pytest

from bot.dialogue.runtime import Runtime
from bot.handoff.cases import Case, CaseMissing, HandoffQueue, NotAllowed
from bot.settings import get_settings
from bot.store import keys

pytestmark = pytest.mark.redis

T0 = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


async def open_case(runtime: Runtime, text: str = "죽고 싶어요") -> Case:
    chat = f"handoff-{secrets.token_hex(6)}"
    turn = await runtime.service.handle("console", chat, text)
    assert turn.state.case_id
    case = await runtime.service.queue.get(turn.state.case_id)
    assert case is not None
    return case


async def test_of_many_simultaneous_claims_exactly_one_wins(runtime: Runtime) -> None:
    case = await open_case(runtime)
    queues = [HandoffQueue(runtime.store.client) for _ in range(20)]

    async def claim(i: int) -> str | None:
        try:
            await queues[i].claim(case.case_id, f"worker{i}", T0)
            return f"worker{i}"
        except NotAllowed:
            return None

    winners = [w for w in await asyncio.gather(*(claim(i) for i in range(20))) if w]
    assert len(winners) == 1
    stored = await runtime.service.queue.get(case.case_id)
    assert stored is not None and stored.status == "claimed" and stored.assignee == winners[0]
    assert [h["action"] for h in stored.history] == ["claim"]


async def test_only_the_assignee_releases_or_closes(runtime: Runtime) -> None:
    queue = runtime.service.queue
    case = await open_case(runtime)
    await queue.claim(case.case_id, "kim", T0)
    with pytest.raises(NotAllowed):
        await queue.release(case.case_id, "lee", T0)
    with pytest.raises(NotAllowed):
        await queue.close(case.case_id, "lee", "helped", "", T0)
    released = await queue.release(case.case_id, "kim", T0)
    assert released.status == "waiting" and released.assignee is None
    with pytest.raises(CaseMissing):
        await queue.claim("no-such-case", "kim", T0)


async def test_closing_takes_it_off_the_queue_and_gives_the_chat_back(runtime: Runtime) -> None:
    queue = runtime.service.queue
    case = await open_case(runtime)
    await queue.claim(case.case_id, "kim", T0)
    closed = await queue.close(case.case_id, "kim", "referred", "109 연결 확인", T0)
    assert closed.status == "closed" and closed.outcome == "referred"
    assert closed.notes == ["109 연결 확인"]
    assert case.case_id not in {c.case_id for c in await queue.open_cases()}
    assert await queue.case_of(case.conversation_id) is None
    with pytest.raises(NotAllowed):
        await queue.claim(case.case_id, "lee", T0)


async def test_a_supervisor_reassigns(runtime: Runtime) -> None:
    queue = runtime.service.queue
    case = await open_case(runtime, "상담원 연결해 주세요")
    await queue.claim(case.case_id, "kim", T0)
    moved = await queue.reassign(case.case_id, "park", "supervisor", T0)
    assert moved.assignee == "park"
    assert moved.history[-1] == {"at": T0.isoformat(), "who": "supervisor",
                                 "action": "reassign", "to": "park"}


async def test_sla_escalates_unclaimed_and_returns_silent_claims(runtime: Runtime) -> None:
    queue = runtime.service.queue
    sla = get_settings().handoff
    waiting = await open_case(runtime)                    # critical: 5 minutes unclaimed
    claimed = await open_case(runtime, "전기가 끊겼어요 먹을 것도 없어요")  # high
    await queue.claim(claimed.case_id, "kim", claimed.created_at)
    early = claimed.created_at + dt.timedelta(minutes=4)
    mine = {waiting.case_id, claimed.case_id}
    assert [h for h in await queue.check_sla(early, sla.unclaimed_minutes, sla.reply_minutes)
            if h[0] in mine] == []
    late = claimed.created_at + dt.timedelta(minutes=61)
    happened = [h for h in await queue.check_sla(late, sla.unclaimed_minutes,
                                                 sla.reply_minutes) if h[0] in mine]
    assert sorted(happened) == sorted([(waiting.case_id, "escalated"),
                                       (claimed.case_id, "returned")])
    again = [h for h in await queue.check_sla(late, sla.unclaimed_minutes, sla.reply_minutes)
             if h[0] == waiting.case_id]
    assert again == [], "escalated once"
    back = await queue.get(claimed.case_id)
    assert back is not None and back.status == "waiting" and back.assignee is None
    events = await runtime.store.client.xrevrange(keys.HANDOFF_STREAM, count=50)
    assert {"escalated", "returned"} <= {e[1]["event"] for e in events}


async def test_cases_show_prints_the_whole_case(runtime: Runtime, redis_url: str) -> None:
    from tests.cli import bokji

    case = await open_case(runtime, "제 번호 010-1234-5678 인데 죽고 싶어요")
    run = await asyncio.to_thread(bokji, "cases", "show", case.case_id,
                                  env={"REDIS_URL": redis_url})
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout)
    assert shown["case_id"] == case.case_id and shown["priority"] == "critical"
    assert "010-1234-5678" not in run.stdout, "personal numbers stay masked"
    missing = await asyncio.to_thread(bokji, "cases", "show", "nope",
                                      env={"REDIS_URL": redis_url})
    assert missing.returncode == 1
    assert missing.stderr.strip() == "bokji cases show: no case 'nope'"
    # the look at the case is in the audit log, which the CLI prints as JSON lines
    log = await asyncio.to_thread(bokji, "cases", "audit", "--case", case.case_id,
                                  env={"REDIS_URL": redis_url})
    lines = [json.loads(line) for line in log.stdout.splitlines()]
    assert [(x["who"], x["action"]) for x in lines] == [
        ("bot", "opened"), (lines[1]["who"], "view")]
    assert lines[1]["who"].startswith("cli:")


# ---- accounts -----------------------------------------------------------------------------

async def test_accounts_hash_passwords_and_disabled_ones_cannot_log_in(runtime: Runtime) -> None:
    from bot.handoff.accounts import AccountError, Accounts

    accounts = Accounts(runtime.store.client)
    name = f"kim-{secrets.token_hex(3)}"
    account = await accounts.add(name, "correct horse battery")
    assert account.password_hash.startswith("$argon2id$")
    assert "correct horse" not in (await runtime.store.client.hget(keys.ACCOUNTS, name))
    assert (await accounts.verify(name, "correct horse battery")) is not None
    assert await accounts.verify(name, "wrong password!!") is None
    assert await accounts.verify("nobody-" + name, "correct horse battery") is None
    with pytest.raises(AccountError):
        await accounts.add(name, "another password")
    with pytest.raises(AccountError):
        await accounts.add(f"lee-{secrets.token_hex(3)}", "short")
    await accounts.disable(name)
    assert await accounts.verify(name, "correct horse battery") is None


async def test_caseworkers_commands(redis_url: str) -> None:
    from tests.cli import bokji

    name = f"park-{secrets.token_hex(3)}"
    env = {"REDIS_URL": redis_url}
    added = await asyncio.to_thread(bokji, "caseworkers", "add", name, "--supervisor",
                                    "--password-stdin", stdin="a long enough secret\n", env=env)
    assert added.returncode == 0, added.stderr
    again = await asyncio.to_thread(bokji, "caseworkers", "add", name, "--password-stdin",
                                    stdin="a long enough secret\n", env=env)
    assert again.returncode == 1
    assert again.stderr.strip() == f"bokji caseworkers add: an account '{name}' exists already"
    listed = await asyncio.to_thread(bokji, "caseworkers", "list", env=env)
    mine = [json.loads(line) for line in listed.stdout.splitlines()
            if json.loads(line)["name"] == name]
    assert mine and mine[0]["role"] == "supervisor" and mine[0]["active"] is True
    assert "argon2" not in listed.stdout
    disabled = await asyncio.to_thread(bokji, "caseworkers", "disable", name, env=env)
    assert disabled.returncode == 0
    listed = await asyncio.to_thread(bokji, "caseworkers", "list", env=env)
    assert any(json.loads(line) == {**mine[0], "active": False}
               for line in listed.stdout.splitlines())


async def test_a_caseworkers_reply_and_the_closing_reach_the_console_chat(
        runtime: Runtime) -> None:
    """The console prints what the dashboard sends while the resident is in the chat, and
    the bot answers again once the case is closed."""
    import io
    import os

    from bot.channels.console import run

    chat = f"console-{secrets.token_hex(6)}"
    read_fd, write_fd = os.pipe()
    stdin, typed = os.fdopen(read_fd, "r", encoding="utf-8"), os.fdopen(write_fd, "w",
                                                                          encoding="utf-8")
    out = io.StringIO()
    chatting = asyncio.create_task(run(runtime.service, chat, stdin, out, interactive=False))
    queue = runtime.service.queue

    async def printed(text: str) -> None:
        for _ in range(200):
            if text in out.getvalue():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{text!r} not printed; got:\n{out.getvalue()}")

    try:
        typed.write("죽고 싶어요\n")
        typed.flush()
        await printed("109")
        case_id = await queue.case_of(f"console:{chat}")
        assert case_id is not None
        now = dt.datetime.now(dt.UTC)
        await queue.claim(case_id, "kim", now)
        await queue.reply(case_id, "kim", "상담원 김입니다. 지금 어디 계세요?", now)
        await printed("[상담원] 상담원 김입니다. 지금 어디 계세요?")
        typed.write("집이에요\n")
        typed.flush()
        for _ in range(100):  # the relayed message gets no bot reply: wait for the case
            case = await queue.get(case_id)
            assert case is not None
            if case.transcript[-1].text == "집이에요":
                break
            await asyncio.sleep(0.05)
        assert case.transcript[-1].role == "resident" and case.transcript[-1].text == "집이에요"
        closed = runtime.service.dialogue.closed()
        await queue.close(case_id, "kim", "helped", "안전 확인", now, notice=closed)
        await printed(f"[복지 길잡이] {closed.text}")
        typed.write("1\n")  # the menu the closing notice showed: the bot is back
        typed.flush()
        await printed("몇 가지만 여쭤볼게요")
    finally:
        typed.close()
        await asyncio.wait_for(chatting, 10)
        stdin.close()


async def test_a_crisis_right_after_a_close_opens_a_new_case(runtime: Runtime) -> None:
    """The case closes between reading the conversation's link and routing the message to it:
    the message is the bot's again, and a crisis opens a new case rather than being told one
    is already open."""
    queue, redis = runtime.service.queue, runtime.store.client
    case = await open_case(runtime)
    await queue.claim(case.case_id, "kim", T0)
    await queue.close(case.case_id, "kim", "helped", "안전 확인", T0)
    # as a message that read the link just before the close sees it
    await redis.set(keys.conversation_case(case.conversation_id), case.case_id)
    turn = await runtime.service.handle("console", case.chat_id, "또 죽고 싶어요")
    assert "handoff:critical" in turn.actions and "handoff:already" not in turn.actions
    assert turn.state.case_id not in (None, case.case_id)
    assert await queue.case_of(case.conversation_id) == turn.state.case_id
