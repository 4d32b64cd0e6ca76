"""Benchmark: this NLU against Rasa 3.6's DIET, trained on the same nlu/train files and
scored on the same held-out file.

Rasa 3.6 needs Python 3.10, so it runs in its own interpreter: set RASA_PYTHON to a Python
that has `rasa==3.6.*` installed (e.g. `python3.10 -m venv /opt/rasa && /opt/rasa/bin/pip
install rasa==3.6.21`). Without it the script says why it skipped and exits 0.

Rasa's pipeline is its recommended one for a language without a tokenizer of its own
(whitespace tokens, word and char_wb 1–4 count vectors, DIET, 100 epochs).
Run: RASA_PYTHON=/opt/rasa/bin/python .venv/bin/python bench/compare_rasa.py
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.nlu.data import INTENTS, read_paths
from bot.settings import get_settings

RASA_CONFIG = """\
recipe: default.v1
language: ko
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    entity_recognition: false
    random_seed: 7
policies: []
"""

RASA_PREDICT = """\
import asyncio, json, sys, time
from rasa.core.agent import Agent
agent = Agent.load(sys.argv[1])
texts = [json.loads(line)["text"] for line in open(sys.argv[2], encoding="utf-8")]
async def run():
    out = []
    for text in texts:
        start = time.perf_counter()
        result = await agent.parse_message(text)
        ms = (time.perf_counter() - start) * 1000
        out.append({"intent": (result.get("intent") or {}).get("name"), "ms": ms})
    return out
for row in asyncio.run(run()):
    print(json.dumps(row))
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def scores(gold: list[str], pred: list[str]) -> tuple[float, float]:
    accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    f1s = []
    for intent in INTENTS:
        tp = sum(g == p == intent for g, p in zip(gold, pred, strict=True))
        fp = sum(p == intent != g for g, p in zip(gold, pred, strict=True))
        fn = sum(g == intent != p for g, p in zip(gold, pred, strict=True))
        if tp + fn:
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn)
            f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0)
    return accuracy, statistics.mean(f1s)


def run_rasa(python: str, train_files: list[Path], texts: list[str]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "data").mkdir()
        for i, f in enumerate(train_files):
            shutil.copy(f, root / "data" / f"{i}_{f.name}")
        (root / "config.yml").write_text(RASA_CONFIG, encoding="utf-8")
        (root / "domain.yml").write_text('version: "3.1"\n', encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([python, "-m", "rasa", "train", "nlu", "--config", "config.yml",
                        "--nlu", "data", "--out", "models", "--fixed-model-name", "nlu"],
                       cwd=root, check=True, capture_output=True, text=True)
        train_s = time.perf_counter() - start
        (root / "texts.jsonl").write_text(
            "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts),
            encoding="utf-8")
        (root / "predict.py").write_text(RASA_PREDICT, encoding="utf-8")
        start = time.perf_counter()
        out = subprocess.run([python, "predict.py", "models/nlu.tar.gz", "texts.jsonl"],
                             cwd=root, check=True, capture_output=True, text=True).stdout
        total_s = time.perf_counter() - start
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {"pred": [r["intent"] for r in rows], "ms": [r["ms"] for r in rows],
            "train_s": train_s, "load_and_predict_s": total_s}


def main() -> None:
    python = os.environ.get("RASA_PYTHON")
    if not python or not Path(python).exists():
        print("skipped: set RASA_PYTHON to a Python 3.10 interpreter with rasa 3.6 installed "
              f"(RASA_PYTHON={python!r})")
        return
    check = subprocess.run([python, "-c", "import rasa; print(rasa.__version__)"],
                           capture_output=True, text=True)
    if check.returncode != 0 or not check.stdout.startswith("3.6"):
        print(f"skipped: {python} has no rasa 3.6 ({check.stderr.strip()[-200:] or check.stdout})")
        return
    settings = get_settings()
    train_files = sorted(f for p in settings.nlu.train for f in settings.resolve(p).rglob("*.yml"))
    test = read_paths([settings.resolve(p) for p in settings.nlu.test]).examples
    texts, gold = [e.text for e in test], [e.intent for e in test]

    from bot.nlu.model import NLU
    from bot.nlu.train import train

    # Same training files for both: no refit on nlu/dev here (it only calibrates confidence).
    settings.nlu.final_fit_with_dev = False
    settings.nlu.model_dir = Path(tempfile.mkdtemp()) / "nlu"
    start = time.perf_counter()
    train(settings)
    ours_train = time.perf_counter() - start
    nlu = NLU(settings.model_dir, settings.nlu, settings.rules_path / "regions.yml")
    ours_ms, ours_pred = [], []
    for text in texts:
        start = time.perf_counter()
        ours_pred.append(nlu.parse(text).intent)
        ours_ms.append((time.perf_counter() - start) * 1000)
    rasa = run_rasa(python, train_files, texts)
    rows = [("bokji (spaCy + Kiwi + rules)", ours_pred, ours_ms, ours_train),
            (f"Rasa {check.stdout.strip()} DIET", rasa["pred"], rasa["ms"], rasa["train_s"])]
    print(f"held-out: {len(texts)} messages; both trained on {len(train_files)} files of nlu/train")
    print(f"{'model':<32}{'accuracy':>10}{'macro-F1':>10}{'p50 ms':>9}{'p99 ms':>9}{'train s':>9}")
    for name, pred, ms, train_s in rows:
        acc, f1 = scores(gold, pred)  # type: ignore[arg-type]
        print(f"{name:<32}{acc:>10.4f}{f1:>10.4f}{pct(ms, 0.5):>9.2f}{pct(ms, 0.99):>9.2f}"  # type: ignore[arg-type]
              f"{train_s:>9.1f}")


if __name__ == "__main__":
    main()
