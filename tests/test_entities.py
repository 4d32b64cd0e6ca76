"""Facts from residents' words: exact values, because they feed the eligibility engine."""

from __future__ import annotations

from collections.abc import Callable

import pytest

Extract = Callable[[str], set[tuple[str, object]]]


@pytest.mark.parametrize(("text", "expected"), [
    # ages: digits, Native Korean numerals, 만 나이, corrections; not a programme's rule
    ("72살이에요", {("age", 72)}),
    ("일흔두 살이에요", {("age", 72)}),
    ("만 65세입니다", {("age", 65)}),
    ("일흔여섯이에요", {("age", 76)}),
    ("아 나이 잘못 말했어요, 72예요", {("age", 72)}),
    ("아니 71 아니고 72요", {("age", 72)}),
    ("기초연금 몇 살부터예요 만 65세부터예요?", {("benefit", "basic_pension")}),
    # children
    ("5개월 아기 있어요", {("child_age_months", 5)}),
    ("일곱 살 딸이랑 둘이 살아요", {("child_age_months", 84), ("household_size", 2)}),
    ("월세 3개월 밀렸어요", set()),
    # household
    ("혼자 살아요", {("household_size", 1)}),
    ("4인 가구예요", {("household_size", 4)}),
    ("남편이랑 둘이 살아요", {("household_size", 2)}),
    ("아내랑 애 둘", {("household_size", 4)}),
    ("세 식구예요", {("household_size", 3)}),
    ("혼자 애 셋 키워요", {("household_size", 4)}),
    ("네", set()),
    ("엄마랑 둘이 살아요", {("household_size", 2)}),
    # income: month, year ÷ 12, Korean numerals, 만원 units, zero; not rent
    ("월 150만원 벌어요", {("monthly_income", 1_500_000)}),
    ("한 달에 백오십만 원 벌어요", {("monthly_income", 1_500_000)}),
    ("연봉 3600만이에요", {("monthly_income", 3_000_000)}),
    ("연봉 4200", {("monthly_income", 3_500_000)}),
    ("월 280 받아요", {("monthly_income", 2_800_000)}),
    ("소득 없어요", {("monthly_income", 0)}),
    ("국민연금 30만원 받아요", {("monthly_income", 300_000)}),
    ("월세 40만원 내요", set()),
    ("보증금 500에 월세 30이에요", set()),
    ("아동수당 10만원 주는 거 맞아요?", {("benefit", "child_allowance")}),
    # regions
    ("서울 구로구 살아요", {("region", "서울특별시 구로구")}),
    ("수원 살아요", {("region", "경기도 수원시")}),
    ("전남 해남이에요", {("region", "전라남도 해남군")}),
    ("고양이 키워요", set()),
    ("대리 신청도 되나요", set()),
    ("전남편이 찾아와요", set()),
    # benefits, disability
    ("기초수급 받을 수 있나요", {("benefit", "livelihood_benefit")}),
    ("노령연금 얼마예요", {("benefit", "basic_pension")}),
    ("심한 장애가 있어요", {("disability", "severe")}),
    ("장애 5급이에요", {("disability", "mild")}),
    # crisis events
    ("실직했어요", {("crisis_event", "job_loss")}),
    ("전기 끊겼어요", {("crisis_event", "utilities_cut")}),
    ("나중에 실직하면 받을 수 있는 거 있나요", set()),
    ("남편이 때려요", {("crisis_event", "domestic_violence")}),
    ("아빠가 저를 때려요", {("crisis_event", "neglect_abuse")}),
    ("아빠가 엄마를 때려요", {("crisis_event", "domestic_violence")}),
])
def test_entities(extract: Extract, text: str, expected: set[tuple[str, object]]) -> None:
    assert extract(text) == expected


def test_several_facts_in_one_message(extract: Extract) -> None:
    found = extract("68살이고 아내랑 둘이 살아요, 월 80만원 벌어요")
    assert found == {("age", 68), ("household_size", 2), ("monthly_income", 800_000)}
