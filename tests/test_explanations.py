"""Verdicts are explained in sentences built from the values actually compared."""

from __future__ import annotations

from bot.eligibility.explain import reasons, trace
from bot.eligibility.rulebook import RuleSet
from tests.conftest import NO_ASSETS, evaluate

RENTER = {**NO_ASSETS, "earned_income": 1_200_000, "region": "경기 수원시",
          "housing": "monthly_rent", "monthly_rent": 450_000}


def test_eligible_reason_shows_both_sides(rules: RuleSet) -> None:
    result = evaluate(rules, household_size=1, **RENTER).results["livelihood_benefit"]
    assert result.status == "ineligible"
    assert reasons(result) == [
        "소득인정액 120만원이 1인 가구 생계급여 기준 82만 556원보다 많습니다."]


def test_partly_known_values_are_shown_as_a_bound(rules: RuleSet) -> None:
    result = evaluate(rules, household_size=1, earned_income=3_000_000).results[
        "livelihood_benefit"]
    assert result.status == "ineligible"
    assert reasons(result) == [
        "소득인정액 300만원 이상이 1인 가구 생계급여 기준 82만 556원보다 많습니다."]


def test_amount_missing_from_the_tables_is_said(rules: RuleSet) -> None:
    result = evaluate(rules, household_size=3, **RENTER).results["housing_benefit"]
    assert (result.status, result.amount) == ("eligible", None)
    assert reasons(result)[-1].startswith("이 가구에 맞는 금액 기준이 아직 안내에 없어")


def test_owners_get_no_monthly_amount_and_no_question_about_rent(rules: RuleSet) -> None:
    owner = {**RENTER, "housing": "owner"}
    del owner["monthly_rent"]
    result = evaluate(rules, household_size=1, **{**owner, "earned_income": 300_000}).results[
        "housing_benefit"]
    assert (result.status, result.amount, result.amount_missing) == ("eligible", None, [])
    assert not any("월세" in r for r in reasons(result))


def test_renter_amount_waits_for_the_rent(rules: RuleSet) -> None:
    renter = dict(RENTER, earned_income=300_000)
    del renter["monthly_rent"]
    result = evaluate(rules, household_size=1, **renter).results["housing_benefit"]
    assert result.amount is None and result.amount_missing == ["monthly_rent"]
    assert reasons(result)[-1] == "금액은 월세를 알면 계산할 수 있습니다."


def test_the_same_sentence_is_not_repeated(rules: RuleSet) -> None:
    result = evaluate(rules, job_seeking=True).results["employment_support"]
    said = reasons(result)
    assert len(said) == len(set(said))


def test_trace_lists_every_condition(rules: RuleSet) -> None:
    result = evaluate(rules, age=70).results["basic_pension"]
    items = trace(result)
    assert [i["id"] for i in items] == ["conditions", "age", "income"]
    assert items[1]["outcome"] is True and items[1]["left"] == "70세"
    assert items[2]["outcome"] is None
