"""Korean numbers as residents write them, and the round trip number → words → number."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.nlu.numbers import parse_native, parse_number, parse_sino, to_native_words, to_sino_words


@pytest.mark.parametrize(("text", "value"), [
    ("72", 72), ("1,500,000", 1_500_000), ("백오십만", 1_500_000), ("일흔두", 72),
    ("1억 2천만", 120_000_000), ("1억 2천", 120_000_000), ("1억2천", 120_000_000),
    ("3.5억", 350_000_000), ("150만", 1_500_000), ("2백5십", 250), ("천오백", 1500),
    ("스물다섯", 25), ("다섯", 5), ("열", 10), ("삼천육백만", 36_000_000), ("만", 10_000),
    ("십만", 100_000), ("백만", 1_000_000), ("일억이천만", 120_000_000), ("3천", 3000),
    ("2만 5천", 25_000), ("스무", 20), ("아흔아홉", 99), ("여든", 80), ("칠십이", 72),
])
def test_parse(text: str, value: int) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["이삼", "1.5", "가나다", "", "억억"])
def test_not_numbers(text: str) -> None:
    assert parse_number(text) is None


@given(st.integers(min_value=1, max_value=10**12 - 1))
def test_sino_words_round_trip(n: int) -> None:
    assert parse_sino(to_sino_words(n)) == n


@given(st.integers(min_value=1, max_value=99))
def test_native_words_round_trip(n: int) -> None:
    assert parse_native(to_native_words(n)) == n


@given(st.integers(min_value=0, max_value=10**12))
def test_digits_with_commas_round_trip(n: int) -> None:
    assert parse_sino(f"{n:,}") == n


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=0, max_value=9999))
def test_man_units_round_trip(man: int, rest: int) -> None:
    """'150만 3000' style: digits before 만 and after it."""
    text = f"{man}만 {rest}" if rest else f"{man}만"
    assert parse_sino(text) == man * 10_000 + rest


def test_words() -> None:
    assert to_sino_words(1_500_000) == "백오십만"
    assert to_native_words(72) == "일흔두"
