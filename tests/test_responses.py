"""The wording files are validated like the rule files: a bad edit names its file and line,
and a running bot keeps the last good wording."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from bot.dialogue.responses import load_responses
from bot.dialogue.runtime import ResponsesRegistry
from bot.eligibility.registry import RuleRegistry
from bot.eligibility.rulebook import RuleSet
from bot.yamlio import Problem, Problems

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def wording(tmp_path: Path) -> Path:
    target = tmp_path / "responses"
    shutil.copytree(ROOT / "responses", target)
    return target


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_shipped_wording_covers_every_fact(rules: RuleSet) -> None:
    responses = load_responses(ROOT / "responses", rules.facts)
    assert set(responses.questions) == set(rules.facts)


def test_missing_sentence_names_the_file(wording: Path, rules: RuleSet) -> None:
    _replace(wording / "messages.yml", "goodbye: ", "goodbye_typo: ")
    with pytest.raises(Problem) as exc:
        load_responses(wording, rules.facts)
    assert "messages.yml" in str(exc.value) and "goodbye" in str(exc.value)


def test_choice_value_the_fact_cannot_take_names_its_line(wording: Path,
                                                           rules: RuleSet) -> None:
    path = wording / "questions.yml"
    _replace(path, "{label: 월세, value: monthly_rent", "{label: 월세, value: rented")
    with pytest.raises(Problems) as exc:
        load_responses(wording, rules.facts)
    line = _line_of(path, "value: rented")
    assert f"questions.yml:{line}:" in str(exc.value)
    assert "housing" in str(exc.value)


def test_a_fact_without_question_and_a_question_without_fact(wording: Path,
                                                            rules: RuleSet) -> None:
    path = wording / "questions.yml"
    _replace(path, "  job_seeking:\n", "  job_hunting:\n")
    with pytest.raises(Problems) as exc:
        load_responses(wording, rules.facts)
    text = str(exc.value)
    assert "no question for the fact 'job_seeking'" in text
    assert f"questions.yml:{_line_of(path, 'job_hunting:')}:" in text


def test_last_hotline_line_must_catch_everything(wording: Path, rules: RuleSet) -> None:
    path = wording / "messages.yml"
    _replace(path, "  livelihood:\n    - text:", "  livelihood:\n    - words: [전기]\n      text:")
    with pytest.raises(Problem) as exc:
        load_responses(wording, rules.facts)
    assert "every message gets a hotline" in str(exc.value)


def test_a_broken_edit_keeps_the_last_good_wording(wording: Path) -> None:
    registry = ResponsesRegistry(wording, RuleRegistry(ROOT / "rules"), interval=0)
    before = registry.current().messages.goodbye
    time.sleep(0.01)
    _replace(wording / "messages.yml", "goodbye: ", "goodbye: [unclosed ")
    assert registry.current().messages.goodbye == before
    assert registry.problems and "messages.yml" in str(registry.problems[0])
    time.sleep(0.01)
    path = wording / "messages.yml"
    path.write_text(path.read_text().replace("goodbye: [unclosed ", "goodbye: 안녕히 가세요. "))
    assert registry.current().messages.goodbye.startswith("안녕히 가세요.")
    assert registry.problems == []
