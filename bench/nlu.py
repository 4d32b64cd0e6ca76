"""Benchmark: NLU model load, single-message latency, training time and memory.

Targets (issue 3): latency p50 ≤ 3 ms and p99 ≤ 20 ms on this 2-core machine, model load
≤ 5 s, training ≤ 60 s; resident set size reported.
Run: .venv/bin/python bench/nlu.py [--repeat 3] [--skip-train]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.nlu.data import read_paths
from bot.settings import get_settings

LOAD_SCRIPT = """
import time, resource
t = time.perf_counter()
from bot.nlu.model import NLU
from bot.settings import get_settings
s = get_settings()
nlu = NLU(s.model_dir, s.nlu, s.rules_path / "regions.yml")
nlu.parse("안녕하세요")
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def compare_tokenizers(settings) -> None:  # type: ignore[no-untyped-def]
    """The tokenizer is a tuning choice, so it is compared on the dev split, never the test."""
    from bot.nlu.evaluate import evaluate
    from bot.nlu.model import NLU
    from bot.nlu.train import train

    dev = read_paths([settings.resolve(p) for p in settings.nlu.dev]).examples
    for name in ("kiwi", "okt"):
        s = settings.model_copy(deep=True)
        s.nlu.tokenizer = name
        s.nlu.final_fit_with_dev = False
        with tempfile.TemporaryDirectory() as tmp:
            s.nlu.model_dir = Path(tmp) / "nlu"
            start = time.perf_counter()
            train(s)
            seconds = time.perf_counter() - start
            nlu = NLU(s.model_dir, s.nlu, s.rules_path / "regions.yml")
            report = evaluate(nlu, dev)
        print(f"tokenizer {name:<5} dev accuracy {report.accuracy:.4f}  macro-F1 "
              f"{report.macro_f1:.4f}  parse p50 {report.latency_ms['p50']:.2f} ms  p99 "
              f"{report.latency_ms['p99']:.2f} ms  training {seconds:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--compare-tokenizers", action="store_true",
                        help="train with Kiwi and with Okt; intent accuracy on nlu/dev")
    args = parser.parse_args()
    settings = get_settings()

    loads, rss = [], []
    for _ in range(3):  # a fresh process each time: what starting the bot costs
        out = subprocess.run([sys.executable, "-c", LOAD_SCRIPT], capture_output=True, text=True,
                             check=True, cwd=settings.base_dir).stdout.split()
        loads.append(float(out[0]))
        rss.append(float(out[1]))
    print(f"model load (import + load + first parse), fresh process: median "
          f"{statistics.median(loads):.2f} s  (target ≤ 5 s); RSS after load "
          f"{statistics.median(rss):.0f} MiB")

    from bot.nlu.model import NLU

    nlu = NLU(settings.model_dir, settings.nlu, settings.rules_path / "regions.yml")
    messages = [e.text for e in read_paths([settings.resolve(p) for p in
                                            [*settings.nlu.test, *settings.nlu.dev]]).examples]
    for text in messages[:50]:
        nlu.parse(text)
    times = []
    for _ in range(args.repeat):
        for text in messages:
            start = time.perf_counter()
            nlu.parse(text)
            times.append((time.perf_counter() - start) * 1000)
    print(f"single-message parse over {len(messages)} held-out and dev messages × {args.repeat}: "
          f"p50 {pct(times, 0.5):.2f} ms  p99 {pct(times, 0.99):.2f} ms  max {max(times):.1f} ms "
          f"(targets p50 ≤ 3 ms, p99 ≤ 20 ms)")
    long_text = "기초연금 신청하고 싶어요. " * 700
    start = time.perf_counter()
    nlu.parse(long_text)
    print(f"a {len(long_text):,}-character message: {(time.perf_counter() - start) * 1000:.1f} ms")
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"RSS of this process: {rss_mib:.0f} MiB")

    if args.compare_tokenizers:
        compare_tokenizers(settings)

    if not args.skip_train:
        from bot.nlu.train import train

        with tempfile.TemporaryDirectory() as tmp:
            settings.nlu.model_dir = Path(tmp) / "nlu"
            start = time.perf_counter()
            result = train(settings)
            epochs = settings.nlu.classifier.epochs
            print(f"training on {result.examples} examples (tokenise, {epochs} epochs, "
                  f"calibrate, save): {time.perf_counter() - start:.1f} s (target ≤ 60 s)")


if __name__ == "__main__":
    main()
