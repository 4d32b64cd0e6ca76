"""Every story in stories/ through the console channel against real Redis, plus the checks
that make a wrong bot fail a story, and the `bokji chat` / `bokji stories` commands."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.dialogue.state import Reply, State, Turn
from bot.dialogue.stories import Step, check_step, load_stories, run_stories
from bot.settings import get_settings
from bot.yamlio import Problems
from tests.cli import bokji

ROOT = Path(__file__).resolve().parent.parent
STORIES = load_stories([ROOT / "stories"])

pytestmark = pytest.mark.redis


def test_there_are_enough_stories_covering_every_intent() -> None:
    from bot.nlu.data import INTENTS

    assert len(STORIES) >= 30
    checked = {step.intent for s in STORIES for step in s.story.steps if step.intent}
    assert checked >= set(INTENTS), set(INTENTS) - checked


@pytest.fixture(scope="module")
def story_results(nlu, redis_url):  # type: ignore[no-untyped-def]
    results = asyncio.run(run_stories(get_settings(), nlu, STORIES, redis_url))
    return {r.story.name: r for r in results}


@pytest.mark.parametrize("name", [
    pytest.param(s.name, marks=pytest.mark.xfail(reason=s.story.known_issue, strict=True))
    if s.story.known_issue else s.name for s in STORIES])
def test_story(name: str, story_results) -> None:  # type: ignore[no-untyped-def]
    result = story_results[name]
    assert not result.problems, f"{result.story.where}\n" + "\n".join(result.problems)


def _turn(actions: list[str], text: str = "", benefits: list[str] | None = None) -> Turn:
    return Turn(replies=[Reply(text=text)], actions=actions, state=State(),
                benefits=benefits or [], intent="inform")


def test_a_wrong_bot_fails_the_story() -> None:
    step = Step.model_validate({"user": "x", "bot": ["inform", "ask:*"], "not": ["handoff:*"],
                                "says": ["109"], "eligible": ["basic_pension"],
                                "intent": "greet"})
    assert check_step(step, _turn(["inform", "ask:age"], "109", ["basic_pension"]), "109") \
        == ["intent 'inform', expected 'greet'"]
    problems = check_step(step, _turn(["ask:age", "inform", "handoff:critical"]), "")
    assert any("expected action 'ask:*'" in p for p in problems)
    assert any("handoff:critical" in p for p in problems)
    assert any("'109'" in p for p in problems)
    assert any("basic_pension" in p for p in problems)


def test_a_broken_story_file_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("stories:\n  - story: a\n    steps:\n      - user: hi\n        intent: hello\n"
                   "  - story: a\n    steps:\n      - user: hi\n        eligible: [pension]\n",
                   encoding="utf-8")
    with pytest.raises(Problems) as exc:
        load_stories([bad])
    text = str(exc.value)
    assert f"{bad}:4:" in text and "hello" in text
    assert f"{bad}:6:" in text and "also at" in text
    assert f"{bad}:8:" in text and "pension" in text


def test_chat_command_is_plain_and_scriptable_when_piped(redis_url: str) -> None:
    run = bokji("chat", "--id", "cli-test", "--new",
                stdin="안녕하세요\n1\n72살이고 혼자 살아요\n", env={"REDIS_URL": redis_url})
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[1] == "[1] 받을 수 있는 복지 찾기  [2] 제도 설명  [3] 신청 방법  [4] 상담원 연결"
    assert "\x1b[" not in run.stdout  # no terminal colours when piped
    assert any(line.startswith("[1] ") for line in lines[2:])


def test_chat_command_without_redis_says_why_in_one_line() -> None:
    run = bokji("chat", stdin="안녕\n", env={"REDIS_URL": "redis://127.0.0.1:1/0"})
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert "127.0.0.1:1" in run.stderr


def test_stories_commands(redis_url: str, tmp_path: Path) -> None:
    ok = bokji("stories", "check")
    assert ok.returncode == 0 and f"{len(STORIES)} stories" in ok.stderr
    failing = tmp_path / "fail.yml"
    failing.write_text("stories:\n  - story: 인사에 결과를 보여 주면 안 된다\n    steps:\n"
                       "      - user: 안녕하세요\n        bot: [show:results]\n",
                       encoding="utf-8")
    run = bokji("stories", "test", str(failing), env={"REDIS_URL": redis_url})
    assert run.returncode == 1 and "FAIL" in run.stderr and "show:results" in run.stderr
