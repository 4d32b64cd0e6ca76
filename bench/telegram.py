"""Benchmark: simulated residents on Telegram, through webhook worker processes and Redis.

Each resident (a chat) writes a scripted conversation (bench/dialogue.py's generator), one
message at a time, waiting for the bot's whole answer before the next, as a person does.
Every update is posted over loopback HTTP to a `bokji telegram --webhook` process (round
robin, as a load balancer would); the replies go to the fake Bot API server (tests/fakes),
which runs in a process of its own and reports each message it receives back to this one.
How many replies each message gets is worked out first by running the same messages through
the dialogue directly, so the load generator waits for exactly those and never polls.

Measured per update: time to the first reply and to the last; updates per second over the
run; resident set size of each worker at the end. Run with 1 worker, then 2.
Everything is local and bounded: at most 500 residents, loopback only.

Run: .venv/bin/python bench/telegram.py [--residents 50] [--workers 1 2] [--seed 7]
     (embedded Redis in a temporary folder; REDIS_URL=redis://127.0.0.1:6379/0 for a server)
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# This file is named telegram.py: take its folder off the path, or `import telegram` (the
# library) would find this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.dialogue import conversation, pct  # noqa: E402
from tests.telegram_helpers import (  # noqa: E402
    WorkerProcess,
    config_folder,
    first_update_id,
    free_port,
    new_chat,
    worker_env,
)

SECRET = "bench-secret"
REPLY_TIMEOUT = float(os.environ.get("BENCH_REPLY_TIMEOUT", "30"))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---- the fake Bot API server, in its own process ----------------------------------------

def serve_fake(ready: Any, sent: Any, stop: Any) -> None:
    from tests.fakes.botapi import FakeBotAPI

    fake = FakeBotAPI().start()
    fake.on_sent(sent.put)
    ready.put((fake.token, fake.base_url))
    stop.wait()
    fake.stop()


class FakeProcess:
    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self.sent = ctx.Queue()
        ready = ctx.Queue()
        self.stop_event = ctx.Event()
        self.process = ctx.Process(target=serve_fake, args=(ready, self.sent, self.stop_event),
                                   daemon=True)
        self.process.start()
        self.token, self.base_url = ready.get(timeout=60)

    def stop(self) -> None:
        self.stop_event.set()
        self.process.join(timeout=10)


class Replies:
    """Counts the messages each chat received, woken by the fake server's reports (read by
    one thread for the whole benchmark, handed to the run in progress)."""

    current: Replies | None = None

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.counts: dict[int, int] = {}
        self.events: dict[int, asyncio.Event] = {}
        self.total = 0
        Replies.current = self

    @staticmethod
    def read_forever(fake: FakeProcess) -> None:
        while True:
            chat = fake.sent.get()
            current = Replies.current
            if current is not None:
                current.loop.call_soon_threadsafe(current._count, chat)

    def _count(self, chat: int) -> None:
        self.counts[chat] = self.counts.get(chat, 0) + 1
        self.total += 1
        event = self.events.get(chat)
        if event is not None:
            event.set()

    async def until(self, chat: int, count: int) -> None:
        event = self.events.setdefault(chat, asyncio.Event())
        while self.counts.get(chat, 0) < count:
            event.clear()
            await event.wait()


# ---- residents --------------------------------------------------------------------------

def message_update(update_id: int, chat: int, text: str) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": chat, "type": "private", "first_name": "주민"},
        "from": {"id": chat, "is_bot": False, "first_name": "주민", "language_code": "ko"}}}


async def expected_replies(scripts: list[list[str]], redis_url: str) -> list[list[int]]:
    """How many messages the bot sends for each message, from the dialogue itself."""
    import datetime as dt

    from bot.dialogue.runtime import build_dialogue, build_runtime
    from bot.settings import get_settings

    settings = get_settings()
    dialogue = build_dialogue(settings)
    dialogue.today = dt.date.today
    runtime = await build_runtime(settings, dialogue, redis_url)
    out = []
    try:
        for script in scripts:
            chat = f"bench-expect-{secrets.token_hex(6)}"
            counts = []
            for text in script:
                turn = await runtime.service.handle("console", chat, text)
                counts.append(len(turn.replies))
            await runtime.service.conversations.delete(f"console:{chat}")
            out.append(counts)
    finally:
        await runtime.close()
    return out


async def resident(client: httpx.AsyncClient, replies: Replies, workers: list[WorkerProcess],
                   script: list[str], counts: list[int], ids: list[int],
                   first: list[float], last: list[float]) -> None:
    chat = new_chat()
    received = 0
    for text, count in zip(script, counts, strict=True):
        ids[0] += 1
        update = message_update(ids[0], chat, text)
        worker = workers[ids[0] % len(workers)]
        start = time.perf_counter()
        response = await client.post(worker.url + "/telegram", json=update,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        response.raise_for_status()
        try:
            await asyncio.wait_for(replies.until(chat, received + 1), REPLY_TIMEOUT)
            first.append((time.perf_counter() - start) * 1000)
            received += count
            await asyncio.wait_for(replies.until(chat, received), REPLY_TIMEOUT)
        except TimeoutError:
            raise SystemExit(f"chat {chat}: no reply to message {len(first) + 1} within "
                             f"{REPLY_TIMEOUT} s "
                             f"(got {replies.counts.get(chat, 0)}, expected {received})") \
                from None
        last.append((time.perf_counter() - start) * 1000)


async def run(n_workers: int, scripts: list[list[str]], counts: list[list[int]],
              redis_url: str, fake: FakeProcess, folder: Path) -> dict[str, float]:
    config = config_folder(folder / f"config{n_workers}")
    env = worker_env(fake, redis_url, config, SECRET)
    env["PYTHONWARNINGS"] = "ignore"
    workers = [WorkerProcess(free_port(), env, folder / f"w{n_workers}-{i}.log")
               for i in range(n_workers)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.wait_ready()
    first: list[float] = []
    last: list[float] = []
    ids = [first_update_id()]
    limits = httpx.Limits(max_connections=len(scripts) + 10)
    replies = Replies()
    try:
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            started = time.perf_counter()
            await asyncio.gather(*(resident(client, replies, workers, s, c, ids, first, last)
                                   for s, c in zip(scripts, counts, strict=True)))
            wall = time.perf_counter() - started
        memory = [rss_mb(w.process.pid) for w in workers if w.process]  # type: ignore[union-attr]
    finally:
        for worker in workers:
            worker.stop()
    return {"workers": n_workers, "updates": len(first), "replies": replies.total,
            "updates_per_s": len(first) / wall, "first_p50": pct(first, 0.5),
            "first_p99": pct(first, 0.99), "last_p50": pct(last, 0.5),
            "last_p99": pct(last, 0.99), "rss_mb": max(memory) if memory else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    residents = max(1, min(args.residents, 500))
    folder = Path(tempfile.mkdtemp(prefix="bench-telegram-"))
    redis_url = os.environ.get("REDIS_URL")
    server = None
    if not redis_url:
        from bot.store.connection import start_embedded

        server = start_embedded(folder / "redis")
        redis_url = f"unix://{server.socket_file}"
    rng = random.Random(args.seed)
    scripts = [conversation(rng) for _ in range(residents)]
    counts = asyncio.run(expected_replies(scripts, redis_url))
    fake = FakeProcess()
    threading.Thread(target=Replies.read_forever, args=(fake,), daemon=True).start()
    print(f"{residents} residents, {sum(map(len, scripts))} messages, one at a time each; "
          f"webhook workers over loopback; Redis: {'server' if server is None else 'embedded'}")
    print(f"{'workers':>7} {'updates':>8} {'replies':>8} {'upd/s':>7} {'first p50':>10} "
          f"{'first p99':>10} {'last p50':>9} {'last p99':>9} {'RSS/worker':>11}", flush=True)
    try:
        for n in args.workers:
            row = asyncio.run(run(n, scripts, counts, redis_url, fake, folder))
            print(f"{row['workers']:>7} {row['updates']:>8} {row['replies']:>8} "
                  f"{row['updates_per_s']:>7.1f} {row['first_p50']:>8.1f}ms "
                  f"{row['first_p99']:>8.1f}ms {row['last_p50']:>7.1f}ms "
                  f"{row['last_p99']:>7.1f}ms {row['rss_mb']:>8.0f} MB", flush=True)
    finally:
        fake.stop()
        if server is not None:
            server.shutdown(save=False)


if __name__ == "__main__":
    main()
