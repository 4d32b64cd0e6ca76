"""The urgency decision over the real trained model: which bar the classifier alone must clear,
and how training chooses that bar on dev."""

from __future__ import annotations

from bot.nlu.urgency import (
    Thresholds,
    calibrate,
    classifier_crisis,
    crisis_mass,
    decide,
)

NEVER = 1.01  # no probability reaches it


def test_an_act_is_found_by_the_patterns(nlu) -> None:  # type: ignore[no-untyped-def]
    text = nlu.normalize("남편이 때려요").text
    reading = nlu.classifier.rank(text)
    assert decide(nlu.crisis, nlu.classifier, text, reading,
                  Thresholds(0.2, NEVER, NEVER)) == ("abuse", "pattern")


def test_words_explained_away_raise_the_classifiers_bar(  # type: ignore[no-untyped-def]
        nlu) -> None:
    explained = nlu.normalize("폭력 같은 건 없어요 그냥 돈이 좀 부족한 거지").text
    plain = nlu.normalize("오늘 날씨 좋네요").text
    assert nlu.crisis.explained(explained) and not nlu.crisis.explained(plain)
    anything = Thresholds(0.2, 0.0, NEVER)  # the classifier alone flags anything it may
    assert decide(nlu.crisis, nlu.classifier, explained, nlu.classifier.rank(explained),
                  anything) == (None, "explained")
    found, source = decide(nlu.crisis, nlu.classifier, plain, nlu.classifier.rank(plain),
                           anything)
    assert source == "classifier" and found in ("suicide", "abuse", "livelihood")


def test_the_classifier_counts_its_crisis_intents_together() -> None:
    torn = [("crisis_abuse", 0.45), ("crisis_suicide", 0.35), ("out_of_scope", 0.2)]
    assert crisis_mass(torn) == 0.8
    assert classifier_crisis(torn, 0.75) == "abuse"  # neither alone reaches 0.75
    assert classifier_crisis(torn, 0.85) is None


def test_calibration_catches_the_asked_share_of_crises_left_to_it(  # type: ignore[no-untyped-def]
        nlu) -> None:
    crises = ["요즘 그냥 다 놓고 싶어요 아무 의미가 없네요",  # veiled: left to the classifier
              "하루 종일 천장만 보고 누워 있어요 이제 지쳤어요",
              "이제 다 내려놓으려고요 마음 정리 끝났어요",
              "집에 들어가면 또 무슨 일 날까 봐 밖에서 서성여요",
              "아무한테도 말 못 하겠어요 그냥 도와주세요",
              "집에 먹을 게 하나도 없어서 애들 굶겨요"]           # a pattern's
    calm = ["오늘 점심 뭐 먹지", "기초연금 얼마예요", "감사합니다", "주말에 등산 갈 거예요"]
    examples = [(nlu.normalize(t).text, True) for t in crises] + \
        [(nlu.normalize(t).text, False) for t in calm]
    c = calibrate(examples, nlu.crisis, nlu.classifier, 0.2, 0.9, 0.75, 0.0, 1.0)
    assert c.crises + c.calm <= len(examples)
    assert c.caught >= 0.75 * c.crises
    left = [t for t, crisis in examples if crisis and nlu.crisis.assess(
        t, nlu.classifier.lean(t, nlu.classifier.rank(t), 0.2), 0.2) == ([], False)]
    masses = sorted((crisis_mass(nlu.classifier.rank(t)) for t in left), reverse=True)
    assert len(masses) == 5 == c.crises  # the pattern's crisis is not the classifier's
    assert c.threshold == masses[3]  # the highest that still catches four in five (≥ 0.75)
    assert c.caught == 4
    narrow = calibrate(examples, nlu.crisis, nlu.classifier, 0.2, 0.9, 1.0, 0.6, 0.7)
    assert 0.6 <= narrow.threshold <= 0.7


def test_the_shipped_model_uses_the_threshold_chosen_at_training(  # type: ignore[no-untyped-def]
        nlu) -> None:
    chosen = nlu.meta["urgency"]["classifier_urgent"]
    assert nlu.thresholds.classifier == chosen
    low, high = nlu.settings.thresholds.classifier_urgent_range
    assert low <= chosen <= high
