"""Hypothesis strategies for whole household profiles (every fact known)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from bot.eligibility.profile import BENEFIT_IDS, CRISIS_EVENTS

REGIONS = [
    "서울특별시 구로구", "서울", "경기도 수원시", "경기 가평군", "경기",
    "부산광역시 해운대구", "부산 기장군", "인천", "세종", "경남 창원시",
    "경남 김해시", "전남 해남군", "제주", "강원 춘천시", "대전 서구",
]

# Small amounts are common in the lives this product serves; keep them likely.
money = st.one_of(st.just(0), st.integers(0, 3_000_000), st.integers(0, 2_000_000_000))


@st.composite
def full_profiles(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "date": draw(st.sampled_from([dt.date(2025, 6, 1), dt.date(2026, 3, 2)])),
        "age": draw(st.integers(0, 100)),
        "household_size": draw(st.integers(1, 9)),
        "spouse": draw(st.booleans()),
        "children_age_months": draw(st.lists(st.integers(0, 240), max_size=4)),
        "earned_income": draw(money),
        "other_income": draw(money),
        "property": draw(money),
        "financial_assets": draw(money),
        "debt": draw(money),
        "car_value": draw(st.one_of(st.just(0), st.integers(0, 80_000_000))),
        "region": draw(st.sampled_from(REGIONS)),
        "disability": draw(st.sampled_from(["none", "mild", "severe"])),
        "single_parent": draw(st.booleans()),
        "crisis_events": draw(st.lists(st.sampled_from(CRISIS_EVENTS), max_size=2, unique=True)),
        "job_seeking": draw(st.booleans()),
        "housing": draw(st.sampled_from(["owner", "jeonse", "monthly_rent", "homeless"])),
        "monthly_rent": draw(st.integers(0, 1_500_000)),
        "current_benefits": draw(st.lists(st.sampled_from(BENEFIT_IDS), max_size=2, unique=True)),
        "long_term_care_grade": draw(st.booleans()),
        "support_obligor": draw(st.sampled_from(["none", "able", "unable"])),
        "parents_low_income": draw(st.booleans()),
    }
