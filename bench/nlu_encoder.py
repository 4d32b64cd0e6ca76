"""Benchmark: does the sentence encoder's second opinion separate crises from calm messages?

Why these two views and not held-out: the encoder's weight and the threshold's ceiling are
chosen on dev, never on the test set.
- train-only: classifier and head fitted on nlu/train; every nlu/dev and nlu/check message is
  unseen (as at calibration time, bench/nlu_margin.py's view).
- cross-fitted: nlu/dev in FOLDS random folds, each scored by models fitted on nlu/train and
  the other folds; nlu/check by models fitted on train and all of dev. This is what the
  shipped model is (it has learnt dev, and is more confident than the train-only model the
  threshold is calibrated with), so the ceiling of the threshold is read here.

Over the messages the patterns leave to the classifier (no hit, nothing explained away), for
each weight it prints the lowest crisis scores, how many calm messages score at or above the
1st/2nd/3rd lowest crisis, and calm flagged / crises missed at fixed thresholds.

Run: .venv/bin/python bench/nlu_encoder.py [--seeds 7,8,9] [--folds 5]
     [--weights 0,0.25,0.35,0.5] [--view both|train-only|cross-fitted]
     [--thresholds 0.3,0.35,0.38,0.4,0.45,0.5]
With --weights 0 it is the classifier alone, as shipped: the view the safety check-in's
floor (thresholds.classifier_check_in) is read from.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

import numpy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.nlu import pipeline
from bot.nlu.crisis import CrisisDetector
from bot.nlu.data import CRISIS_INTENTS, Example, read_paths
from bot.nlu.encoder import EmbeddingCache, IntentHead, SentenceEncoder, crisis_of
from bot.nlu.features import FEATURES_CACHE_KEY
from bot.nlu.normalize import Normalizer
from bot.nlu.train import _examples, _fit, _temperature
from bot.nlu.urgency import Classifier, crisis_mass
from bot.settings import Settings, get_settings
from bot.yamlio import yaml_files

FIXED = [0.3, 0.35, 0.38, 0.4, 0.45, 0.5]  # --thresholds replaces them
Row = tuple[float, float, bool]  # classifier crisis mass, encoder crisis mass, is a crisis


def scored(settings: Settings, nlp: Any, temperature: float, head: IntentHead,
           docs: list[Any], vectors: numpy.ndarray, data: list[Example]) -> list[Row]:
    th = settings.nlu.thresholds
    crisis = CrisisDetector(settings.resolve(settings.nlu.patterns) / "crisis.yml")
    classifier = Classifier(nlp, temperature, settings.nlu.max_chars,
                            {doc.text: doc for doc in docs})
    rows = []
    for doc, opinion, ex in zip(docs, crisis_of(head, vectors), data, strict=True):
        if not doc.text.strip():
            continue
        ranking = classifier.rank(doc.text)
        hits, explained = crisis.assess(doc.text, classifier.lean(doc.text, ranking,
                                                                  th.topic_urgent),
                                        th.topic_urgent)
        if not hits and not explained:
            rows.append((crisis_mass(ranking), sum(opinion.values()),
                         ex.intent in CRISIS_INTENTS))
    return rows


def summary(rows: list[Row], weight: float) -> dict[str, float]:
    scores = [((1 - weight) * bow + weight * enc, is_crisis) for bow, enc, is_crisis in rows]
    crises = sorted(s for s, c in scores if c)
    calm = [s for s, c in scores if not c]
    out: dict[str, float] = {f"lowest{k + 1}": crises[k] for k in range(3)}
    for k, name in enumerate(("1st", "2nd", "3rd")):
        out[f"calm ≥ {name}"] = sum(s >= crises[k] for s in calm)
    for t in FIXED:
        out[f"@{t} calm"] = sum(s >= t for s in calm)
        out[f"@{t} missed"] = sum(s < t for s in crises)
    return out


def fit_pair(settings: Settings, examples: list[Any], vectors: numpy.ndarray,
             labels: list[str]) -> tuple[Any, IntentHead]:
    for ex in examples:
        ex.predicted.user_data.pop(FEATURES_CACHE_KEY, None)  # another fit's features
    e = settings.nlu.encoder
    nlp = _fit(settings, examples, None, "train")
    head = IntentHead.fit(vectors, labels, e.l2, e.epochs, e.learning_rate,
                          settings.nlu.classifier.seed)
    return nlp, head


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="7,8,9")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--weights", default="0,0.25,0.35,0.5")
    parser.add_argument("--thresholds", default=",".join(map(str, FIXED)))
    parser.add_argument("--view", choices=["both", "train-only", "cross-fitted"],
                        default="both")
    args = parser.parse_args()
    FIXED[:] = [float(t) for t in args.thresholds.split(",")]
    settings = get_settings()
    root = settings.base_dir
    train = read_paths(yaml_files([settings.resolve(p) for p in settings.nlu.train]),
                       root).examples
    dev = read_paths(yaml_files([settings.resolve(p) for p in settings.nlu.dev]),
                     root).examples
    check = read_paths(yaml_files([root / "nlu" / "check"]), root).examples
    normalizer = Normalizer.from_file(settings.resolve(settings.nlu.patterns) / "normalize.yml")
    tokenizer_nlp = pipeline.build(settings.nlu)
    sets = {name: _examples(tokenizer_nlp, normalizer, data)
            for name, data in (("train", train), ("dev", dev), ("check", check))}
    encoder = SentenceEncoder(settings.nlu.encoder.threads)
    cache = EmbeddingCache(settings.resolve(settings.nlu.encoder.cache))
    vec = {name: cache.embed(encoder, [ex.predicted.text[:settings.nlu.max_chars]
                                       for ex in exs]) for name, exs in sets.items()}
    labels = {"train": [e.intent for e in train], "dev": [e.intent for e in dev],
              "check": [e.intent for e in check]}
    weights = [float(w) for w in args.weights.split(",")]
    views = ["train-only", "cross-fitted"] if args.view == "both" else [args.view]
    print(f"{len(train)} training, {len(dev)} dev, {len(check)} check messages; "
          f"weights {weights}; views {views}")
    for view in views:
        per_weight: dict[float, list[dict[str, float]]] = {w: [] for w in weights}
        for seed in [int(s) for s in args.seeds.split(",")]:
            settings.nlu.classifier.seed = seed
            rows: list[Row] = []
            if view == "train-only":
                nlp, head = fit_pair(settings, sets["train"], vec["train"], labels["train"])
                unseen = sets["dev"] + sets["check"]
                temperature, _ = _temperature(nlp, unseen)
                rows = scored(settings, nlp, temperature, head,
                              [e.predicted for e in unseen],
                              numpy.concatenate([vec["dev"], vec["check"]]), dev + check)
            else:
                fold = numpy.random.default_rng(seed).integers(0, args.folds, len(dev))
                for k in [*range(args.folds), -1]:
                    inside = numpy.flatnonzero(fold != k) if k >= 0 else numpy.arange(len(dev))
                    nlp, head = fit_pair(
                        settings, sets["train"] + [sets["dev"][i] for i in inside],
                        numpy.concatenate([vec["train"], vec["dev"][inside]]),
                        labels["train"] + [labels["dev"][i] for i in inside])
                    if k >= 0:
                        out = numpy.flatnonzero(fold == k)
                        exs, vs, data = [sets["dev"][i] for i in out], vec["dev"][out], \
                            [dev[i] for i in out]
                    else:
                        exs, vs, data = sets["check"], vec["check"], check
                    temperature, _ = _temperature(nlp, exs)
                    rows += scored(settings, nlp, temperature, head,
                                   [e.predicted for e in exs], vs, data)
            crises = sum(r[2] for r in rows)
            print(f"{view}, seed {seed}: {crises} crises and {len(rows) - crises} calm "
                  f"messages left to the classifier")
            for w in weights:
                s = summary(rows, w)
                per_weight[w].append(s)
                print(f"  weight {w:<4}: " + _format(s))
        print(f"{view}, mean over seeds:")
        for w in weights:
            mean = {k: statistics.mean(s[k] for s in per_weight[w]) for k in per_weight[w][0]}
            print(f"  weight {w:<4}: " + _format(mean))


def _format(s: dict[str, float]) -> str:
    parts = [f"lowest crises {s['lowest1']:.3f} {s['lowest2']:.3f} {s['lowest3']:.3f}",
             "calm ≥ 1st/2nd/3rd lowest " + "/".join(
                 f"{s[f'calm ≥ {n}']:g}" for n in ("1st", "2nd", "3rd"))]
    parts.extend(f"@{t} {s[f'@{t} calm']:g}/{s[f'@{t} missed']:g}" for t in FIXED)
    return "; ".join(parts)


if __name__ == "__main__":
    main()
