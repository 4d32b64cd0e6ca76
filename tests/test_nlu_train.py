"""The model records what it was trained on, so `make` retrains exactly when needed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy
import pytest
from pydantic import ValidationError

from bot.nlu import pipeline
from bot.nlu.train import fingerprint
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
