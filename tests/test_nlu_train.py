"""The model records what it was trained on, so `make` retrains exactly when needed."""

from __future__ import annotations

import shutil
from pathlib import Path

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
