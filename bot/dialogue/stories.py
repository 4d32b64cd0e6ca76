"""Conversation stories (stories/*.yml): what a resident says and what the bot must do.

Each story runs through the console channel against Redis, exactly as `bokji chat` with
piped input would, and each step's turn is checked:

    - user: 68살이고 아내랑 둘이 살아요
      bot: [inform, ask:*]        # actions, in this order (others may come between)
      not: [handoff:*]            # actions that must not happen
      says: ["109"]               # text the replies must contain
      eligible: [basic_pension]   # benefits the results must show as likely
      not_eligible: [...]         # benefits the results must not show as likely
      intent: inform              # the NLU's reading of the message
      urgent: false

Action names are stable: greet, interview, inform, correct, ask:<fact>, skip:<fact>, back,
show:results, show:why, show:benefit_info:<id>, show:how_to_apply[:<id>], ask:benefit,
clarify[:answer|:empty], other_language, hotline:<type>, handoff:<priority>,
handoff:already, restart, goodbye, thanks.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.channels.console import CHANNEL, plain
from bot.dialogue.service import Service
from bot.dialogue.state import Reply, Turn
from bot.eligibility.profile import BENEFIT_IDS
from bot.handoff.cases import HandoffQueue, NotAllowed, Outcome
from bot.nlu.data import INTENTS
from bot.nlu.model import NLU
from bot.settings import Settings
from bot.yamlio import Problem, Problems, load_file, pos_of, validate, yaml_files


class Step(BaseModel):
    """A resident's message and what the bot must do with it; or (`caseworker`, `close`) what
    the caseworker who has the resident's case does, so a story can follow a handoff through
    to the bot taking over again."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    user: str | None = None
    caseworker: str | None = None   # claims the open case if it waits, then replies this
    close: Outcome | None = None    # closes the case with this outcome
    bot: list[str] = []
    not_: list[str] = Field(default=[], alias="not")
    says: list[str] = []
    eligible: list[str] = []
    not_eligible: list[str] = []
    intent: str | None = None
    urgent: bool | None = None


class Story(BaseModel):
    model_config = ConfigDict(extra="forbid")
    story: str = Field(min_length=1)
    date: dt.date | None = None  # the day the rules are read for (default today)
    # A story of behaviour the bot does not have yet: reported, expected to fail, and it
    # fails the run the day it passes (so the note is removed with the fix).
    known_issue: str | None = None
    steps: list[Step] = Field(min_length=1)


class StoriesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stories: list[Story]


STORY_CASEWORKER = "story-caseworker"


class StoryError(Exception):
    """A caseworker step that cannot be done (no open case)."""


@dataclass
class LoadedStory:
    name: str
    where: str
    story: Story


@dataclass
class StoryResult:
    story: LoadedStory
    problems: list[str] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)


def load_stories(paths: list[Path]) -> list[LoadedStory]:
    """All stories, checked against the contract's intents and benefit ids."""
    out: list[LoadedStory] = []
    problems: list[Problem] = []
    names: dict[str, str] = {}
    for path in yaml_files(paths):
        raw = load_file(path)
        parsed = validate(StoriesFile, raw, str(path))
        for i, story in enumerate(parsed.stories):
            pos = pos_of(raw, ["stories", i])
            where = f"{path}:{pos.line}" if pos else str(path)
            if story.story in names:
                problems.append(Problem(pos, f"story {story.story!r} is also at "
                                        f"{names[story.story]}", str(path)))
            names[story.story] = where
            for j, step in enumerate(story.steps):
                for message in _step_problems(step):
                    problems.append(Problem(pos_of(raw, ["stories", i, "steps", j]), message,
                                            str(path)))
            out.append(LoadedStory(story.story, where, story))
    if problems:
        raise Problems(problems)
    return out


def _step_problems(step: Step) -> list[str]:
    out = []
    kinds = [k for k in ("user", "caseworker", "close") if getattr(step, k) is not None]
    if len(kinds) != 1:
        out.append("a step is one of user, caseworker or close "
                   f"(this one has {', '.join(kinds) or 'none'})")
    elif step.user is None and (step.bot or step.not_ or step.says or step.eligible
                                or step.not_eligible or step.intent or step.urgent is not None):
        out.append("only a user step has checks (bot, not, says, eligible, intent, urgent)")
    if step.intent is not None and step.intent not in INTENTS:
        out.append(f"intent {step.intent!r} is not one of the contract's intents")
    for bid in [*step.eligible, *step.not_eligible]:
        if bid not in BENEFIT_IDS:
            out.append(f"benefit {bid!r} is not one of the contract's benefit ids")
    return out


