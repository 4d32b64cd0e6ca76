"""The model records what it was trained on, so `make` retrains exactly when needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy
import pytest
import spacy
from pydantic import ValidationError

from bot.nlu import pipeline
from bot.nlu.features import doc_features
from bot.nlu.normalize import Normalizer
from bot.nlu.train import _examples, _fit, fingerprint, load_training_data
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def copy_project(tmp: Path) -> Settings:
    for part in ("nlu", "rules"):
        shutil.copytree(ROOT / part, tmp / part)
    return Settings(base_dir=tmp)


def test_fingerprint_follows_data_patterns_and_config(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    first = fingerprint(settings)
    assert fingerprint(settings) == first  # stable
    train_file = next((tmp_path / "nlu" / "train").glob("*.yml"))
    train_file.write_text(train_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    second = fingerprint(settings)
    assert second != first
    crisis = tmp_path / "nlu" / "patterns" / "crisis.yml"
    crisis.write_text(crisis.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    third = fingerprint(settings)
    assert third != second
    settings.nlu.classifier.epochs += 1
    assert fingerprint(settings) != third


def test_test_split_does_not_change_the_model(tmp_path: Path) -> None:
    settings = copy_project(tmp_path)
    first = fingerprint(settings)
    held_out = next((tmp_path / "nlu" / "test").glob("*.yml"))
    held_out.write_text(held_out.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert fingerprint(settings) == first


def _feature_lengths(settings: Settings, texts: list[str]) -> list[float]:
    nlp = pipeline.build(settings.nlu)
    extract = nlp.get_pipe("textcat").model.layers[0]
    lengths = []
    for doc in nlp.tokenizer.pipe(texts):
        _keys, vals, _n = extract.predict([doc])
        lengths.append(float(numpy.sqrt(numpy.dot(vals, vals))))
    return lengths


def test_l2_scaling_gives_every_message_the_same_feature_length() -> None:
    """A long calm story must not outweigh a short message by length alone."""
    settings = Settings(base_dir=ROOT)
    settings.nlu.classifier.normalize = "l2"
    settings.nlu.classifier.l2_scale = 4.0
    short, long_ = "배고파요", "요즘 일이 많아서 힘들지만 가족이랑 잘 지내고 있어요. " * 20
    assert _feature_lengths(settings, [short, long_]) == pytest.approx([4.0, 4.0], rel=1e-5)
    settings.nlu.classifier.normalize = "none"
    plain = _feature_lengths(settings, [short, long_])
    assert plain[1] > 5 * plain[0]  # unscaled, the long message's vector is far longer


def test_normalize_setting_is_checked() -> None:
    with pytest.raises(ValidationError):
        Settings(base_dir=ROOT, nlu={"classifier": {"normalize": "l1"}})
    with pytest.raises(ValidationError):
        Settings(base_dir=ROOT, nlu={"classifier": {"l2_scale": 0}})


def _neighbour_settings(top_n: int) -> Settings:
    settings = Settings(base_dir=ROOT)
    settings.nlu.classifier.neighbours_top_n = top_n
    settings.nlu.classifier.neighbours_min_similarity = 0.55
    return settings


def test_morpheme_neighbours_come_from_kiwis_embeddings() -> None:
    nlp = pipeline.build(_neighbour_settings(2).nlu)
    neighbours = nlp.get_pipe("bokji_neighbours")
    neighbours.build([nlp.tokenizer("목숨이 아까워요")])
    assert "죽음/NNG" in neighbours.table["목숨/NNG"]  # Kiwi: similarity 0.66
    doc = neighbours(nlp.tokenizer("목숨 걸고 뜨쿠과"))
    assert doc._.neighbours[:3] == ["목숨/NNG", *neighbours.table["목숨/NNG"]]
    extract = nlp.get_pipe("textcat").model.layers[0]
    assert "n:죽음/NNG" in doc_features(doc, extract.attrs["morph_ngrams"],
                                        extract.attrs["char_ngrams"])
    # a morpheme the table was not built from keeps only its own feature, found without a
    # search at parse time
    assert "걸/VV" in doc._.neighbours and "걸/VV" not in neighbours.table


def test_neighbours_are_off_unless_configured() -> None:
    nlp = pipeline.build(_neighbour_settings(0).nlu)
    assert "bokji_neighbours" not in nlp.pipe_names
    doc = nlp("목숨 걸고")
    assert not any(f.startswith("n:") for f in doc_features(doc, 2, (1, 2, 3)))


def test_a_model_with_neighbours_trains_saves_and_loads(tmp_path: Path) -> None:
    settings = _neighbour_settings(2)
    data = load_training_data(settings).examples
    sample = [ex for ex in data if ex.intent in ("crisis_suicide", "smalltalk")][:60]
    normalizer = Normalizer.from_file(ROOT / "nlu" / "patterns" / "normalize.yml")
    examples = _examples(pipeline.build(settings.nlu), normalizer, sample)
    nlp = _fit(settings, examples, None, "train")
    table = nlp.get_pipe("bokji_neighbours").table
    assert table and all(m.rsplit("/", 1)[1] for m in table)
    assert all(ex.predicted._.neighbours is not None for ex in examples)
    nlp.to_disk(tmp_path / "spacy")
    loaded = spacy.load(tmp_path / "spacy")
    assert loaded.get_pipe("bokji_neighbours").table == table
    text = sample[0].text
    assert loaded(text).cats == pytest.approx(nlp(text).cats)
