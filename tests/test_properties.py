"""Properties every rule set must keep, whatever maintainers write."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.eligibility.profile import Profile
from bot.eligibility.rulebook import RuleSet
from tests.strategies import full_profiles

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def verdicts(rules: RuleSet, facts: dict[str, Any]) -> dict[str, tuple[str, int | None]]:
    ev = rules.evaluate(Profile(**facts))
    return {bid: (r.status, r.amount) for bid, r in ev.results.items()}


@SETTINGS
@given(full_profiles(), st.sampled_from(["earned_income", "other_income"]),
       st.integers(1, 5_000_000))
def test_more_income_never_makes_an_ineligible_household_eligible(
        rules: RuleSet, facts: dict[str, Any], field: str, raise_by: int) -> None:
    before = verdicts(rules, facts)
    after = verdicts(rules, {**facts, field: facts[field] + raise_by})
    for bid, (status, _) in before.items():
        if status == "ineligible":
            assert after[bid][0] != "eligible", (bid, field, raise_by)


@SETTINGS
@given(full_profiles(), st.data())
def test_removing_facts_never_changes_a_decided_verdict(
        rules: RuleSet, facts: dict[str, Any], data: st.DataObject) -> None:
    full = verdicts(rules, facts)
    names = sorted(k for k in facts if k != "date")
    removed = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=6, unique=True))
    partial = verdicts(rules, {k: v for k, v in facts.items() if k not in removed})
    for bid, (status, amount) in partial.items():
        if status != "unknown":
            assert status == full[bid][0], (bid, removed)
        if status == "eligible" and amount is not None:
            assert amount == full[bid][1], (bid, removed)


@SETTINGS
@given(full_profiles())
def test_a_full_profile_decides_every_benefit(rules: RuleSet, facts: dict[str, Any]) -> None:
    ev = rules.evaluate(Profile(**facts))
    for bid, result in ev.results.items():
        assert result.status != "unknown" or result.error is not None, (bid, result.missing)
        assert result.missing == []


@SETTINGS
@given(full_profiles(), st.data())
def test_unknown_verdicts_name_only_absent_facts(
        rules: RuleSet, facts: dict[str, Any], data: st.DataObject) -> None:
    names = sorted(k for k in facts if k != "date")
    kept = data.draw(st.lists(st.sampled_from(names), max_size=8, unique=True))
    partial = {k: facts[k] for k in ["date", *kept]}
    ev = rules.evaluate(Profile(**partial))
    # A region without its 시·군·구 ("경기") is known but may be too vague to decide a class.
    vague = {"region"} if len(partial.get("region", "x y").split()) < 2 else set()
    for result in ev.results.values():
        if result.status == "unknown" and result.error is None:
            assert result.missing, result.id
            assert not set(result.missing) & (set(kept) - vague), result.id
