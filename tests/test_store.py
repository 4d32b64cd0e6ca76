"""State, transcripts, locks and handoff cases on a real Redis (embedded, or REDIS_URL)."""

from __future__ import annotations

import asyncio
import json
import secrets

import pytest
import redis.asyncio as aredis

from bot.dialogue.runtime import Runtime
from bot.dialogue.service import Service
from bot.dialogue.state import State
from bot.handoff.cases import HandoffQueue
from bot.settings import get_settings
from bot.store import keys
from bot.store.connection import Store, StoreUnavailable, connect
from bot.store.conversations import Busy, Conversations, Entry

pytestmark = pytest.mark.redis


_RUN = secrets.token_hex(3)  # a Redis server keeps cases of earlier runs: names differ per run


def _cid(request: pytest.FixtureRequest) -> str:
    return f"test-{_RUN}-{request.node.name}"


async def test_a_turn_stores_state_and_masked_transcript_with_ttls(
        runtime: Runtime, request: pytest.FixtureRequest) -> None:
    chat = _cid(request)
    service, redis = runtime.service, runtime.store.client
    await service.conversations.delete(f"console:{chat}")
    turn = await service.handle("console", chat, "72살이고 혼자 살아요 제 번호는 010-1234-5678")
    state = State.model_validate_json(await redis.get(keys.state(f"console:{chat}")))
    assert state.facts["age"] == 72 and state == turn.state
    idle = keys.idle_seconds(get_settings().dialogue.idle_days)
    for key in (keys.state(f"console:{chat}"), keys.transcript(f"console:{chat}")):
        assert idle - 5 <= await redis.ttl(key) <= idle
    log = await service.conversations.transcript(f"console:{chat}")
    assert [e.role for e in log][:2] == ["resident", "bot"]
    assert "010-****-5678" in log[0].text and "1234" not in log[0].text
    assert log[0].intent == "inform"
    raw = await redis.lrange(keys.transcript(f"console:{chat}"), 0, -1)
    assert all("1234-5678" not in line for line in raw)


async def test_urgent_message_opens_a_case_in_the_same_write(
        runtime: Runtime, request: pytest.FixtureRequest) -> None:
    chat = _cid(request)
    service, redis = runtime.service, runtime.store.client
    await service.conversations.delete(f"console:{chat}")
    await service.handle("console", chat, "68살이에요")
    turn = await service.handle("console", chat, "남편이 때려서 너무 무서워요")
    case_id = turn.state.case_id
    assert case_id is not None and "handoff:critical" in turn.actions
    case = await service.queue.get(case_id)
    assert case is not None and case.priority == "critical" and case.reason == "abuse"
    assert case.profile["age"] == 68
    assert case.results["basic_pension"]["status"] in ("eligible", "unknown", "ineligible")
    assert [e.role for e in case.transcript][:2] == ["resident", "bot"]
    assert case_id in await redis.zrange(keys.OPEN_CASES, 0, -1)
    stream = await redis.xrange(keys.HANDOFF_STREAM, "-", "+")
    assert any(fields["case_id"] == case_id and fields["priority"] == "critical"
               for _, fields in stream)
    assert await service.queue.case_of(f"console:{chat}") == case_id
    # a second crisis goes to the open case (hotline again) instead of opening another
    again = await service.handle("console", chat, "오늘도 남편한테 맞았어요")
    assert again.state.case_id == case_id
    assert again.actions == ["hotline:abuse", "handoff:waiting"]
    case = await service.queue.get(case_id)
    assert case is not None
    assert [(e.role, e.text) for e in case.transcript][-3][1] == "오늘도 남편한테 맞았어요"
    assert [c.case_id for c in await service.queue.open_cases()].count(case_id) == 1


async def test_queue_orders_by_priority_then_waiting_time(
        runtime: Runtime, request: pytest.FixtureRequest) -> None:
    service = runtime.service
    chats = [f"{_cid(request)}-{i}" for i in range(3)]
    for chat in chats:
        await service.conversations.delete(f"console:{chat}")
    await service.handle("console", chats[0], "상담원 연결해 주세요")
    await service.handle("console", chats[1], "가스가 끊기고 먹을 게 없어요")
    await service.handle("console", chats[2], "죽고 싶어요")
    order = [c.chat_id for c in await service.queue.open_cases() if c.chat_id in chats]
    assert order == [chats[2], chats[1], chats[0]]


