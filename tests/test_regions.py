from __future__ import annotations

import pytest

from bot.eligibility.rulebook import RuleSet


@pytest.mark.parametrize(("region", "scheme", "expected"), [
    ("서울특별시 구로구", "basic_property_area", "seoul"),
    ("서울", "basic_property_area", "seoul"),
    ("경기", "basic_property_area", "gyeonggi"),
    ("인천 남동구", "basic_property_area", "metro"),
    ("세종", "basic_property_area", "metro"),
    ("경남 창원시", "basic_property_area", "metro"),
    ("경남 김해시", "basic_property_area", "other"),
    ("경남", "basic_property_area", None),  # 창원 or not: undecided
    ("전남 해남군", "basic_property_area", "other"),
    ("서울 구로구", "city_size", "metropolis"),
    ("서울", "city_size", "metropolis"),
    ("부산", "city_size", None),  # 구 or 기장군
    ("부산 기장군", "city_size", "rural"),
    ("경기 수원시", "city_size", "small_city"),
    ("경기 수원시 장안구", "city_size", "small_city"),
    ("전남 해남군", "city_size", "rural"),
    ("제주", "city_size", "small_city"),
    ("인천", "housing_grade", "grade2"),
    ("경기 가평군", "housing_grade", "grade2"),
    ("대전", "housing_grade", "grade3"),
    ("경남 창원시", "housing_grade", "grade3"),
    ("강원 춘천시", "housing_grade", "grade4"),
])
def test_classes(rules: RuleSet, region: str, scheme: str, expected: str | None) -> None:
    assert rules.regions.classify(scheme, region) == expected


@pytest.mark.parametrize("bad", ["화성", "서울 강남", "", "   "])
def test_unknown_places_are_refused(rules: RuleSet, bad: str) -> None:
    with pytest.raises(ValueError):
        rules.regions.parse(bad)
