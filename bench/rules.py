"""Benchmark: loading the rule files, and evaluating all 16 benefits for random profiles.

Targets (issue 2): load ≤ 300 ms; evaluation ≤ 0.5 ms median per profile for all 16 benefits.
Run: .venv/bin/python bench/rules.py [--profiles 10000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.profiles import random_profile
from bot.eligibility.explain import evaluation_json
from bot.eligibility.loader import load_rules
from bot.eligibility.profile import Profile
from bot.eligibility.questions import rank_missing

RULES = Path(__file__).resolve().parent.parent / "rules"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def row(name: str, samples_ms: list[float]) -> None:
    print(f"{name:<44} median {statistics.median(samples_ms):8.3f} ms   "
          f"p99 {pct(samples_ms, 0.99):8.3f} ms   n={len(samples_ms)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    loads = []
    for _ in range(args.loads):
        start = time.perf_counter()
        result = load_rules(RULES)
        loads.append((time.perf_counter() - start) * 1000)
        assert result.rules is not None, result.problems
    rules = result.rules
    files = len(result.files)
    row(f"load + validate + compile ({files} files)", loads)

    rng = random.Random(args.seed)
    profiles = [Profile(**random_profile(rng)) for _ in range(args.profiles)]
    for p in profiles[:200]:  # warm the per-date parameter cache and code paths
        rules.evaluate(p)

    evals, rendered = [], []
    statuses: dict[str, int] = {"eligible": 0, "ineligible": 0, "unknown": 0}
    for p in profiles:
        start = time.perf_counter()
        ev = rules.evaluate(p)
        mid = time.perf_counter()
        evaluation_json(ev)
        end = time.perf_counter()
        evals.append((mid - start) * 1000)
        rendered.append((end - start) * 1000)
        for r in ev.results.values():
            statuses[r.status] += 1
    row("evaluate 16 benefits per profile", evals)
    row("evaluate + Korean reasons (rules eval JSON)", rendered)

    asks = []
    for p in profiles[:1000]:
        ev = rules.evaluate(p)
        start = time.perf_counter()
        rank_missing(ev)
        asks.append((time.perf_counter() - start) * 1000)
    row("next-question ranking per profile", asks)
    total = sum(statuses.values())
    print("verdict mix: " + ", ".join(f"{k} {v / total:.0%}" for k, v in statuses.items()))
    print(f"max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