async def test_nothing_is_half_written_when_a_turn_fails(
        runtime: Runtime, request: pytest.FixtureRequest) -> None:
    conv = runtime.service.conversations
    cid = f"console:{_cid(request)}"
    await conv.delete(cid)

    def explode(pipe: object) -> None:
        raise RuntimeError("worker died mid-turn")

    with pytest.raises(RuntimeError):
        await conv.commit(cid, State(facts={"age": 1}), [Entry.now("resident", "x")], explode)
    assert await conv.load(cid, State) is None
    assert await conv.transcript(cid) == []


async def test_one_resident_is_handled_one_message_at_a_time(
        runtime: Runtime, request: pytest.FixtureRequest) -> None:
    conv = runtime.service.conversations
    cid = f"console:{_cid(request)}"
    inside = 0
    most = 0

    async def work() -> None:
        nonlocal inside, most
        async with conv.lock(cid):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.02)
            inside -= 1

    await asyncio.gather(*(work() for _ in range(8)))
    assert most == 1
    assert await runtime.store.client.get(keys.lock(cid)) is None  # released


async def test_a_busy_conversation_gets_a_polite_wait(runtime: Runtime,
                                                      request: pytest.FixtureRequest) -> None:
    base = runtime.service.conversations
    impatient = Conversations(runtime.store, 30, 500, lock_seconds=5, lock_wait_seconds=0.05)
    cid = f"console:{_cid(request)}"
    async with base.lock(cid):
        with pytest.raises(Busy):
            async with impatient.lock(cid):
                pass
        service = Service(runtime.service.dialogue, impatient, runtime.service.queue)
        turn = await service.handle("console", _cid(request), "죽고 싶어요")
    assert turn.actions == ["busy"]
    assert "109" in "\n".join(r.text for r in turn.replies)  # urgent: hotlines anyway


async def test_redis_unreachable_gives_a_polite_answer_and_the_hotlines(dialogue) -> None:  # type: ignore[no-untyped-def]
    dead = aredis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2,
                        decode_responses=True)
    store = Store(dead, "nowhere")
    service = Service(dialogue, Conversations(store, 30, 500, 30, 1), HandoffQueue(dead))
    calm = await service.handle("console", "x", "기초연금 알려 주세요")
    assert calm.actions == ["unavailable"] and "잠시 후" in calm.replies[0].text
    urgent = await service.handle("console", "x", "더 이상 살고 싶지 않아요")
    text = "\n".join(r.text for r in urgent.replies)
    assert "109" in text and "129" in text
    await dead.aclose()
    with pytest.raises(StoreUnavailable):
        await connect("redis://127.0.0.1:1/0", get_settings().base_dir, timeout=0.2)


async def test_embedded_redis_keeps_data_in_its_folder_across_restarts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "redis"
    store = await connect(None, folder)
    assert "embedded" in store.where
    await store.client.set("bokji:test", json.dumps({"a": 1}))
    await store.close()
    store.embedded.shutdown(save=True)  # the server process stops
    assert (folder / "appendonly.aof").exists() or (folder / "bokji.rdb").exists()
    again = await connect(None, folder)  # a new server process reads the folder
    assert again.embedded.pid != store.embedded.pid
    assert json.loads(await again.client.get("bokji:test")) == {"a": 1}
    await again.close()
    again.embedded.shutdown(save=True)


async def test_delete_erases_the_conversation(runtime: Runtime,
                                              request: pytest.FixtureRequest) -> None:
    chat = _cid(request)
    service = runtime.service
    await service.handle("console", chat, "72살이에요")
    assert await service.conversations.delete(f"console:{chat}") >= 2
    assert await service.conversations.load(f"console:{chat}", State) is None
    assert await service.conversations.transcript(f"console:{chat}") == []


async def test_cases_list_command_prints_the_contract_lines(
        runtime: Runtime, redis_url: str, request: pytest.FixtureRequest) -> None:
    from tests.cli import bokji

    chat = _cid(request)
    await runtime.service.conversations.delete(f"console:{chat}")
    turn = await runtime.service.handle("console", chat, "죽고 싶어요")
    run = await asyncio.to_thread(bokji, "cases", "list", env={"REDIS_URL": redis_url})
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    mine = [c for c in lines if c["case_id"] == turn.state.case_id]
    assert mine and set(mine[0]) == {"case_id", "channel", "chat_id", "priority", "reason",
                                      "status", "created_at"}
    assert mine[0]["priority"] == "critical" and mine[0]["status"] == "waiting"
    assert mine[0]["channel"] == "console" and mine[0]["chat_id"] == chat