def check_step(step: Step, turn: Turn, text: str) -> list[str]:
    """What the turn did wrong, in words a conversation designer understands."""
    problems = []
    actions = turn.actions
    at = 0
    for expected in step.bot:
        while at < len(actions) and not fnmatchcase(actions[at], expected):
            at += 1
        if at == len(actions):
            problems.append(f"expected action {expected!r} (in order) but the bot did {actions}")
            break
        at += 1
    for banned in step.not_:
        hit = [a for a in actions if fnmatchcase(a, banned)]
        if hit:
            problems.append(f"action {hit[0]!r} must not happen")
    for words in step.says:
        if words not in text:
            problems.append(f"the replies do not say {words!r}")
    for bid in step.eligible:
        if bid not in turn.benefits:
            problems.append(f"{bid} not among the likely benefits {turn.benefits}")
    for bid in step.not_eligible:
        if bid in turn.benefits:
            problems.append(f"{bid} shown as likely but must not be")
    if step.intent is not None and turn.intent != step.intent:
        problems.append(f"intent {turn.intent!r}, expected {step.intent!r}")
    if step.urgent is not None and turn.urgent != step.urgent:
        problems.append(f"urgent {turn.urgent}, expected {step.urgent}")
    return problems


async def run_stories(settings: Settings, nlu: NLU, stories: list[LoadedStory],
                      redis_url: str | None = None) -> list[StoryResult]:
    """Every story through the console channel, each in a fresh conversation."""
    from bot.dialogue.runtime import build_dialogue, build_runtime

    dialogue = build_dialogue(settings, nlu)
    runtime = await build_runtime(settings, dialogue, redis_url)
    results = []
    try:
        for loaded in stories:
            results.append(await _run_one(runtime, loaded))
    finally:
        await runtime.close()
    return results


async def caseworker_step(queue: HandoffQueue, closed_notice: Reply, cid: str,
                          step: Step) -> None:
    """What a story's caseworker does to the conversation's open case (a caseworker on the
    dashboard does the same through the same queue)."""
    case_id = await queue.case_of(cid)
    if case_id is None:
        raise StoryError(f"no open case to {'reply to' if step.caseworker else 'close'}")
    now = dt.datetime.now(dt.UTC)
    case = await queue.get(case_id)
    if case is not None and case.status == "waiting":
        await queue.claim(case_id, STORY_CASEWORKER, now)
    if step.caseworker is not None:
        await queue.reply(case_id, STORY_CASEWORKER, step.caseworker, now)
    elif step.close is not None:
        await queue.close(case_id, STORY_CASEWORKER, step.close, "story", now,
                          notice=closed_notice)


async def _run_one(runtime, loaded: LoadedStory) -> StoryResult:  # type: ignore[no-untyped-def]
    """Step by step through the service as the console channel drives it, rendered as the
    console renders it; caseworker steps act on the case between two messages."""
    story = loaded.story
    service = runtime.service
    service.dialogue.today = (lambda: story.date) if story.date else dt.date.today
    chat_id = f"story-{secrets.token_hex(6)}"
    cid = f"{CHANNEL}:{chat_id}"
    result = StoryResult(loaded)
    try:
        await service.start(CHANNEL, chat_id)
        for i, step in enumerate(story.steps, 1):
            if step.user is None:
                try:
                    await caseworker_step(service.queue, closed_notice(service), cid, step)
                except (StoryError, NotAllowed) as exc:
                    result.problems.append(f"step {i} (caseworker): {exc}")
                    break
                continue
            turn = await service.handle(CHANNEL, chat_id, step.user.replace("\n", " "))
            out = io.StringIO()
            plain(turn, out)
            result.turns.append(turn)
            for problem in check_step(step, turn, out.getvalue()):
                result.problems.append(f"step {i} ({step.user!r}): {problem}")
    finally:
        case_id = await service.queue.case_of(cid)
        if case_id is not None:  # a story's case must not wait in a real caseworker's queue
            await service.queue.discard(case_id)
        await service.conversations.delete(cid)
    return result


def closed_notice(service: Service) -> Reply:
    return service.dialogue.closed()
