"""Benchmark: scripted conversations through the whole turn (NLU + rules + Redis).

Each message goes through `Service.handle` exactly as a channel calls it: lock, read state,
parse, evaluate and rank questions, one MULTI/EXEC write, unlock. Conversations are generated
from templates with random facts (seeded), so interviews take different paths.

Targets (issue 4): per-message latency p50 ≤ 10 ms, p99 ≤ 40 ms on this machine.
Run: .venv/bin/python bench/dialogue.py [--conversations 1000] [--seed 7]
     (embedded Redis in a temporary folder; REDIS_URL=redis://127.0.0.1:6379/0 for a server)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.dialogue.runtime import build_dialogue, build_runtime
from bot.settings import get_settings

HOUSEHOLDS = ["혼자 살아요", "아내랑 둘이 살아요", "남편이랑 애 하나 있어요", "4인 가구예요",
              "엄마랑 둘이 살아요", "세 식구예요"]
REGIONS = ["서울 구로구", "부산 해운대구", "경기 수원시", "전남 해남군", "세종", "대구 달서구"]
ANSWERS = ["없어요", "모르겠어요", "1", "2", "아니요", "예", "없음"]


def conversation(rng: random.Random) -> list[str]:
    kind = rng.random()
    if kind < 0.7:  # an interview to the results
        age = rng.choice([24, 31, 38, 45, 58, 66, 72, 81])
        msgs = ["안녕하세요", "1", f"{age}살이고 {rng.choice(HOUSEHOLDS)}",
                f"월 {rng.choice([0, 50, 80, 120, 180, 250, 400])}만원 벌어요",
                rng.choice(REGIONS)]
        msgs += [rng.choice(ANSWERS) for _ in range(rng.randint(4, 9))]
        if rng.random() < 0.3:
            msgs.insert(4, f"아 나이 잘못 말했어요, {age + 2}살이에요")
        return [*msgs, "왜요?", "신청 방법", "고맙습니다"]
    if kind < 0.85:  # questions about one benefit
        name = rng.choice(["기초연금", "아동수당", "부모급여", "생계급여", "청년월세"])
        return [f"{name}이 뭐예요?", "어디서 신청해요?", "받을 수 있는지 확인", "72살이에요",
                "감사합니다"]
    # a crisis in the middle of an interview
    return ["복지 찾아 주세요", "68살이에요", rng.choice(
        ["사실 요즘 죽고 싶어요", "남편이 때려요", "전기가 끊겼어요 먹을 것도 없어요"]),
        "혼자 살아요", "고마워요"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(conversations: int, seed: int, url: str | None) -> None:
    settings = get_settings()
    started = time.perf_counter()
    dialogue = build_dialogue(settings)
    print(f"load (NLU model, rules, wording)   {time.perf_counter() - started:6.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        if url is None:
            settings = settings.model_copy(deep=True)
            settings.store.embedded_dir = Path(folder)
        runtime = await build_runtime(settings, dialogue, url or "")
        print(f"store: {runtime.store.where}")
        rng = random.Random(seed)
        scripts = [conversation(rng) for _ in range(conversations)]
        service = runtime.service
        # warm-up: first calls initialise caches of the tokenizer and the rules
        for text in scripts[0]:
            await service.handle("bench", "warmup", text)
        latencies: list[float] = []
        results = urgent = 0
        wall = time.perf_counter()
        for i, script in enumerate(scripts):
            for text in script:
                t0 = time.perf_counter()
                turn = await service.handle("bench", f"c{i}", text)
                latencies.append((time.perf_counter() - t0) * 1000)
                results += "show:results" in turn.actions
                urgent += turn.urgent
        wall = time.perf_counter() - wall
        keys = await runtime.store.client.dbsize()
        await runtime.close()
        if runtime.store.embedded is not None:
            runtime.store.embedded.shutdown(save=False)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"conversations {conversations}   messages {len(latencies)}   results shown {results}"
          f"   urgent {urgent}   keys in Redis {keys}")
    print(f"throughput {len(latencies) / wall:8.1f} messages/s (one worker, sequential)")
    print(f"latency per message  p50 {statistics.median(latencies):6.2f} ms   "
          f"p90 {pct(latencies, 0.90):6.2f} ms   p99 {pct(latencies, 0.99):6.2f} ms   "
          f"max {max(latencies):6.2f} ms")
    print(f"peak RSS {rss:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(run(args.conversations, args.seed, os.environ.get("REDIS_URL") or None))


if __name__ == "__main__":
    main()
