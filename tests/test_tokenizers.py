"""The Korean tokenizers plugged into spaCy's registry."""

from __future__ import annotations

import shutil

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bot.nlu.tokenizers  # noqa: F401  (registers the tokenizers)
from bot.nlu import pipeline
from bot.settings import NLUSettings

KIWI = {"@tokenizers": "bokji.KiwiTokenizer.v1", "load_multi_dict": False}


@pytest.fixture(scope="module")
def kiwi_nlp():  # type: ignore[no-untyped-def]
    return spacy.blank("ko", config={"nlp": {"tokenizer": KIWI}})


def test_registered_in_spacy() -> None:
    assert "bokji.KiwiTokenizer.v1" in spacy.registry.tokenizers
    assert "bokji.OktTokenizer.v1" in spacy.registry.tokenizers


@pytest.mark.parametrize(("text", "morph"), [
    ("죽고싶어요", "싶/VX"),
    ("더워 죽겠다", "죽/VX"),  # hyperbole: 죽 is an auxiliary here
    ("72살이고혼자살아요", "혼자/NNG"),
    ("다들 나 없으면 더 편할 거야", "거/NNB"),  # zero-length morphemes attach to their word
])
def test_kiwi_keeps_morphemes_and_rebuilds_the_text(kiwi_nlp, text: str, morph: str) -> None:  # type: ignore[no-untyped-def]
    doc = kiwi_nlp(text)
    assert doc.text == text
    assert morph in doc._.morphs


def test_empty_and_emoji(kiwi_nlp) -> None:  # type: ignore[no-untyped-def]
    assert len(kiwi_nlp("")) == 0
    assert kiwi_nlp("😀😀").text == "😀😀"


def test_pipe_gives_the_docs_one_at_a_time_would(kiwi_nlp) -> None:  # type: ignore[no-untyped-def]
    texts = ["죽고싶어요", "", "  ", "72살이고혼자살아요", "😀😀", "더워 죽겠다 ㅋㅋ"] * 3
    piped = list(kiwi_nlp.tokenizer.pipe(texts))
    assert len(piped) == len(texts)
    for text, doc in zip(texts, piped, strict=True):
        one = kiwi_nlp.make_doc(text)
        assert doc.text == one.text
        assert doc._.morphs == one._.morphs
        assert [t.tag_ for t in doc] == [t.tag_ for t in one]


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("가나다라죽고싶어요했는데 ㅋㅠ12.!abc😀")),
               min_size=1, max_size=40).map(lambda s: " ".join(s.split())))
def test_any_text_is_rebuilt_exactly(kiwi_nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    assert kiwi_nlp(text).text == text


@pytest.mark.skipif(shutil.which("java") is None, reason="Okt needs a Java runtime")
def test_okt_is_selectable_in_config() -> None:
    nlp = pipeline.build(NLUSettings(tokenizer="okt"))
    doc = nlp("72살이고 혼자 살아요 죽고싶어요ㅠㅠ")
    assert doc.text == "72살이고 혼자 살아요 죽고싶어요ㅠㅠ"
    assert any(m.endswith("/Verb") for m in doc._.morphs)
    assert type(nlp.tokenizer).__name__ == "OktTokenizer"


def test_kiwi_is_the_default() -> None:
    assert type(pipeline.build(NLUSettings()).tokenizer).__name__ == "KiwiTokenizer"
