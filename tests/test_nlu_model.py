"""The trained NLU end to end: the contract's fields, crises first, odd input never crashes."""

from __future__ import annotations

import json

import pytest

from bot.nlu.data import INTENTS
from tests.cli import bokji


def test_parse_fields(nlu) -> None:  # type: ignore[no-untyped-def]
    p = nlu.parse("72살이고 혼자 살아요, 월 80만원 벌어요")
    assert p.intent == "inform"
    assert 0 <= p.confidence <= 1
    assert (p.urgent, p.crisis_type) == (False, None)
    found = {(e.entity, e.value) for e in p.entities}
    assert found == {("age", 72), ("household_size", 1), ("monthly_income", 800_000)}
    for e in p.entities:
        assert p.text[e.start:e.end]  # spans point into the original text


def test_crisis_inside_a_question_wins(nlu) -> None:  # type: ignore[no-untyped-def]
    p = nlu.parse("기초연금 물어보려다… 사실 죽고 싶어요")
    assert (p.intent, p.urgent, p.crisis_type) == ("crisis_suicide", True, "suicide")


@pytest.mark.parametrize("text", ["더워 죽겠다", "배고파 죽겠네", "좋아 죽겠어",
                                  "죽을 때까지 함께하고 싶다"])
def test_hyperbole_is_not_urgent(nlu, text: str) -> None:  # type: ignore[no-untyped-def]
    assert nlu.parse(text).urgent is False


@pytest.mark.parametrize(("text", "language"), [
    ("Hello, can you help me with welfare?", "en"), ("我想申请补助", "zh"),
    ("Xin chào, tôi cần giúp đỡ", "vi"), ("こんにちは", "ja"), ("😀😀😀", "symbols"), ("", "none"),
])
def test_other_languages_and_no_text(nlu, text: str, language: str) -> None:  # type: ignore[no-untyped-def]
    p = nlu.parse(text)
    assert p.language == language
    assert p.intent in INTENTS
    assert p.urgent is False


def test_crisis_in_english_is_still_urgent(nlu) -> None:  # type: ignore[no-untyped-def]
    assert nlu.parse("I want to kill myself").crisis_type == "suicide"


def test_very_long_message(nlu) -> None:  # type: ignore[no-untyped-def]
    text = "기초연금 신청하고 싶어요. " * 700 + "사실 죽고 싶어요"
    assert len(text) > 10_000
    p = nlu.parse(text)
    assert p.urgent and p.crisis_type == "suicide"  # the crisis at the very end is not cut off


def test_contract_command() -> None:
    lines = ["안녕하세요", "", "남편이 때려요", "😀", "x" * 10_000]
    run = bokji("nlu", "parse", stdin="\n".join(lines) + "\n")
    assert run.returncode == 0, run.stderr
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(out) == len(lines)
    for o, text in zip(out, lines, strict=True):
        assert set(o) >= {"text", "intent", "confidence", "urgent", "crisis_type", "entities"}
        assert o["text"] == text
        assert o["intent"] in INTENTS
    assert out[2]["urgent"] is True and out[2]["crisis_type"] == "abuse"
    assert out[2]["entities"] == [{"entity": "crisis_event", "value": "domestic_violence",
                                   "start": 0, "end": 2}]


def test_questions_about_a_crisis_topic_stay_calm(nlu) -> None:  # type: ignore[no-untyped-def]
    # 학대, 스토킹, 노숙 only name the subject: the classifier decides (thresholds.topic_urgent)
    for text in ("아동학대처벌법이랑 아동복지법 차이가 뭐예요?",
                 "스토킹 처벌법 생긴 게 몇 년도였죠?"):
        assert nlu.parse(text).urgent is False, text


def test_a_topic_word_disclosed_after_a_question_is_urgent(nlu) -> None:  # type: ignore[no-untyped-def]
    p = nlu.parse("기초연금 신청 서류 뭐 필요해요? 그리고 사실 요즘 남편 폭력이 심해서 무서워요")
    assert (p.urgent, p.crisis_type) == (True, "abuse")


def test_sentence_around_finds_the_sentence_without_a_full_stop() -> None:
    from bot.nlu.urgency import sentence_around

    text = "기초연금 물어보려고요. 근데 사실 남편이 폭력을 써요 무서워요"
    s, e = sentence_around(text, text.index("폭력"), text.index("폭력") + 2)
    assert text[s:e].strip() == "근데 사실 남편이 폭력을 써요"
    assert sentence_around("폭력", 0, 2) == (0, 2)
