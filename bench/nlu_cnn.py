"""Benchmark: would spaCy's own CNN text categorizer, beside the linear bag, separate crises
from calm messages better?

Why: the classifier's false alarms come from words that mostly occur in crises in our data
("없으면 못 살아", "마지막으로", "장례"); a window over neighbouring morphemes might read them
in context. This is the framework's standard contextual classifier (spacy.TextCatReduce.v1
over a HashEmbedCNN tok2vec: hashed NORM/PREFIX/SUFFIX/TAG embeddings, a maxout window
encoder, mean and max pooling), trained on CPU from the same Kiwi tokens.

Both models are fitted on nlu/train only; every nlu/dev and nlu/check message is unseen (the
view of bench/nlu_margin.py). Over the messages the patterns leave to the classifier, for the
linear model, the CNN and their averages, it prints the lowest crisis scores, the calm
messages at or above the 1st/2nd/3rd lowest crisis, and (calm flagged, crises missed) at fixed
thresholds; and the CNN's fit time, which counts twice against the 60 s training budget (the
calibration fit and the final one).

Run: .venv/bin/python bench/nlu_cnn.py [--width 64] [--depth 2] [--window 1] [--rows 5000]
     [--epochs 6] [--attrs NORM,PREFIX,SUFFIX,TAG] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import spacy
from spacy.util import fix_random_seed, minibatch

from bench.nlu_margin import left_to_classifier
from bot.nlu import pipeline
from bot.nlu.crisis import CrisisDetector
from bot.nlu.data import CRISIS_INTENTS, INTENTS, read_paths
from bot.nlu.normalize import Normalizer
from bot.nlu.train import _examples, _fit, _temperature
from bot.nlu.urgency import Classifier
from bot.settings import get_settings
from bot.yamlio import yaml_files

FIXED = (0.3, 0.335, 0.4, 0.5)
# (is a crisis, every crisis word explained away, linear crisis mass, CNN crisis mass)
Row = tuple[bool, bool, float, float]


def cnn_textcat(width: int, depth: int, window: int, rows: int, attrs: list[str]) -> dict:
    return {"model": {
        "@architectures": "spacy.TextCatReduce.v1", "exclusive_classes": True,
        "use_reduce_first": False, "use_reduce_last": False, "use_reduce_max": True,
        "use_reduce_mean": True,
        "tok2vec": {"@architectures": "spacy.Tok2Vec.v2",
                    "embed": {"@architectures": "spacy.MultiHashEmbed.v2", "width": width,
                              "attrs": attrs, "rows": [rows] * len(attrs),
                              "include_static_vectors": False},
                    "encode": {"@architectures": "spacy.MaxoutWindowEncoder.v2",
                               "width": width, "window_size": window, "maxout_pieces": 3,
                               "depth": depth}}}}


def report(name: str, rows: list[Row], score: Callable[[Row], float],
           explained_bar: float) -> None:
    def effective(row: Row) -> float:  # as bot/nlu/urgency.py decides
        m = score(row)
        return 0.0 if row[1] and m < explained_bar else m

    crises = sorted(effective(r) for r in rows if r[0])
    calm = [effective(r) for r in rows if not r[0]]
    at_lowest = [sum(m >= crises[k] for m in calm) for k in range(3)]
    fixed = {t: (sum(m >= t for m in calm), sum(m < t for m in crises)) for t in FIXED}
    print(f"{name:16s} lowest crises {[round(x, 3) for x in crises[:4]]}  calm ≥ 1st/2nd/3rd "
          f"lowest {at_lowest}  (calm, missed) at {fixed}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--window", type=int, default=1)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--attrs", default="NORM,PREFIX,SUFFIX,TAG")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    settings = get_settings()
    root = settings.base_dir
    train = read_paths(yaml_files([settings.resolve(p) for p in settings.nlu.train]),
                       root).examples
    unseen = read_paths(yaml_files([settings.resolve(p) for p in settings.nlu.dev]) +
                        yaml_files([root / "nlu" / "check"]), root).examples
    normalizer = Normalizer.from_file(settings.resolve(settings.nlu.patterns) / "normalize.yml")
    tokenizer_nlp = pipeline.build(settings.nlu)
    train_ex = _examples(tokenizer_nlp, normalizer, train)
    unseen_ex = _examples(tokenizer_nlp, normalizer, unseen)

    settings.nlu.classifier.seed = args.seed
    linear = _fit(settings, train_ex, None, "train")
    temperature, linear_accuracy = _temperature(linear, unseen_ex)

    fix_random_seed(args.seed)
    cnn = spacy.blank("xx")  # the docs come tokenised; spaCy's "ko" would want MeCab
    textcat = cnn.add_pipe("textcat", config=cnn_textcat(
        args.width, args.depth, args.window, args.rows, args.attrs.split(",")))
    for intent in INTENTS:
        textcat.add_label(intent)  # type: ignore[attr-defined]
    optimizer = cnn.initialize(lambda: train_ex[:500])
    rng = random.Random(args.seed)
    order = list(train_ex)
    start = time.perf_counter()
    for _ in range(args.epochs):
        rng.shuffle(order)
        for batch in minibatch(order, size=32):
            textcat.update(batch, sgd=optimizer, losses={})
    fit_seconds = time.perf_counter() - start

    th = settings.nlu.thresholds
    crisis = CrisisDetector(settings.resolve(settings.nlu.patterns) / "crisis.yml")
    classifier = Classifier(linear, temperature, settings.nlu.max_chars,
                            {e.predicted.text: e.predicted for e in unseen_ex})
    docs = [e.predicted for e in unseen_ex]
    start = time.perf_counter()
    cnn_cats = [doc.cats for doc in textcat.pipe(docs, batch_size=256)]
    parse_ms = (time.perf_counter() - start) / max(1, len(docs)) * 1000
    rows: list[Row] = []
    correct = 0
    for doc, ex, cats in zip(docs, unseen, cnn_cats, strict=True):
        correct += max(cats, key=cats.get) == ex.intent
        left = left_to_classifier(crisis, classifier, doc.text, th.topic_urgent)
        if left is not None:
            rows.append((ex.intent in CRISIS_INTENTS, left[1], left[0],
                         sum(cats[i] for i in CRISIS_INTENTS)))
    print(f"{len(train)} training, {len(unseen)} unseen messages; {args}")
    print(f"CNN fit {fit_seconds:.1f} s, {parse_ms:.2f} ms a message (batched); unseen "
          f"accuracy CNN {correct / len(unseen):.4f}, linear {linear_accuracy:.4f}")
    bar = th.classifier_urgent_explained
    report("linear", rows, lambda r: r[2], bar)
    report("CNN", rows, lambda r: r[3], bar)
    for w in (0.25, 0.5):
        report(f"mean, CNN {w}", rows, lambda r, w=w: (1 - w) * r[2] + w * r[3], bar)
    report("geometric mean", rows, lambda r: (r[2] * r[3]) ** 0.5, bar)


if __name__ == "__main__":
    main()
