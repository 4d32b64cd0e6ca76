from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.eligibility.korean import number, particles, won


@pytest.mark.parametrize(("amount", "text"), [
    (0, "0원"), (556, "556원"), (500000, "50만원"), (820556, "82만 556원"),
    (1230834, "123만 834원"), (20000000, "2,000만원"), (120000000, "1억 2,000만원"),
    (100000000, "1억원"), (1000000000000, "10,000억원"), (-30000, "-3만원"),
])
def test_won(amount: int, text: str) -> None:
    assert won(amount) == text


@given(st.integers(min_value=0, max_value=10**12))
def test_won_reads_back_to_the_same_amount(amount: int) -> None:
    text = won(amount).removesuffix("원").replace(",", "")
    total = 0
    for part in text.split():
        if part.endswith("억"):
            total += int(part[:-1]) * 100_000_000
        elif part.endswith("만"):
            total += int(part[:-1]) * 10_000
        else:
            total += int(part)
    assert total == amount


@pytest.mark.parametrize(("text", "out"), [
    ("소득인정액이(가)", "소득인정액이"), ("나이이(가)", "나이가"), ("50만원이(가)", "50만원이"),
    ("70세이(가)", "70세가"), ("70세(으)로", "70세로"), ("50만원(으)로", "50만원으로"),
    ("1인(으)로", "1인으로"), ("서울(으)로", "서울로"), ("3명을(를)", "3명을"),
    ("5개월은(는)", "5개월은"), ("2은(는)", "2는"), ("3은(는)", "3은"), ("7(으)로", "7로"),
    ("1인와(과)", "1인과"), ("나이와(과)", "나이와"), ("서울가(이)", "서울이"),
])
def test_particles_follow_the_sound_before(text: str, out: str) -> None:
    assert particles(text) == out


def test_units() -> None:
    assert number(70, "years") == "70세"
    assert number(3, "persons") == "3인"
    assert number(5, "months") == "5개월"
    assert number(32, "percent") == "32%"
