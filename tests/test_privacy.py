"""Personal numbers are masked before anything is stored; money and ages are not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.privacy import mask, pseudonym


@pytest.mark.parametrize(("text", "masked"), [
    ("주민번호 900101-1234567 이에요", "주민번호 900101-1****** 이에요"),
    ("9001012234567", "900101-2******"),
    ("제 번호는 010-1234-5678입니다", "제 번호는 010-****-5678입니다"),
    ("01098765432로 연락 주세요", "010-****-5432로 연락 주세요"),
    ("집 전화 02-123-4567", "집 전화 02-****-4567"),
    ("계좌 110-123-456789 신한", "계좌 ***-***-****89 신한"),
    ("카드 1234 5678 9012 3456", "카드 **** **** **** **56"),
    ("국민은행 123456789012", "국민은행 **********12"),
])
def test_personal_numbers_are_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize("text", [
    "월 150만원 벌어요", "연봉 3600만원", "1500000원", "72살이고 4인 가구예요",
    "2026년 3월 2일", "서울 구로구 123-4", "보증금 5000만원 월세 35만원",
])
def test_money_ages_and_dates_stay(text: str) -> None:
    assert mask(text) == text


@given(st.from_regex(r"01[016789]-?[0-9]{3,4}-?[0-9]{4}", fullmatch=True))
def test_no_phone_number_survives(phone: str) -> None:
    digits = phone.replace("-", "")
    assert digits not in mask(f"연락처 {phone} 입니다").replace("-", "")


def test_pseudonyms_are_stable_and_not_the_id() -> None:
    assert pseudonym("telegram:12345") == pseudonym("telegram:12345")
    assert "12345" not in pseudonym("telegram:12345")
