from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.eligibility.loader import load_rules
from bot.eligibility.profile import Profile
from bot.eligibility.rulebook import Evaluation, RuleSet

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
DAY_2026 = dt.date(2026, 3, 2)
DAY_2025 = dt.date(2025, 3, 4)


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    result = load_rules(RULES)
    assert result.rules is not None, "\n".join(map(str, result.problems))
    return result.rules


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    """A private copy of rules/ that a test may break."""
    target = tmp_path / "rules"
    shutil.copytree(RULES, target)
    return target


def evaluate(rules: RuleSet, day: dt.date = DAY_2026, **facts: object) -> Evaluation:
    return rules.evaluate(Profile(date=day, **facts))


NO_ASSETS = {"other_income": 0, "property": 0, "financial_assets": 0, "debt": 0, "car_value": 0}
