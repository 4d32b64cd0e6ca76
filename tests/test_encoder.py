"""The sentence encoder's second opinion: the real model, its cache, its head, and the rule
that it is asked only where its answer can change the verdict."""

from __future__ import annotations

from pathlib import Path

import numpy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu.data import CRISIS_INTENTS, INTENTS
from bot.nlu.encoder import EmbeddingCache, IntentHead, SentenceEncoder
from bot.nlu.train import _fit_encoder_head, fingerprint
from bot.nlu.urgency import blend, classifier_crisis
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder(threads=2)


class Counting:
    """The real encoder, counting the texts it is given."""

    def __init__(self, inner: SentenceEncoder) -> None:
        self.inner, self.dim, self.texts = inner, inner.dim, 0

    def encode(self, texts: list[str]) -> numpy.ndarray:
        self.texts += len(texts)
        return self.inner.encode(texts)


def test_the_encoder_reads_meaning_across_different_words(encoder: SentenceEncoder) -> None:
    wish, other_words, question = encoder.encode(
        ["이제 그만 살고 싶어요", "더 이상 살아갈 이유가 없어요", "기초연금 신청은 어디서 해요?"])
    assert numpy.linalg.norm(wish) == pytest.approx(1.0, abs=1e-3)
    assert float(wish @ other_words) > float(wish @ question)


