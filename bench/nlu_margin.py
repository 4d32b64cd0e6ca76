"""Benchmark: how well the classifier alone separates crises from calm messages it never saw.

Why this and not held-out: a change to the classifier (features, training files) is chosen on
dev, never on the test set. Models are fitted on nlu/train only, so every nlu/dev and nlu/check
message is unseen by them; over those the patterns do not flag, it prints the lowest crisis
scores and how many calm messages score at or above the 1st, 2nd and 3rd lowest crisis (the
false alarms a threshold catching that many crises costs), and at fixed thresholds. Several
seeds, because one fit moves these counts by a few.

Run: .venv/bin/python bench/nlu_margin.py [--seeds 7,8,9] [--set classifier.KEY=VALUE ...]
     [--without nlu/train/FILE.yml ...] [--fresh FILE.yml ...]

--fresh: a new batch (before anything is tuned on it, or one kept in nlu/check); the same
models score it, at the temperature fitted on nlu/dev, and its figures are printed apart,
also at the safety check-in's floor.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.nlu import pipeline
from bot.nlu.crisis import CrisisDetector
from bot.nlu.data import CRISIS_INTENTS, read_paths
from bot.nlu.features import FEATURES_CACHE_KEY
from bot.nlu.normalize import Normalizer
from bot.nlu.train import _examples, _fit, _temperature
from bot.nlu.urgency import Classifier, crisis_mass
from bot.settings import Settings, get_settings
from bot.yamlio import yaml_files

FIXED = (0.335, 0.35, 0.5)


def apply_overrides(settings: Settings, pairs: list[str]) -> Settings:
    raw = settings.model_dump()
    for pair in pairs:
        key, _, value = pair.partition("=")
        section, _, name = key.partition(".")
        if section != "classifier" or not name:
            raise SystemExit(f"--set takes classifier.KEY=VALUE, not {pair!r}")
        raw["nlu"]["classifier"][name] = value
    return Settings.model_validate(raw)


def masses(settings: Settings, nlp: Any, temperature: float, docs: list[Any],
           intents: list[str]) -> tuple[list[float], list[float]]:
    """Crisis masses of the crises and of the calm messages that no pattern flags."""
    th = settings.nlu.thresholds
    crisis = CrisisDetector(settings.resolve(settings.nlu.patterns) / "crisis.yml")
    classifier = Classifier(nlp, temperature, settings.nlu.max_chars,
                            {doc.text: doc for doc in docs})
    crises, calm = [], []
    for doc, intent in zip(docs, intents, strict=True):
        left = left_to_classifier(crisis, classifier, doc.text, th.topic_urgent)
        if left is None:
            continue
        mass, explained = left
        if explained and mass < th.classifier_urgent_explained:
            mass = 0.0
        (crises if intent in CRISIS_INTENTS else calm).append(mass)
    return sorted(crises), calm


def left_to_classifier(crisis: CrisisDetector, classifier: Classifier, text: str,
                       topic_min: float) -> tuple[float, bool] | None:
    """(crisis mass, every crisis word explained away) of a message the patterns leave to the
    classifier; None where a pattern decides, or for an empty message."""
    if not text.strip():
        return None
    ranking = classifier.rank(text)
    hits, explained = crisis.assess(text, classifier.lean(text, ranking, topic_min), topic_min)
    return None if hits else (crisis_mass(ranking), explained)


def at_thresholds(crises: list[float], calm: list[float], thresholds: Iterable[float],
                  prefix: str = "") -> dict[str, float]:
    """Calm messages at or above each threshold, and crises under it."""
    row: dict[str, float] = {}
    for t in thresholds:
        row[f"{prefix}calm ≥ {t}"] = sum(m >= t for m in calm)
        row[f"{prefix}crises < {t}"] = sum(m < t for m in crises)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="7,8,9")
    parser.add_argument("--set", action="append", default=[], dest="overrides")
    parser.add_argument("--without", action="append", default=[], type=Path)
    parser.add_argument("--fresh", action="append", default=[], type=Path)
    args = parser.parse_args()
    settings = apply_overrides(get_settings(), args.overrides)
    check_in_floor = settings.nlu.thresholds.classifier_check_in
    root = settings.base_dir
    left_out = {(root / p).resolve() for p in args.without}
    train_files = [f for f in yaml_files([settings.resolve(p) for p in settings.nlu.train])
                   if f.resolve() not in left_out]
    unseen_files = yaml_files([settings.resolve(p) for p in settings.nlu.dev]) + \
        yaml_files([root / "nlu" / "check"])
    train = read_paths(train_files, root).examples
    unseen = read_paths(unseen_files, root).examples
    normalizer = Normalizer.from_file(settings.resolve(settings.nlu.patterns) / "normalize.yml")
    tokenizer_nlp = pipeline.build(settings.nlu)
    train_ex = _examples(tokenizer_nlp, normalizer, train)
    unseen_ex = _examples(tokenizer_nlp, normalizer, unseen)
    fresh = read_paths(args.fresh, root).examples if args.fresh else []
    fresh_ex = _examples(tokenizer_nlp, normalizer, fresh)
    print(f"{len(train)} training messages; {len(unseen)} unseen (nlu/dev, nlu/check); "
          f"overrides {args.overrides or 'none'}; without {[str(p) for p in args.without]}")
    rows: list[dict[str, float]] = []
    for seed in [int(s) for s in args.seeds.split(",")]:
        settings.nlu.classifier.seed = seed
        for ex in train_ex:
            ex.predicted.user_data.pop(FEATURES_CACHE_KEY, None)  # the previous seed's
        nlp = _fit(settings, train_ex, None, "train")
        temperature, accuracy = _temperature(nlp, unseen_ex)
        crises, calm = masses(settings, nlp, temperature, [e.predicted for e in unseen_ex],
                              [e.intent for e in unseen])
        row = {"accuracy": accuracy}
        for k, name in enumerate(("1st", "2nd", "3rd")):
            row[f"calm ≥ {name} lowest crisis"] = sum(m >= crises[k] for m in calm)
        row.update(at_thresholds(crises, calm, FIXED))
        if fresh:
            f_crises, f_calm = masses(settings, nlp, temperature,
                                      [e.predicted for e in fresh_ex], [e.intent for e in fresh])
            # and at the safety check-in's floor: the crises that would not even be asked about
            row.update(at_thresholds(f_crises, f_calm, (*FIXED, check_in_floor), "fresh "))
        rows.append(row)
        print(f"seed {seed}: {len(crises)} crises and {len(calm)} calm left to the classifier; "
              f"lowest crises {[round(m, 3) for m in crises[:5]]}; accuracy {accuracy:.4f}")
        print("  " + "  ".join(f"{k} {v:g}" for k, v in row.items() if k != "accuracy"))
    print("mean  " + "  ".join(f"{k} {statistics.mean(r[k] for r in rows):.4g}"
                               for k in rows[0]))


if __name__ == "__main__":
    main()
