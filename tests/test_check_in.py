"""The safety check-in: a message that leans toward a crisis without being urgent gets the
hotline and a gentle question last; 네 calls a caseworker, 아니요 is respected.

The real trained model reads every message. To make the band independent of where training
put the thresholds, the classifier alone is kept from making anything urgent (the patterns
still do) and the check-in floor is moved where each test needs it."""

from __future__ import annotations

import dataclasses

import pytest

from bot.dialogue.state import State

NEVER = 1.01
LEANING = "요즘 아무 의욕이 없어요"  # leans to crisis_suicide, names no crisis pattern


@pytest.fixture
def band(nlu, monkeypatch):  # type: ignore[no-untyped-def]
    """Set the check-in floor; the classifier alone never makes a message urgent."""
    def set_floor(floor: float) -> None:
        monkeypatch.setattr(nlu, "thresholds", dataclasses.replace(
            nlu.thresholds, classifier=NEVER, check_in=floor))
    return set_floor


def test_the_nlu_marks_a_leaning_message_and_not_a_calm_or_urgent_one(nlu, band) -> None:  # type: ignore[no-untyped-def]
    band(0.05)
    leaning = nlu.parse(LEANING)
    assert not leaning.urgent and leaning.check_in == "suicide"
    assert nlu.parse("기초연금 신청은 어디서 해요?").check_in is None  # leans nowhere
    urgent = nlu.parse("남편이 때려요")  # a pattern: urgent, so no check-in
    assert urgent.urgent and urgent.check_in is None
    band(NEVER)
    assert nlu.parse(LEANING).check_in is None  # the floor is the switch


