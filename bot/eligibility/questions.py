"""Which missing fact to ask next: the one that could decide the most undecided benefits.

A fact "could decide" a benefit when some plausible value of it (the fact's probe values in
rules/facts.yml), added alone to what is known, turns the benefit's unknown into a verdict.
This is what lets the dialogue stop asking as soon as answers stop mattering.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.eligibility.rulebook import Evaluation, RuleSet
from bot.eligibility.schema import FactSpec


@dataclass(frozen=True, slots=True)
class FactScore:
    fact: str
    label: str
    decides: list[str]  # benefit ids some value of this fact would decide
    mentions: list[str]  # undecided benefit ids that list this fact as missing

    def as_json(self) -> dict[str, Any]:
        return {"fact": self.fact, "label": self.label, "decides": len(self.decides),
                "mentions": len(self.mentions), "benefits": self.decides}


def probe_values(spec: FactSpec) -> list[Any]:
    if spec.probe:
        return list(spec.probe)
    if spec.type == "bool":
        return [True, False]
    if spec.type == "enum" and spec.values:
        return list(spec.values)
    if spec.type == "int":
        low = int(spec.min or 0)
        return [low, low + 10**9]
    return []


def rank_missing(ev: Evaluation, only: list[str] | None = None) -> list[FactScore]:
    """Missing facts, most decisive first; ties go to the fact asked more easily (order)."""
    rules: RuleSet = ev.rules
    undecided = [r for r in ev.results.values()
                 if r.status == "unknown" and r.error is None and (only is None or r.id in only)]
    known = ev.ctx.facts
    candidates: dict[str, list[str]] = {}
    for result in undecided:
        for fact in result.missing:
            candidates.setdefault(fact, []).append(result.id)
    scores = []
    for fact, benefit_ids in candidates.items():
        spec = rules.facts[fact]
        decided = _decided_by(rules, known, ev.date, fact, probe_values(spec), benefit_ids)
        decides = [bid for bid in benefit_ids if bid in decided]
        scores.append(FactScore(fact, spec.label, decides, benefit_ids))
    rank = {name: i for i, name in enumerate(rules.fact_order)}
    scores.sort(key=lambda s: (-len(s.decides), -len(s.mentions), rank.get(s.fact, 999)))
    return scores


def _decided_by(rules: RuleSet, known: dict[str, Any], date: dt.date, fact: str,
                values: list[Any], benefit_ids: list[str]) -> set[str]:
    """The benefits that some probe value of `fact`, added alone, turns into a verdict.
    One context per value serves every benefit, so shared calculations run once."""
    open_ids = set(benefit_ids)
    decided: set[str] = set()
    for value in values:
        if fact == "region":
            try:
                rules.regions.parse(value)
            except ValueError:
                continue
        ctx = rules.context({**known, fact: value}, date)
        for bid in list(open_ids):
            if ctx.benefit(bid).status != "unknown":
                decided.add(bid)
                open_ids.discard(bid)
        if not open_ids:
            break
    return decided
