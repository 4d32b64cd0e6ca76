"""The expression language: three-valued, interval-bounded, and checked when compiled."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from bot.eligibility.expr import UNKNOWN, CompileError, Compiler, round_half_up
from bot.eligibility.profile import BENEFIT_IDS
from bot.eligibility.rulebook import RuleSet
from bot.yamlio import load_text


def compiler(rules: RuleSet) -> Compiler:
    return Compiler(rules.facts, rules.params, {}, {}, set(BENEFIT_IDS), rules.regions)


def value(rules: RuleSet, text: str, **facts: Any) -> Any:
    expr = compiler(rules).value(load_text(text, "t.yml"), None)
    return expr.fn(rules.context(facts, dt.date(2026, 3, 2)))


def cond(rules: RuleSet, text: str, **facts: Any) -> bool | None:
    expr = compiler(rules).condition(load_text(text, "t.yml"), None)
    return expr.fn(rules.context(facts, dt.date(2026, 3, 2)))


def test_known_numbers_are_exact(rules: RuleSet) -> None:
    assert value(rules, "{add: [earned_income, other_income]}", earned_income=5,
                 other_income=7) == (12, 12)


def test_unknown_money_is_bounded_below_by_zero(rules: RuleSet) -> None:
    lo, hi = value(rules, "{add: [earned_income, other_income]}", earned_income=5)
    assert (lo, hi) == (5, math.inf)


def test_income_alone_can_decide_a_ceiling(rules: RuleSet) -> None:
    text = "{le: [{add: [earned_income, other_income]}, 1000]}"
    assert cond(rules, text, earned_income=2000) is False
    assert cond(rules, text, earned_income=10) is None
    assert cond(rules, text, earned_income=10, other_income=0) is True


def test_unknown_household_size_spans_the_table(rules: RuleSet) -> None:
    lo, hi = value(rules, "{param: median_income, key: household_size}")
    assert lo == 2564238 and hi == math.inf
    assert value(rules, "{param: median_income, key: household_size}",
                 household_size=9) == (9515150 + 2 * (9515150 - 8555952),) * 2


def test_if_with_unknown_condition_takes_both_branches(rules: RuleSet) -> None:
    text = "{if: {in: [spouse, [true]]}, then: 10, else: 20}"
    assert value(rules, text) == (10, 20)
    assert value(rules, text, spouse=True) == (10, 10)


def test_all_any_not_are_kleene(rules: RuleSet) -> None:
    assert cond(rules, "{all: [{ge: [age, 65]}, {in: [spouse, [true]]}]}", age=70) is None
    assert cond(rules, "{all: [{ge: [age, 65]}, {in: [spouse, [true]]}]}", age=30) is False
    assert cond(rules, "{any: [{ge: [age, 65]}, {in: [spouse, [true]]}]}", age=70) is True
    assert cond(rules, "{not: {in: [spouse, [true]]}}") is None
    assert cond(rules, "{not: {in: [spouse, [true]]}}", spouse=False) is True


def test_has_and_count_on_lists(rules: RuleSet) -> None:
    assert cond(rules, "{has: [crisis_events, [job_loss]]}", crisis_events=["job_loss"]) is True
    assert cond(rules, "{has: [crisis_events, [job_loss]]}") is None
    assert value(rules, "{count: children_age_months, max: 11}",
                 children_age_months=[3, 11, 12]) == (2, 2)
    assert value(rules, "{count: children_age_months, max: 11}") == (0, math.inf)


def test_region_class_is_unknown_until_it_is_certain(rules: RuleSet) -> None:
    assert value(rules, "{region_class: city_size}") is UNKNOWN
    assert value(rules, "{region_class: city_size}", region="경기") is UNKNOWN
    assert value(rules, "{region_class: city_size}", region="경기 가평군") == "rural"


@pytest.mark.parametrize(("x", "rounded"), [
    (820556.16, 820556), (2.5, 3), (1230834.24, 1230834), (7.5e-7, 0), (0.4999, 0),
    (1000.0049, 1000),
    (1.04 * 50, 52), (2564238 * 0.32, 820556),
])
def test_round_half_up(x: float, rounded: int) -> None:
    assert round_half_up(x) == rounded


@pytest.mark.parametrize(("text", "message"), [
    ("{le: [agee, 3]}", "unknown name 'agee'"),
    ("{le: [region, 3]}", "cannot compare a str (region) with a num (3)"),
    ("{le: [housing, housing]}", "le compares numbers; housing is a str"),
    ("{in: [housing, [mansion]]}", "'mansion' is not a value of 'housing'"),
    ("{has: [age, [3]]}", "has looks inside a list; age is a num"),
    ("{eligible: free_money}", "unknown benefit id 'free_money'"),
    ("{le: [median_income, 3]}", "parameter 'median_income' is a table by household_size"),
    ("{le: [{param: elderly_age, key: age}, 3]}", "parameter 'elderly_age' is a single value"),
    ("{le: [{region_class: planets}, 3]}", "unknown region scheme 'planets'"),
    ("{frobnicate: [1, 2]}", "expected exactly one operator"),
    ("{le: [1, 2, 3]}", "le takes exactly 2 items, got 3"),
])
def test_compile_errors_say_what_is_wrong(rules: RuleSet, text: str, message: str) -> None:
    with pytest.raises(CompileError) as info:
        compiler(rules).condition(load_text(text, "t.yml"), None)
    assert message in info.value.message