def test_explained_words_are_asked_about_only_from_the_urgent_bar(nlu, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A scene in a drama leans to abuse (0.56 with the shipped model) because of its words,
    which the patterns have read and explained away: not from the check-in floor, which is
    under the words' own pull, but from the classifier's urgent bar, where it would have been
    urgent had a calm frame not spoken for it (a frame may be wrong about the writer)."""
    text = "드라마에서 남편이 아내를 때리는 장면이 나왔어요"
    assert nlu.crisis.explained(nlu.normalize(text).text)
    lean = sum(p for intent, p in nlu.classifier.rank(nlu.normalize(text).text)
               if intent.startswith("crisis_"))
    assert 0.2 < lean < nlu.thresholds.explained  # explained away: never urgent on it alone

    def bars(classifier: float) -> None:
        monkeypatch.setattr(nlu, "thresholds", dataclasses.replace(
            nlu.thresholds, classifier=classifier, check_in=0.0))

    bars(lean + 0.01)  # the floor is 0, but the lean is under the urgent bar: not asked
    parse = nlu.parse(text)
    assert not parse.urgent and parse.check_in is None
    bars(lean - 0.01)  # the lean reaches the urgent bar: asked, still not urgent
    parse = nlu.parse(text)
    assert not parse.urgent and parse.check_in == "abuse"


def test_hyperbole_gets_no_check_in_at_the_shipped_floor(nlu) -> None:  # type: ignore[no-untyped-def]
    for text in ("더워 죽겠다", "배고파 죽겠네", "좋아 죽겠어", "죽을 때까지 함께하고 싶다"):
        parse = nlu.parse(text)
        assert not parse.urgent and parse.check_in is None, text


def test_other_languages_and_empty_messages_get_no_check_in(nlu, band) -> None:  # type: ignore[no-untyped-def]
    band(0.0)
    for text in ("I feel so tired of everything", "", "😢😢😢"):
        assert nlu.parse(text).check_in is None, text


def test_a_leaning_message_gets_the_hotline_and_a_question_last(dialogue, band) -> None:  # type: ignore[no-untyped-def]
    band(0.05)
    turn = dialogue.handle(None, LEANING)
    assert not turn.urgent and turn.case is None
    assert "check_in:suicide" in turn.actions
    last = turn.replies[-1]
    assert "109" in last.text and len(last.choices) == 2
    assert [c.payload for c in last.choices] == ["check_in:yes:suicide", "check_in:no:suicide"]
    assert turn.state.check_in == "suicide" and turn.state.offered == last.choices
    assert len(turn.replies) >= 2  # the message itself was answered first


@pytest.mark.parametrize("answer", ["네", "응", "네 도와주세요", "1", "네, 도움이 필요해요",
                                    "상담원 연결해 주세요"])
def test_yes_calls_a_caseworker_for_the_crisis_asked_about(dialogue, band, answer) -> None:  # type: ignore[no-untyped-def]
    band(0.05)
    asked = dialogue.handle(None, LEANING).state
    turn = dialogue.handle(asked, answer)
    assert turn.case is not None and turn.case.reason == "suicide"
    assert turn.case.priority == "critical"
    assert turn.actions[:2] == ["hotline:suicide", "handoff:critical"]
    assert "109" in turn.replies[0].text
    assert turn.state.check_in is None


def test_the_button_itself_calls_a_caseworker(dialogue, band) -> None:  # type: ignore[no-untyped-def]
    band(0.05)
    asked = dialogue.handle(None, LEANING).state
    turn = dialogue.handle(asked, "네, 도움이 필요해요", payload="check_in:yes:suicide")
    assert turn.case is not None and turn.case.reason == "suicide"


def test_no_is_respected_and_not_asked_again(dialogue, band) -> None:  # type: ignore[no-untyped-def]
    band(0.05)
    asked = dialogue.handle(None, LEANING).state
    turn = dialogue.handle(asked, "아니요")
    assert turn.case is None and "check_in:declined:suicide" in turn.actions
    assert turn.state.check_in_declined == ["suicide"]
    again = dialogue.handle(turn.state, LEANING)
    assert not any(a.startswith("check_in:") for a in again.actions)
    assert again.case is None


def test_mid_interview_the_waiting_question_comes_back_or_is_answered(dialogue, band) -> None:  # type: ignore[no-untyped-def]
    band(NEVER)
    st = dialogue.handle(None, "받을 수 있는 복지 찾아 주세요").state
    st = dialogue.handle(st, "72살이고 혼자 살아요").state
    band(0.0)  # now every message that leans at all gets a check-in
    asked = dialogue.handle(st, LEANING)
    pending = asked.state.pending
    assert asked.state.check_in == "suicide" and pending is not None
    declined = dialogue.handle(asked.state, "아니요")
    assert f"ask:{pending}" in declined.actions  # the waiting question is asked again
    assert declined.state.pending == pending and declined.case is None
    # an answer to the interview instead: the check-in lapses, the interview goes on
    band(NEVER)
    answered = dialogue.handle(asked.state, "한 달에 50만원 벌어요")
    assert answered.state.check_in is None and answered.case is None
    assert "inform" in answered.actions or "correct" in answered.actions, answered.actions


def test_a_steering_word_gets_no_check_in(dialogue, band) -> None:  # type: ignore[no-untyped-def]
    """"모르겠어요" leans a little to despair in the classifier (0.2 with the shipped model),
    but to an interview question it means "I don't know": the question is skipped, no more."""
    band(NEVER)
    st = dialogue.handle(None, "받을 수 있는 복지 찾아 주세요").state
    st = dialogue.handle(st, "72살이고 혼자 살아요").state
    band(0.0)
    turn = dialogue.handle(st, "모르겠어요")
    assert any(a.startswith("skip:") for a in turn.actions)
    assert not any(a.startswith("check_in:") for a in turn.actions)


def test_no_check_in_while_a_case_is_open_or_when_urgent(dialogue, band) -> None:  # type: ignore[no-untyped-def]
    band(0.0)
    with_case = State(case_id="c-1")
    turn = dialogue.handle(with_case, LEANING)
    assert not any(a.startswith("check_in:") for a in turn.actions)
    urgent = dialogue.handle(None, "죽고 싶어요")
    assert urgent.urgent and not any(a.startswith("check_in:") for a in urgent.actions)


def test_the_shipped_floor_is_under_the_urgent_bar(nlu) -> None:  # type: ignore[no-untyped-def]
    """The band exists: a check-in floor at or above the urgent bar would never ask."""
    assert 0 < nlu.thresholds.check_in < nlu.thresholds.classifier