def test_empty_and_long_texts_are_embedded(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode(["", "ㅋ" * 5000])
    assert vectors.shape == (2, encoder.dim) and numpy.isfinite(vectors).all()
    assert encoder.encode([]).shape == (0, encoder.dim)


def test_the_cache_embeds_each_text_once_and_survives_a_restart(
        encoder: SentenceEncoder, tmp_path: Path) -> None:
    path = tmp_path / "cache" / "e5.npz"
    counting = Counting(encoder)
    first = EmbeddingCache(path).embed(counting, ["밥을 못 먹었어요", "안녕하세요", "안녕하세요"])  # type: ignore[arg-type]
    assert counting.texts == 2 and path.exists()
    again = EmbeddingCache(path).embed(counting, ["안녕하세요", "밥을 못 먹었어요", "새 문장"])  # type: ignore[arg-type]
    assert counting.texts == 3  # only the new text
    numpy.testing.assert_allclose(again[0], first[1])
    numpy.testing.assert_allclose(again[1], first[0])


def test_a_damaged_cache_is_only_slower(encoder: SentenceEncoder, tmp_path: Path) -> None:
    path = tmp_path / "e5.npz"
    path.write_bytes(b"not a numpy file")
    counting = Counting(encoder)
    vectors = EmbeddingCache(path).embed(counting, ["전기가 끊겼어요"])  # type: ignore[arg-type]
    assert counting.texts == 1 and vectors.shape == (1, encoder.dim)
    assert EmbeddingCache(path).vectors  # rewritten whole


def _blobs(n: int) -> tuple[numpy.ndarray, list[str]]:
    rng = numpy.random.default_rng(0)
    centres = {"crisis_suicide": 2.0, "greet": -2.0}
    x, y = [], []
    for intent, centre in centres.items():
        x.append(rng.normal(centre, 1.0, (n, 8)))
        y += [intent] * n
    return numpy.concatenate(x).astype(numpy.float32), y


def test_the_head_learns_saves_and_loads(tmp_path: Path) -> None:
    x, y = _blobs(100)
    head = IntentHead.fit(x, y, l2=0.01, epochs=300, learning_rate=0.01, seed=1)
    predicted = [INTENTS[i] for i in head.probabilities(x).argmax(axis=1)]
    assert sum(p == g for p, g in zip(predicted, y, strict=True)) >= 190
    assert head.crisis(x[0])["crisis_suicide"] > 0.9
    assert set(head.crisis(x[0])) == set(CRISIS_INTENTS)
    head.save(tmp_path / "head.npz")
    loaded = IntentHead.load(tmp_path / "head.npz")
    numpy.testing.assert_allclose(loaded.probabilities(x), head.probabilities(x), rtol=1e-6)


def test_a_head_for_other_intents_is_refused(tmp_path: Path) -> None:
    x, y = _blobs(10)
    IntentHead.fit(x, y, 0.01, 1, 0.01, 1).save(tmp_path / "head.npz")
    with numpy.load(tmp_path / "head.npz") as data:
        saved = dict(data)
    saved["intents"] = numpy.array([*INTENTS[:-1], "small_talk"])
    numpy.savez(tmp_path / "head.npz", **saved)
    with pytest.raises(ValueError, match="other intents"):
        IntentHead.load(tmp_path / "head.npz")


probability = st.floats(0, 1, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(ours=st.lists(probability, min_size=3, max_size=3), theirs=st.lists(probability,
       min_size=3, max_size=3), threshold=st.floats(0.05, 0.95), weight=st.floats(0, 0.9))
def test_asking_the_encoder_only_when_it_matters_changes_no_verdict(
        ours: list[float], theirs: list[float], threshold: float, weight: float) -> None:
    total = sum(ours) or 1.0
    ranking = [(i, p / total * 0.9) for i, p in zip(CRISIS_INTENTS, ours, strict=True)] + \
        [("greet", 0.1)]
    t_total = sum(theirs) or 1.0
    opinion = {i: p / t_total for i, p in zip(CRISIS_INTENTS, theirs, strict=True)}
    asked: list[str] = []

    def ask(text: str) -> dict[str, float]:
        asked.append(text)
        return opinion

    lazy = classifier_crisis(ranking, threshold, "글", ask, weight)
    always = blend(ranking, opinion, weight)
    eager = max(always, key=always.__getitem__) if sum(always.values()) >= threshold else None
    eager = CRISIS_INTENTS[eager] if eager else None
    if asked or lazy is None:
        assert lazy == eager
    else:  # not asked, urgent: the classifier alone was certain enough
        assert eager is not None
    ours_mass = sum(p for _, p in ranking[:3])
    if (1 - weight) * ours_mass + weight < threshold or (1 - weight) * ours_mass >= threshold:
        assert not asked


def test_without_a_second_opinion_the_classifier_decides_alone() -> None:
    ranking = [("crisis_abuse", 0.5), ("greet", 0.5)]
    assert classifier_crisis(ranking, 0.45) == "abuse"
    assert classifier_crisis(ranking, 0.55) is None


def test_training_fits_the_head_on_train_and_calibrates_with_dev(tmp_path: Path) -> None:
    s = Settings(base_dir=ROOT, nlu={"encoder": {"kind": "e5", "epochs": 5,
                                                 "cache": str(tmp_path / "e5.npz")}})
    train = ["죽고 싶어요", "살기 싫어요", "안녕하세요", "반가워요"]
    labels = ["crisis_suicide", "crisis_suicide", "greet", "greet"]
    fit = _fit_encoder_head(s, train, labels, ["다 끝내고 싶어"], ["crisis_suicide"], None)
    assert fit is not None and (tmp_path / "e5.npz").exists()
    assert set(fit.dev_opinions) == {"다 끝내고 싶어"}
    assert 0 <= fit.dev_accuracy <= 1
    off = Settings(base_dir=ROOT, nlu={"encoder": {"kind": "none"}})
    assert _fit_encoder_head(off, train, labels, [], [], None) is None


def test_the_encoders_settings_that_change_the_model_change_its_fingerprint() -> None:
    def of(**encoder: object) -> str:
        return fingerprint(Settings(base_dir=ROOT, nlu={"encoder": {"kind": "e5", **encoder}}))

    base = of()
    assert of(weight=0.3) != base
    assert of(urgent_range=(0.3, 0.4)) != base
    assert fingerprint(Settings(base_dir=ROOT, nlu={"encoder": {"kind": "none"}})) != base
    assert of(threads=1) == base
    assert of(cache="elsewhere/e5.npz") == base


def test_a_model_trained_with_the_encoder_loads_and_asks_it(nlu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The shipped model with a head added as training would save it (weight in meta.json)."""
    import json
    import shutil

    from bot.nlu.encoder import HEAD_FILE
    from bot.nlu.model import NLU
    from bot.settings import get_settings

    settings = get_settings()
    model = tmp_path / "nlu"
    shutil.copytree(settings.model_dir, model)
    rng = numpy.random.default_rng(3)
    x = rng.normal(0, 1, (60, 384)).astype(numpy.float32)
    IntentHead.fit(x, ["crisis_suicide", "greet", "inform"] * 20, 0.01, 3, 0.01, 1).save(
        model / HEAD_FILE)
    meta = json.loads((model / "meta.json").read_text(encoding="utf-8"))
    meta["encoder"] = {"name": "test", "weight": 0.4}
    (model / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    loaded = NLU(model, settings.nlu, ROOT / "rules" / "regions.yml")
    assert loaded.opinion is not None and loaded.thresholds.encoder_weight == 0.4
    assert set(loaded.opinion("요즘 너무 지쳐요")) == set(CRISIS_INTENTS)
    parse = loaded.parse("남편이 때려요")
    assert parse.urgent and parse.crisis_type == "abuse"  # a pattern: no encoder needed
    assert not loaded.parse("기초연금 신청 방법 알려주세요").urgent
    assert nlu.opinion is None  # the shipped model: the encoder is off in config.yml
