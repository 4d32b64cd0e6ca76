"""The engine reproduces the official 선정기준 tables exactly, boundaries included.

The tables are copied from shared/spec/welfare-facts.md (보건복지부고시 제2025-135호 for 2026);
the engine computes them from 기준 중위소득 × rate, rounded half up to the won. A household whose
소득인정액 is exactly the threshold qualifies; one won more does not.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.eligibility.rulebook import RuleSet
from tests.conftest import DAY_2025, DAY_2026, NO_ASSETS, evaluate

TABLE_2026 = {  # persons: (생계 32%, 의료 40%, 주거 48%, 교육 50%)
    1: (820556, 1025695, 1230834, 1282119),
    2: (1343773, 1679717, 2015660, 2099646),
    3: (1714892, 2143614, 2572337, 2679518),
    4: (2078316, 2597895, 3117474, 3247369),
    5: (2418150, 3022688, 3627225, 3778360),
    6: (2737905, 3422381, 4106857, 4277976),
    7: (3044848, 3806060, 4567272, 4757575),
}
LIVELIHOOD_2025 = {1: 765444, 2: 1258451, 3: 1608113, 4: 1951287, 5: 2274621, 6: 2580738}
CALCS = ("livelihood_threshold", "medical_threshold", "housing_threshold", "education_threshold")
BENEFITS = ("livelihood_benefit", "medical_benefit", "housing_benefit", "education_benefit")


def threshold(rules: RuleSet, calc: str, persons: int, day: dt.date) -> float:
    ctx = rules.context({"household_size": persons}, day)
    lo, hi = rules.calcs[calc].fn(ctx)
    assert lo == hi
    return lo


@pytest.mark.parametrize("persons", sorted(TABLE_2026))
def test_2026_thresholds_match_the_notice(rules: RuleSet, persons: int) -> None:
    got = tuple(threshold(rules, calc, persons, DAY_2026) for calc in CALCS)
    assert got == TABLE_2026[persons]


@pytest.mark.parametrize("persons", sorted(LIVELIHOOD_2025))
def test_2025_livelihood_thresholds_match_the_notice(rules: RuleSet, persons: int) -> None:
    assert threshold(rules, "livelihood_threshold", persons, DAY_2025) == LIVELIHOOD_2025[persons]


def household(persons: int, income: int) -> dict[str, object]:
    """A renting household with no assets, so 소득인정액 equals its income; one school child."""
    return {**NO_ASSETS, "household_size": persons, "earned_income": income, "age": 45,
            "region": "서울 구로구", "housing": "monthly_rent", "monthly_rent": 300000,
            "children_age_months": [120], "support_obligor": "none", "current_benefits": []}


@pytest.mark.parametrize("persons", sorted(TABLE_2026))
@pytest.mark.parametrize("which", range(4))
def test_2026_boundaries(rules: RuleSet, persons: int, which: int) -> None:
    line = TABLE_2026[persons][which]
    at = evaluate(rules, DAY_2026, **household(persons, line)).results[BENEFITS[which]]
    over = evaluate(rules, DAY_2026, **household(persons, line + 1)).results[BENEFITS[which]]
    assert (at.status, over.status) == ("eligible", "ineligible")


@pytest.mark.parametrize("persons", sorted(LIVELIHOOD_2025))
def test_2025_livelihood_boundaries(rules: RuleSet, persons: int) -> None:
    line = LIVELIHOOD_2025[persons]
    at = evaluate(rules, DAY_2025, **household(persons, line)).results["livelihood_benefit"]
    over = evaluate(rules, DAY_2025, **household(persons, line + 1)).results["livelihood_benefit"]
    assert (at.status, over.status) == ("eligible", "ineligible")
    assert at.amount == 0


def test_livelihood_amount_tops_up_to_the_line(rules: RuleSet) -> None:
    result = evaluate(rules, DAY_2026, **household(1, 500000)).results["livelihood_benefit"]
    assert (result.status, result.amount) == ("eligible", 820556 - 500000)


def test_the_date_selects_the_values_in_force(rules: RuleSet) -> None:
    dec = evaluate(rules, dt.date(2025, 12, 31), **household(1, 800000))
    jan = evaluate(rules, dt.date(2026, 1, 1), **household(1, 800000))
    assert dec.results["livelihood_benefit"].status == "ineligible"  # 2025 line 765,444
    assert jan.results["livelihood_benefit"].status == "eligible"  # 2026 line 820,556
