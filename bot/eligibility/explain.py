"""Turns verdicts into sentences a resident understands, and into the contract's JSON."""

from __future__ import annotations

import math
from typing import Any

from bot.eligibility.conditions import Leaf
from bot.eligibility.context import NotInForce
from bot.eligibility.expr import UNKNOWN, Expr
from bot.eligibility.korean import number, particles, won
from bot.eligibility.rulebook import BenefitResult, Evaluation
from bot.eligibility.schema import Wording


def show(value: Any, unit: str | None, words: Wording) -> str:
    """A value as a resident reads it; intervals of partly known values as a range."""
    unit = unit or "none"
    v = words.values
    if isinstance(value, tuple):
        lo, hi = value
        if math.isnan(lo) or (math.isinf(lo) and lo < 0 and math.isinf(hi)):
            return v.unknown
        if lo == hi:
            return v.unlimited if math.isinf(lo) else number(lo, unit)
        if math.isinf(hi):
            return v.at_least.format(value=number(lo, unit)) if lo > 0 else v.unknown
        return v.between.format(low=number(lo, unit), high=number(hi, unit))
    if value is UNKNOWN or value is None:
        return v.unknown
    if isinstance(value, bool):
        return v.true if value else v.false
    if isinstance(value, int | float):  # a fact as the resident gave it ("72세", "180만원")
        return number(value, unit)
    if isinstance(value, list):
        return ", ".join(number(x, unit) if isinstance(x, int) else str(x) for x in value) \
            or v.empty
    return str(value)


def _fill(template: str, values: dict[str, str]) -> str:
    return particles(template.format_map(values))


def _shown(names: dict[str, Expr], result: BenefitResult) -> dict[str, str]:
    """Placeholder values of a sentence, computed in the verdict's own context."""
    words = result.ctx.rules.wording
    values: dict[str, str] = {}
    for name, expr in names.items():
        try:
            values[name] = show(expr.fn(result.ctx), expr.unit, words)
        except NotInForce:
            values[name] = words.values.unknown
    return values


def leaf_sentence(leaf: Leaf, result: BenefitResult) -> str:
    outcome, lv, rv = result.record[leaf]
    words = result.ctx.rules.wording
    values = _shown(leaf.names, result)
    test = leaf.test
    if test.op is not None:
        assert test.left is not None and test.right is not None
        values["left"] = show(lv, test.left.unit, words)
        values["right"] = show(rv, test.right.unit, words)
    if outcome is True:
        return _fill(leaf.yes, values)
    if outcome is False:
        return _fill(leaf.no, values)
    if leaf.unknown:
        return _fill(leaf.unknown, values)
    missing = [f for f in test.facts if f not in result.ctx.facts]
    if missing:
        return _fill(words.needs_facts, {"facts": _labels(result, missing)})
    for ref in sorted(test.benefits):
        name = result.ctx.benefit(ref).benefit.spec.name
        return _fill(words.needs_benefit, {"benefit": name})
    return words.undecided


def _labels(result: BenefitResult, facts: list[str]) -> str:
    specs = result.ctx.rules.facts
    return ", ".join(specs[f].label if f in specs else f for f in facts)


def reasons(result: BenefitResult) -> list[str]:
    words = result.ctx.rules.wording
    if result.error is not None:
        err = result.error
        return [_fill(words.not_in_force, {"date": err.date.isoformat(), "label": err.label})]
    # Two leaves may say the same thing (both ends of an age range when age is unknown).
    out = list(dict.fromkeys(leaf_sentence(leaf, result) for leaf in result.leaves()))
    if result.status == "eligible":
        line = amount_sentence(result)
        if line:
            out.append(line)
    return out


def amount_sentence(result: BenefitResult) -> str | None:
    spec = result.benefit.spec
    words = result.ctx.rules.wording
    if spec.amount is None:
        return None
    if result.amount is None:
        if result.amount_missing:
            return _fill(words.amount_needs_facts,
                         {"facts": _labels(result, result.amount_missing)})
        if result.amount_not_in_rules:
            return words.amount_not_in_rules
        return None
    values = {"amount": won(result.amount)}
    if spec.amount.says:
        values.update(_shown(result.benefit.amount_names, result))
        return _fill(spec.amount.says, values)
    return _fill(words.amount_default[spec.period], values)


def result_json(result: BenefitResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "amount": result.amount,
        "reasons": reasons(result),
        "missing": list(result.missing),
        "name": result.benefit.spec.name,
        "period": result.benefit.spec.period,
    }


def evaluation_json(ev: Evaluation) -> dict[str, Any]:
    return {"date": ev.date.isoformat(),
            "results": {bid: result_json(r) for bid, r in ev.results.items()}}


def trace(result: BenefitResult) -> list[dict[str, Any]]:
    """Every leaf of the tree with its outcome and the values it compared."""
    out: list[dict[str, Any]] = []

    def walk(node: Any, depth: int) -> None:
        outcome = result.record.get(node, (None, None, None))[0] if result.record else None
        if isinstance(node, Leaf):
            words = result.ctx.rules.wording
            item: dict[str, Any] = {"id": node.id, "depth": depth, "outcome": outcome,
                                    "sentence": leaf_sentence(node, result)
                                    if node in result.record else words.not_evaluated}
            if node.test.op and node in result.record:
                _, lv, rv = result.record[node]
                item["left"] = show(lv, node.test.left.unit, words)  # type: ignore[union-attr]
                item["right"] = show(rv, node.test.right.unit, words)  # type: ignore[union-attr]
            out.append(item)
        else:
            out.append({"id": node.id, "depth": depth, "outcome": outcome, "group": node.kind})
            for child in node.children:
                walk(child, depth + 1)

    walk(result.benefit.root, 0)
    return out
