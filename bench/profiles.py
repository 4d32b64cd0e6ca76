"""Random household profiles for benchmarks: every fact present with some probability."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from bot.eligibility.profile import BENEFIT_IDS, CRISIS_EVENTS

REGIONS = [
    "서울특별시 구로구", "서울", "경기도 수원시", "경기 가평군", "경기",
    "부산광역시 해운대구", "부산 기장군", "인천", "세종", "경남 창원시",
    "경남 김해시", "전남 해남군", "제주", "강원 춘천시", "대전 서구",
]


def _money(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.3:
        return 0
    if roll < 0.8:
        return rng.randrange(0, 3_000_000)
    return rng.randrange(0, 2_000_000_000)


def random_profile(rng: random.Random, keep: float = 0.8) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "age": rng.randrange(0, 100),
        "household_size": rng.randrange(1, 8),
        "spouse": rng.random() < 0.4,
        "children_age_months": [rng.randrange(0, 240) for _ in range(rng.randrange(0, 4))],
        "earned_income": _money(rng),
        "other_income": _money(rng),
        "property": _money(rng),
        "financial_assets": _money(rng),
        "debt": _money(rng),
        "car_value": rng.choice([0, 0, rng.randrange(0, 60_000_000)]),
        "region": rng.choice(REGIONS),
        "disability": rng.choice(["none", "none", "mild", "severe"]),
        "single_parent": rng.random() < 0.1,
        "crisis_events": rng.sample(CRISIS_EVENTS, rng.choice([0, 0, 1, 2])),
        "job_seeking": rng.random() < 0.3,
        "housing": rng.choice(["owner", "jeonse", "monthly_rent", "homeless"]),
        "monthly_rent": rng.randrange(0, 1_000_000),
        "current_benefits": rng.sample(BENEFIT_IDS, rng.choice([0, 0, 1])),
        "long_term_care_grade": rng.random() < 0.1,
        "support_obligor": rng.choice(["none", "able", "unable"]),
        "parents_low_income": rng.random() < 0.5,
    }
    kept = {k: v for k, v in facts.items() if rng.random() < keep}
    kept["date"] = rng.choice([dt.date(2025, 6, 1), dt.date(2026, 3, 2)])
    return kept
