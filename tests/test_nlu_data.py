"""The NLU data files: enough varied examples, valid annotations, and a clean held-out split."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.nlu.data import CRISIS_INTENTS, INTENTS, NLUData, read_paths
from bot.nlu.normalize import Normalizer
from bot.yamlio import Pos, Problem

ROOT = Path(__file__).resolve().parent.parent
NLU = ROOT / "nlu"


@pytest.fixture(scope="module")
def train() -> NLUData:
    return read_paths([NLU / "train"], ROOT)


@pytest.fixture(scope="module")
def test_data() -> NLUData:
    return read_paths([NLU / "test"], ROOT)


def test_files_are_valid(train: NLUData, test_data: NLUData) -> None:
    assert train.problems == [] and test_data.problems == []
    assert read_paths([NLU / "dev"], ROOT).problems == []


def test_every_intent_has_at_least_40_training_examples(train: NLUData) -> None:
    counts = Counter(e.intent for e in train.examples)
    assert set(counts) == set(INTENTS)
    assert min(counts.values()) >= 40, counts
    for crisis in CRISIS_INTENTS:
        assert counts[crisis] >= 100, (crisis, counts[crisis])


def test_held_out_size_and_near_misses(test_data: NLUData) -> None:
    near_miss = [e for e in test_data.examples if "near_miss" in e.pos.file]
    main = [e for e in test_data.examples if "near_miss" not in e.pos.file]
    assert len(main) >= 300
    assert set(e.intent for e in main) == set(INTENTS)
    assert len(near_miss) >= 100
    assert not any(e.intent in CRISIS_INTENTS for e in near_miss)


def test_no_test_message_is_trained_on(train: NLUData, test_data: NLUData) -> None:
    """Independent writers both write "안녕히 계세요"; anything longer must not be shared.

    `bokji nlu eval` also reports accuracy on the held-out messages never seen in training.
    """
    normalize = Normalizer.from_file(NLU / "patterns" / "normalize.yml")
    key = lambda t: "".join(normalize(t).text.split()).strip(".!?~")  # noqa: E731
    trained = {key(e.text) for e in train.examples}
    dev = {key(e.text) for e in read_paths([NLU / "dev"], ROOT).examples}
    leaked = [e.text for e in test_data.examples
              if key(e.text) in trained | dev and len(key(e.text)) > 12]
    assert leaked == []


def test_annotations_point_at_their_text(train: NLUData) -> None:
    for e in train.examples:
        for ent in e.entities:
            assert 0 <= ent.start < ent.end <= len(e.text), e.pos


@pytest.mark.parametrize(("body", "message"), [
    ('- intent: nonsense\n  examples: |\n    - 안녕\n', "unknown intent 'nonsense'"),
    ('- intent: inform\n  examples: |\n    - [72살]{"entity": "agee", "value": "72"}\n',
     "unknown entity 'agee'"),
    ('- intent: inform\n  examples: |\n    - [72살]{"entity": "age", value: 72}\n',
     "entity annotation is not JSON"),
    ('- intent: inform\n  examples: |\n    - 하나\n    둘\n', "each example is one line"),
])
def test_bad_data_is_reported_at_its_line(tmp_path: Path, body: str, message: str) -> None:
    f = tmp_path / "bad.yml"
    f.write_text('version: "3.1"\nnlu:\n' + body, encoding="utf-8")
    problems = read_paths([f]).problems
    assert problems and message in str(problems[0])
    assert isinstance(problems[0], Problem) and isinstance(problems[0].pos, Pos)
    assert problems[0].pos.line >= 3
