"""Scores the NLU on held-out messages: the figures the targets of issue 3 are about.

Entity exact-match is per message: the set of (entity, value) pairs found must equal the set
annotated. Spans are reported separately (overlap with the annotated span), because where a
span starts is a convention while a wrong value is a wrong fact about a household.
"""

from __future__ import annotations

import json
import resource
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.nlu.data import CRISIS_INTENTS, INTENTS, Example
from bot.nlu.model import NLU, Parse


@dataclass
class Report:
    n: int = 0
    accuracy: float = 0.0
    macro_f1: float = 0.0
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    urgent_recall: float = 0.0
    false_urgent_rate: float = 0.0
    urgent_total: int = 0
    calm_total: int = 0
    urgent_missed: int = 0
    # the dialogue's safety check-in (not urgent, asked gently): crises it reaches that
    # urgency missed, and calm messages asked
    check_in_missed_crises: int = 0
    check_in_calm_rate: float = 0.0
    entity_exact_match: float = 0.0
    entity_messages: int = 0
    span_overlap: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    calibration_ece: float = 0.0
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    rss_mib: float = 0.0
    unseen_n: int = 0
    unseen_accuracy: float = 0.0  # on messages not in the training data (after normalising)

    def as_json(self) -> dict[str, Any]:
        return self.__dict__


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def evaluate(nlu: NLU, examples: list[Example], trained: set[str] | None = None) -> Report:
    report = Report(n=len(examples))
    parses: list[Parse] = []
    times: list[float] = []
    for ex in examples:
        start = time.perf_counter()
        parses.append(nlu.parse(ex.text))
        times.append((time.perf_counter() - start) * 1000)
    confusion: dict[str, Counter[str]] = {i: Counter() for i in INTENTS}
    for ex, p in zip(examples, parses, strict=True):
        confusion[ex.intent][p.intent] += 1
    report.confusion = {k: dict(v) for k, v in confusion.items()}
    correct = sum(confusion[i][i] for i in INTENTS)
    report.accuracy = correct / max(1, len(examples))
    f1s = []
    for intent in INTENTS:
        tp = confusion[intent][intent]
        fp = sum(confusion[o][intent] for o in INTENTS if o != intent)
        fn = sum(confusion[intent].values()) - tp
        support = tp + fn
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if support:
            f1s.append(f1)
        report.per_intent[intent] = {"precision": round(precision, 4),
                                     "recall": round(recall, 4), "f1": round(f1, 4),
                                     "support": support}
    report.macro_f1 = statistics.mean(f1s) if f1s else 0.0
    if trained is not None:
        unseen = [(ex, p) for ex, p in zip(examples, parses, strict=True)
                  if seen_key(nlu, ex.text) not in trained]
        report.unseen_n = len(unseen)
        hits = sum(p.intent == ex.intent for ex, p in unseen)
        report.unseen_accuracy = hits / max(1, len(unseen))

    urgent = [(ex, p) for ex, p in zip(examples, parses, strict=True)
              if ex.intent in CRISIS_INTENTS]
    calm = [(ex, p) for ex, p in zip(examples, parses, strict=True)
            if ex.intent not in CRISIS_INTENTS]
    report.urgent_total, report.calm_total = len(urgent), len(calm)
    report.urgent_missed = sum(not p.urgent for _, p in urgent)
    report.urgent_recall = (len(urgent) - report.urgent_missed) / max(1, len(urgent))
    report.false_urgent_rate = sum(p.urgent for _, p in calm) / max(1, len(calm))
    report.check_in_missed_crises = sum(not p.urgent and p.check_in is not None
                                        for _, p in urgent)
    report.check_in_calm_rate = sum(p.check_in is not None for _, p in calm) / max(1, len(calm))

    exact = overlap = spans = 0
    for ex, p in zip(examples, parses, strict=True):
        gold = {(e.entity, str(e.value)) for e in ex.entities}
        got = {(e.entity, str(e.value)) for e in p.entities}
        exact += gold == got
        for e in ex.entities:
            spans += 1
            overlap += any(g.entity == e.entity and g.start < e.end and e.start < g.end
                           for g in p.entities)
        if gold != got:
            report.errors.append({"kind": "entities", "line": str(ex.pos), "text": ex.text,
                                  "expected": sorted(gold), "got": sorted(got)})
        if p.intent != ex.intent:
            report.errors.append({"kind": "intent", "line": str(ex.pos), "text": ex.text,
                                  "expected": ex.intent, "got": p.intent,
                                  "confidence": p.confidence})
        if (ex.intent in CRISIS_INTENTS) != p.urgent:
            report.errors.append({"kind": "urgent", "line": str(ex.pos), "text": ex.text,
                                  "expected": ex.intent in CRISIS_INTENTS, "got": p.urgent})
    report.entity_messages = len(examples)
    report.entity_exact_match = exact / max(1, len(examples))
    report.span_overlap = overlap / max(1, spans)
    report.latency_ms = {"p50": round(_pct(times, 0.5), 3), "p99": round(_pct(times, 0.99), 3),
                         "max": round(max(times, default=0.0), 3)}
    report.calibration_ece = _ece(examples, parses)
    report.rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def seen_key(nlu: NLU, text: str) -> str:
    return "".join(nlu.normalize(text).text.split()).strip(".!?~")


def _ece(examples: list[Example], parses: list[Parse], bins: int = 10) -> float:
    """Expected calibration error of the classifier's top intent (crisis overrides left out)."""
    buckets: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for ex, p in zip(examples, parses, strict=True):
        if not p.ranking:
            continue
        intent, conf = p.ranking[0]
        buckets[min(bins - 1, int(conf * bins))].append((conf, intent == ex.intent))
    total = sum(len(b) for b in buckets)
    ece = 0.0
    for b in buckets:
        if b:
            ece += len(b) / total * abs(statistics.mean(c for c, _ in b) -
                                        statistics.mean(1.0 if ok else 0.0 for _, ok in b))
    return round(ece, 4)


def confusion_png(report: Report, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(INTENTS)
    matrix = [[report.confusion.get(g, {}).get(p, 0) for p in labels] for g in labels]
    fig, ax = plt.subplots(figsize=(9, 8))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                        color="white" if value > max(map(max, matrix)) / 2 else "black")
    ax.set_title(f"intent confusion (n={report.n}, accuracy {report.accuracy:.3f})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2), encoding="utf-8")
