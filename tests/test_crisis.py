"""Urgent detection that does not depend on the classifier: hard cases both ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.crisis import CrisisDetector
from bot.nlu.normalize import Normalizer


@pytest.fixture(scope="module")
def detect(nlu_patterns: Path):  # type: ignore[no-untyped-def]
    normalize = Normalizer.from_file(nlu_patterns / "normalize.yml")
    detector = CrisisDetector(nlu_patterns / "crisis.yml")
    return lambda text: detector.detect(normalize(text).text)


@pytest.mark.parametrize(("text", "kind"), [
    ("죽고 싶어요", "suicide"),
    ("죽고십어요", "suicide"),
    ("기초연금 물어보려다… 사실 죽고 싶어요", "suicide"),
    ("다 끝내고 싶어요 살 이유가 없어요", "suicide"),
    ("약을 모아뒀어요", "suicide"),
    ("손목 그었어요", "suicide"),
    ("ㅈㄱㅅㄷ 진심", "suicide"),
    ("시험 망해서 죽고 싶다ㅋㅋ 농담", "suicide"),  # policy: an explicit death wish stays urgent
    ("I want to die", "suicide"),
    ("남편이 때려요", "abuse"),
    ("아빠한테 맞았어요", "abuse"),
    ("옆집 애가 맨날 맞는 소리가 나요", "abuse"),
    ("살려주세요 남편이 칼 들었어요", "abuse"),
    ("당장 먹을 게 없어요", "livelihood"),
    ("월세 밀려서 쫓겨나요", "livelihood"),
    ("짐 싸서 쫓겨났어요", "livelihood"),
    ("전기 끊겼어요", "livelihood"),
    ("사흘째 아무것도 못 먹었어요", "livelihood"),
    ("공원 벤치에서 사흘째 자고 있어요", "livelihood"),
])
def test_crises_are_urgent(detect, text: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    assert detect(text) == kind


@pytest.mark.parametrize("text", [
    "더워 죽겠다", "배고파 죽겠네", "좋아 죽겠어", "죽을 때까지 함께하고 싶다", "웃겨 죽겠네 ㅋㅋ",
    "모기 때려잡았어", "알바 때려치웠어 ㅋㅋ", "정답 맞았어요", "저한테 맞는 복지 추천해 주세요",
    "전기요금 얼마 나왔는지 어떻게 봐요", "자살 예방 교육 어디서 해요", "72살혼자살아요",
    "주말에 한강 가서 자전거 탈 거예요", "다이어트 한다고 저녁 굶었더니 배고파 죽겠다",
    "pc방 마감이라고 쫓겨남ㅋㅋ 집 가야지", "먼저 갈게요~", "폭력 예방 교육 자료 있나요",
])
def test_hyperbole_and_near_misses_stay_calm(detect, text: str) -> None:  # type: ignore[no-untyped-def]
    assert detect(text) is None


def test_a_broken_pattern_is_reported_at_its_line(tmp_path: Path, nlu_patterns: Path) -> None:
    from bot.yamlio import Problem

    text = (nlu_patterns / "crisis.yml").read_text(encoding="utf-8")
    broken = tmp_path / "crisis.yml"
    text = text.replace("    - 죽고\\s*싶\n", "    - 죽고(\\s*싶\n", 1)
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(Problem) as info:
        CrisisDetector(broken)
    line = next(i for i, row in enumerate(broken.read_text(encoding="utf-8").splitlines(), 1)
                if "죽고(" in row)
    assert str(info.value).startswith(f"{broken}:{line}:")
    assert "invalid pattern" in str(info.value)


def test_a_missing_section_is_reported(tmp_path: Path) -> None:
    from bot.yamlio import Problem

    broken = tmp_path / "crisis.yml"
    broken.write_text("suicide:\n  patterns: [죽고\\s*싶]\nabuse:\n  patterns: [때려]\n",
                      encoding="utf-8")
    with pytest.raises(Problem) as info:
        CrisisDetector(broken)
    assert "livelihood: Field required" in str(info.value)
