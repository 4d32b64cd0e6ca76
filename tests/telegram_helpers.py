"""Shared by the Telegram tests and bench/telegram.py: a running in-process worker against the
fake Bot API server, a config folder with fast timings for worker processes, and waiting."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.channels.telegram.commands import make_bot, wording_registry
from bot.channels.telegram.worker import Worker
from bot.dialogue.conversation import Dialogue
from bot.dialogue.runtime import Runtime, build_runtime
from bot.dialogue.state import Turn
from bot.settings import Settings, TelegramSettings, get_settings

ROOT = Path(__file__).resolve().parent.parent
FAST = {"lock_seconds": 2, "sweep_seconds": 0.2, "backoff_seconds": 0.05, "send_attempts": 8,
        "poll_timeout_seconds": 1}


def new_chat() -> int:
    """A chat id no earlier run used (a Redis server keeps earlier runs' keys)."""
    return 10**9 + secrets.randbelow(10**9)


def first_update_id() -> int:
    """Update ids are remembered for 48 h; each run numbers its updates afresh."""
    return (int(time.time() * 1000) % 10**11) * 1000


def fast_settings(**telegram: Any) -> Settings:
    settings = get_settings().model_copy(deep=True)
    settings.telegram = TelegramSettings.model_validate(
        {**settings.telegram.model_dump(), **FAST, **telegram})
    return settings


@dataclass
class Running:
    worker: Worker
    runtime: Runtime
    turns: dict[int, list[Turn]] = field(default_factory=dict)

    async def idle(self, chat: int, turns: int, timeout: float = 15) -> None:
        """Wait until the chat has had `turns` dialogue turns and nothing waits to be sent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.turns.get(chat, [])) >= turns and \
                    await self.worker.mailbox.waiting(chat) == (0, 0):
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"chat {chat}: {len(self.turns.get(chat, []))} turns of {turns}, "
                             f"waiting {await self.worker.mailbox.waiting(chat)}")

    async def settled(self, chat: int, timeout: float = 15) -> None:
        """Wait until nothing of the chat waits to be handled or sent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self.worker.mailbox.waiting(chat) == (0, 0):
                await asyncio.sleep(0.05)
                if await self.worker.mailbox.waiting(chat) == (0, 0):
                    return
            await asyncio.sleep(0.01)
        left = await self.worker.mailbox.waiting(chat)
        raise AssertionError(f"chat {chat} still waiting (inbox, outbox): {left}")


@asynccontextmanager
async def running_worker(fake: Any, dialogue: Dialogue, redis_url: str,
                         settings: Settings | None = None, poll: bool = True,
                         on_turn: Callable[[int, Turn], None] | None = None,
                         ) -> AsyncIterator[Running]:
    settings = settings or fast_settings()
    runtime = await build_runtime(settings, dialogue, redis_url)
    bot = make_bot(fake.token, fake.base_url, settings.telegram)
    holder: dict[int, list[Turn]] = {}

    def record(chat: int, turn: Turn) -> None:
        holder.setdefault(chat, []).append(turn)
        if on_turn is not None:
            on_turn(chat, turn)

    worker = Worker(bot, runtime.service, wording_registry(settings).current, settings,
                    on_turn=record)
    await worker.start(poll=poll)
    try:
        yield Running(worker, runtime, holder)
    finally:
        await worker.stop(grace=5)
        await runtime.close()


# ---- worker processes ---------------------------------------------------------------------

def config_folder(target: Path, **telegram: Any) -> Path:
    """A config.yml with fast timings beside links to the project's data, for subprocesses."""
    target.mkdir(parents=True, exist_ok=True)
    for name in ("rules", "nlu", "responses", "stories", "models"):
        link = target / name
        if not link.exists():
            link.symlink_to(ROOT / name)
    raw = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    raw["telegram"] = {**raw.get("telegram", {}), **FAST, **telegram}
    path = target / "config.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class WorkerProcess:
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WorkerProcess:
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "bokji"), "telegram", "--webhook", "--port",
             str(self.port)],
            env=self.env, stdout=out, stderr=out, cwd=ROOT)
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"worker not ready: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.terminate()
            try:
                return self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


def worker_env(fake: Any, redis_url: str, config: Path, secret: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
                "TELEGRAM_WEBHOOK_SECRET": secret, "REDIS_URL": redis_url,
                "BOKJI_CONFIG": str(config), "PYTHONUNBUFFERED": "1"})
    return env
