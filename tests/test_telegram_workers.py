"""Webhook mode with two `bokji telegram --webhook` processes behind one Redis, as behind a
load balancer: interleaved and duplicated updates, Telegram failing now and then, a worker
killed in the middle of a message. Each update must be answered exactly once, in order.

The expected replies come from the same messages run through the dialogue directly (the
console channel's service), so the test knows exactly what each resident must receive.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import sys
from pathlib import Path

import httpx
import pytest

from bot.dialogue.runtime import build_runtime
from bot.settings import get_settings
from tests.fakes.botapi import FakeBotAPI
from tests.telegram_helpers import (
    WorkerProcess,
    config_folder,
    first_update_id,
    free_port,
    new_chat,
    worker_env,
)

pytestmark = pytest.mark.redis

SECRET = "test-secret_" + secrets.token_hex(4)
CONVERSATIONS = [
    ["안녕하세요", "받을 수 있는 복지 찾아 주세요", "72살이에요", "혼자 살아요", "서울 강서구요"],
    ["기초연금이 뭐예요?", "어떻게 신청해요?", "고맙습니다"],
    ["애가 둘인데 받을 수 있는 거 있어요?", "첫째는 5살 둘째는 8개월이에요", "아내랑 넷이 살아요"],
    ["월세가 밀려서 쫓겨나게 생겼어요", "혼자 살고 일자리를 잃었어요"],
]


@pytest.fixture
def workers(fake: FakeBotAPI, redis_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    fake.reset(first_update_id=first_update_id())
    config = config_folder(tmp_path / "config")
    env = worker_env(fake, redis_url, config, SECRET)
    procs = [WorkerProcess(free_port(), env, tmp_path / f"worker{i}.log") for i in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.wait_ready()
    yield procs
    for proc in procs:
        proc.stop()


async def expected_replies(dialogue, redis_url: str, messages: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """What the dialogue answers to these messages, run directly in a fresh conversation."""
    import datetime as dt

    dialogue.today = dt.date.today  # the worker processes read the rules for today
    runtime = await build_runtime(get_settings(), dialogue, redis_url)
    chat = f"expect-{secrets.token_hex(6)}"
    out: list[str] = []
    try:
        for text in messages:
            turn = await runtime.service.handle("console", chat, text)
            out += [reply.text for reply in turn.replies]
    finally:
        case_id = await runtime.service.queue.case_of(f"console:{chat}")
        if case_id is not None:  # this rehearsal's case must not wait ahead of the real one
            await runtime.service.queue.discard(case_id)
        await runtime.service.conversations.delete(f"console:{chat}")
        await runtime.close()
    return [same_shape(text) for text in out]


def same_shape(text: str) -> str:
    """A waiting resident's place in line and the usual wait depend on the other cases in the
    queue at that moment (other residents' crises here), not on the dialogue: compared as N."""
    return re.sub(r"\d+(번째로|분 안에)", r"N\1", text)


async def post(client: httpx.AsyncClient, worker: WorkerProcess, update: dict,  # type: ignore[type-arg]
               secret: str = SECRET) -> int:
    response = await client.post(worker.url + "/telegram", json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": secret})
    return response.status_code


async def converse(client: httpx.AsyncClient, fake: FakeBotAPI, workers: list[WorkerProcess],
                   chat: int, messages: list[str], offset: int) -> None:
    """One resident: each update to the next worker in turn (as a load balancer would), every
    other one delivered to both (as Telegram does when an answer was slow)."""
    for i, text in enumerate(messages):
        update = fake.make_message_update(chat, text)
        target = workers[(i + offset) % 2]
        if i % 2:
            statuses = await asyncio.gather(post(client, target, update),
                                            post(client, workers[(i + offset + 1) % 2], update))
        else:
            statuses = [await post(client, target, update)]
        assert statuses and all(s == 200 for s in statuses)


def delivered(fake: FakeBotAPI, chat: int) -> list[str]:
    return [same_shape(m.text) for m in fake.messages(chat)]


async def wait_for_replies(fake: FakeBotAPI, chats: dict[int, list[str]],
                           timeout: float = 60) -> None:
    await fake.awaits_for(lambda: all(len(delivered(fake, c)) >= len(want)
                                      for c, want in chats.items()), timeout=timeout)
    await asyncio.sleep(1.0)  # anything sent twice would arrive by now


async def test_the_webhook_refuses_requests_without_the_secret(workers) -> None:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient() as client:
        update = {"update_id": 1, "message": {}}
        assert await post(client, workers[0], update, secret="") == 403
        assert await post(client, workers[0], update, secret="wrong") == 403
        response = await client.post(workers[0].url + "/telegram", content=b"not json",
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert response.status_code == 400


async def test_two_workers_answer_each_update_once_and_in_order(fake, workers, dialogue,  # type: ignore[no-untyped-def]
                                                                redis_url) -> None:
    chats = {new_chat(): messages for messages in CONVERSATIONS}
    want = {chat: await expected_replies(dialogue, redis_url, messages)
            for chat, messages in chats.items()}
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(converse(client, fake, workers, chat, messages, n)
                               for n, (chat, messages) in enumerate(chats.items())))
    await wait_for_replies(fake, want)
    for chat, replies in want.items():
        assert delivered(fake, chat) == replies


async def test_telegram_failing_now_and_then_loses_and_repeats_nothing(fake, workers,  # type: ignore[no-untyped-def]
                                                                       dialogue,
                                                                       redis_url) -> None:
    fake.random_faults(rate_429=0.1, rate_502=0.15, seed=7, methods={"sendMessage"},
                       retry_after=1)
    chats = {new_chat(): messages for messages in CONVERSATIONS[:3]}
    want = {chat: await expected_replies(dialogue, redis_url, messages)
            for chat, messages in chats.items()}
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(converse(client, fake, workers, chat, messages, n)
                               for n, (chat, messages) in enumerate(chats.items())))
    await wait_for_replies(fake, want, timeout=90)
    failed = [c for c in fake.calls("sendMessage") if c.status in (429, 502)]
    assert len(failed) >= 3, "the faults really happened"
    for chat, replies in want.items():
        assert delivered(fake, chat) == replies


async def test_a_worker_killed_mid_message_loses_and_repeats_nothing(fake, workers, dialogue,  # type: ignore[no-untyped-def]
                                                                     redis_url) -> None:
    messages = CONVERSATIONS[0]
    want = await expected_replies(dialogue, redis_url, messages)
    chat = new_chat()
    victim, other = workers
    fake.hold(chat)  # Telegram does not answer: the first reply is in flight when it dies
    updates = [fake.make_message_update(chat, text) for text in messages]
    async with httpx.AsyncClient(timeout=30) as client:
        for update in updates:  # all to the victim, which is stuck on the first reply
            assert await post(client, victim, update) == 200
        await fake.awaits_for(lambda: fake.held(chat) == 1)
        victim.kill()
        fake.release(chat)  # its request died with it: Telegram never got that message
        # Telegram, having had no answer, may deliver an update again, to the other worker
        assert await post(client, other, updates[-1]) == 200
        victim.start()
        victim.wait_ready()
    await wait_for_replies(fake, {chat: want})
    assert delivered(fake, chat) == want


def test_polling_process_answers_and_stops_cleanly_on_sigterm(fake, redis_url,  # type: ignore[no-untyped-def]
                                                              tmp_path: Path) -> None:
    import signal
    import subprocess

    fake.reset(first_update_id=first_update_id())
    env = worker_env(fake, redis_url, config_folder(tmp_path / "config"), SECRET)
    log = (tmp_path / "poller.log").open("wb")
    process = subprocess.Popen([str(Path(sys.executable).parent / "bokji"), "telegram"],
                               env=env, stdout=log, stderr=log)
    try:
        chat = new_chat()
        fake.push_message(chat, "/start")
        fake.wait_for(lambda: len(fake.messages(chat)) == 2, timeout=60)
        assert fake.calls("deleteWebhook"), "polling clears a webhook first"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    text = (tmp_path / "poller.log").read_text(encoding="utf-8")
    assert "Traceback" not in text
    assert "/start" not in text, "no message text in the logs"


def test_missing_token_or_secret_is_one_line(tmp_path: Path) -> None:
    import os
    import subprocess

    bokji = str(Path(sys.executable).parent / "bokji")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    no_token = subprocess.run([bokji, "telegram"], env=env, capture_output=True, text=True)
    assert no_token.returncode == 2
    assert no_token.stderr.strip().splitlines() == [
        "bokji telegram: set TELEGRAM_BOT_TOKEN (from @BotFather)"]
    env["TELEGRAM_BOT_TOKEN"] = "123:abc"
    no_secret = subprocess.run([bokji, "telegram", "--webhook"], env=env, capture_output=True,
                               text=True)
    assert no_secret.returncode == 2
    assert len(no_secret.stderr.strip().splitlines()) == 1
    assert "TELEGRAM_WEBHOOK_SECRET" in no_secret.stderr


async def test_redis_away_means_503_and_a_crisis_still_gets_its_hotline(  # type: ignore[no-untyped-def]
        fake, tmp_path: Path) -> None:
    from bot.store.connection import start_embedded

    fake.reset(first_update_id=first_update_id())
    server = start_embedded(tmp_path / "own-redis")
    env = worker_env(fake, f"unix://{server.socket_file}", config_folder(tmp_path / "config"),
                     SECRET)
    worker = WorkerProcess(free_port(), env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        server.shutdown(save=False)
        calm, urgent = new_chat(), new_chat()
        async with httpx.AsyncClient(timeout=30) as client:
            assert (await client.get(worker.url + "/healthz")).status_code == 503
            question = fake.make_message_update(calm, "기초연금이 뭐예요?")
            assert await post(client, worker, question) == 503
            crisis = fake.make_message_update(urgent, "죽고 싶어요")
            assert await post(client, worker, crisis) == 503
            assert await post(client, worker, crisis) == 503  # Telegram's redelivery
        await fake.awaits_for(lambda: len(fake.messages(urgent)) >= 1, timeout=20)
        await asyncio.sleep(0.5)
        assert fake.messages(calm) == []
        assert "109" in " ".join(m.text for m in fake.messages(urgent))
        assert len(fake.messages(urgent)) == 2, "hotline and 'try again later', once"
    finally:
        worker.stop()
