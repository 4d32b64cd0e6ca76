"""Chat clean-up keeps a map back to the characters the resident typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.nlu.normalize import Normalizer

ROOT = Path(__file__).resolve().parent.parent
NORMALIZE = Normalizer.from_file(ROOT / "nlu" / "patterns" / "normalize.yml")


@pytest.mark.parametrize(("text", "clean"), [
    ("감사함니다ㅠㅠㅠㅠ", "감사합니다ㅠㅠ"),
    ("죽고십어요!!!!!", "죽고싶어요!!"),
    ("  안녕하세여   \u200b반가워요", "안녕하세요 반가워요"),
    ("ＡＢＣ １２３", "ABC 123"),
    ("ㄱㅅ", "감사"),
    ("ㅈㄱㅅㄷ", "ㅈㄱㅅㄷ"),  # shorthand only on its own
    ("thx!", "감사합니다"),
    ("1000000원", "1000000원"),  # digits are never shortened
])
def test_clean_up(text: str, clean: str) -> None:
    assert NORMALIZE(text).text == clean


@given(st.text(alphabet=st.sampled_from(list("감사함니다ㅠ안녕하세여 !\u200bＡ1죽고십어요ㄱㅅ")),
               max_size=60))
def test_every_character_maps_back_into_the_original(text: str) -> None:
    norm = NORMALIZE(text)
    assert len(norm.origin) == len(norm.text) + 1
    for i in range(len(norm.text)):
        start, end = norm.span(i, i + 1)
        assert 0 <= start < end <= len(text)
    assert norm.origin == sorted(norm.origin)
