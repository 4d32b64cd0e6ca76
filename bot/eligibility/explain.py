"""Turns verdicts into sentences a resident understands, and into the contract's JSON."""

from __future__ import annotations

import math
from typing import Any

from bot.eligibility.conditions import Leaf
from bot.eligibility.context import NotInForce
from bot.eligibility.expr import UNKNOWN, Expr
from bot.eligibility.korean import number, particles, won
from bot.eligibility.rulebook import BenefitResult, Evaluation

_PERIOD_WORD = {"month": "매달", "year": "1년에", "once": "한 번에", "none": ""}


def show(value: Any, unit: str | None) -> str:
    """A value as a resident reads it; intervals of partly known values as a range."""
    unit = unit or "none"
    if isinstance(value, tuple):
        lo, hi = value
        if lo == hi:
            return number(lo, unit)
        if math.isinf(hi):
            return f"{number(lo, unit)} 이상" if lo > 0 else "아직 모름"
        return f"{number(lo, unit)}~{number(hi, unit)}"
    if value is UNKNOWN or value is None:
        return "아직 모름"
    if isinstance(value, bool):
        return "예" if value else "아니요"
    if isinstance(value, list):
        return ", ".join(number(v, unit) if isinstance(v, int) else str(v) for v in value) or "없음"
    return str(value)


def _fill(template: str, values: dict[str, str]) -> str:
    return particles(template.format_map(values))


def _shown(names: dict[str, Expr], result: BenefitResult) -> dict[str, str]:
    """Placeholder values of a sentence, computed in the verdict's own context."""
    values: dict[str, str] = {}
    for name, expr in names.items():
        try:
            values[name] = show(expr.fn(result.ctx), expr.unit)
        except NotInForce:
            values[name] = "아직 모름"
    return values


def leaf_sentence(leaf: Leaf, result: BenefitResult) -> str:
    outcome, lv, rv = result.record[leaf]
    values = _shown(leaf.names, result)
    test = leaf.test
    if test.op is not None:
        assert test.left is not None and test.right is not None
        values["left"] = show(lv, test.left.unit)
        values["right"] = show(rv, test.right.unit)
    if outcome is True:
        return _fill(leaf.yes, values)
    if outcome is False:
        return _fill(leaf.no, values)
    if leaf.unknown:
        return _fill(leaf.unknown, values)
    missing = [f for f in test.facts if f not in result.ctx.facts]
    labels = [_label(result, f) for f in missing]
    if labels:
        return particles(f"{', '.join(labels)}을(를) 알면 판단할 수 있습니다.")
    for ref in test.benefits:
        name = result.ctx.benefit(ref).benefit.spec.name
        return f"{name} 대상인지 먼저 알아야 합니다."
    return "아직 판단할 수 없습니다."


def _label(result: BenefitResult, fact: str) -> str:
    rules = result.ctx.rules
    spec = rules.facts.get(fact)
    return spec.label if spec else fact


def reasons(result: BenefitResult) -> list[str]:
    if result.error is not None:
        err = result.error
        return [f"{err.date.isoformat()}에 적용되는 '{err.label}' 기준이 규칙에 없어 "
                "판단할 수 없습니다."]
    # Two leaves may say the same thing (both ends of an age range when age is unknown).
    out = list(dict.fromkeys(leaf_sentence(leaf, result) for leaf in result.leaves()))
    if result.status == "eligible":
        line = amount_sentence(result)
        if line:
            out.append(line)
    return out


def amount_sentence(result: BenefitResult) -> str | None:
    spec = result.benefit.spec
    if spec.amount is None:
        return None
    if result.amount is None:
        if result.amount_missing:
            labels = ", ".join(_label(result, f) for f in result.amount_missing)
            return particles(f"금액은 {labels}을(를) 알면 계산할 수 있습니다.")
        return None
    if spec.amount.says:
        values = {"amount": won(result.amount)}
        values.update(_shown(result.benefit.amount_names, result))
        return _fill(spec.amount.says, values)
    word = _PERIOD_WORD[spec.period]
    return f"{word} {won(result.amount)}을 받을 수 있습니다.".strip()


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
            item: dict[str, Any] = {"id": node.id, "depth": depth, "outcome": outcome,
                                    "sentence": leaf_sentence(node, result)
                                    if node in result.record else "평가하지 않음"}
            if node.test.op and node in result.record:
                _, lv, rv = result.record[node]
                item["left"] = show(lv, node.test.left.unit)  # type: ignore[union-attr]
                item["right"] = show(rv, node.test.right.unit)  # type: ignore[union-attr]
            out.append(item)
        else:
            out.append({"id": node.id, "depth": depth, "outcome": outcome, "group": node.kind})
            for child in node.children:
                walk(child, depth + 1)

    walk(result.benefit.root, 0)
    return out
