"""The bot's wording (responses/*.yml): schema, loading, and checks against the rule facts.

Conversation designers edit these files, not code. A broken edit is reported with its file
and line, and a running bot keeps the last good wording (see `ResponsesRegistry`).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.eligibility.profile import Profile
from bot.eligibility.schema import FactSpec
from bot.yamlio import Problem, Problems, key_pos_of, load_model, pos_of

log = logging.getLogger("bokji.dialogue")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    label: str = Field(min_length=1, max_length=40)  # Telegram buttons show about 40 characters
    value: Any = None
    range: tuple[int, int | None] | None = None
    words: list[str] = []

    @model_validator(mode="after")
    def _one_value(self) -> Choice:
        if self.range is not None and self.value is not None:
            raise ValueError("give either value or range, not both")
        if self.range is not None and self.range[1] is not None and self.range[1] < self.range[0]:
            raise ValueError("range: the high end is below the low end")
        return self


class Question(_Strict):
    ask: str
    exact: str | None = None
    hint: str | None = None
    choices: list[Choice] = []


class QuestionsFile(_Strict):
    questions: dict[str, Question]


class Menu(_Strict):
    find: str
    info: str
    apply: str
    human: str


class Results(_Strict):
    intro: str
    eligible_title: str
    eligible_line: str
    amount_line: str
    apply_line: str
    more_unknown: str
    unknown_title: str
    unknown_line: str
    none_eligible: str
    apply: str
    next: str
    why_choice: str
    apply_choice: str
    restart_choice: str


class Why(_Strict):
    title: str
    none_yet: str
    line: str
    source: str


class BenefitInfo(_Strict):
    text: str
    for_whom: str
    ask_which: str
    check_choice: str
    apply_choice: str


class HowToApply(_Strict):
    text: str
    where: str
    online: str
    documents: str
    contact: str
    general: str
    ask_which: str


class Reminder(_Strict):
    suicide: str
    abuse: str
    livelihood: str
    request: str


class Human(_Strict):
    opened: str
    already: str
    waiting: str
    reminder: Reminder
    relayed: str
    closed: str

    @model_validator(mode="after")
    def _placeholders(self) -> Human:
        unknown = set(re.findall(r"{(\w*)}", self.waiting)) - {"position", "minutes"}
        if unknown:
            raise ValueError(f"waiting: unknown placeholders {sorted(unknown)} "
                             "(known: position, minutes)")
        return self


class HotlineText(_Strict):
    text: str
    words: list[str] = []
    events: list[str] = []


class Urgent(_Strict):
    suicide: list[HotlineText] = Field(min_length=1)
    abuse: list[HotlineText] = Field(min_length=1)
    livelihood: list[HotlineText] = Field(min_length=1)
    again: str
    ask_more: str

    @model_validator(mode="after")
    def _last_matches_all(self) -> Urgent:
        for kind in ("suicide", "abuse", "livelihood"):
            last = getattr(self, kind)[-1]
            if last.words or last.events:
                raise ValueError(f"{kind}: the last line must have no words/events, so every "
                                 "message gets a hotline")
        return self


class CheckIn(_Strict):
    """The gentle question when a message leans toward a crisis but is not urgent."""

    suicide: str
    abuse: str
    livelihood: str
    yes_label: str
    no_label: str
    declined: str


class Unavailable(_Strict):
    text: str
    urgent: str


class Words(_Strict):
    dont_know: list[str]
    why: list[str]
    back: list[str]
    apply: list[str]
    check: list[str]


class MessagesFile(_Strict):
    menu: Menu
    greeting: str
    start_interview: str
    continue_interview: str
    noted: str
    corrected: str
    skipped: str
    went_back: str
    nothing_to_go_back: str
    not_understood_answer: str
    results: Results
    why: Why
    benefit_info: BenefitInfo
    how_to_apply: HowToApply
    clarify: str
    other_language: str
    empty_message: str
    restart: str
    goodbye: str
    thanks: str
    affirm_without_question: str
    deny_without_question: str
    human: Human
    urgent: Urgent
    check_in: CheckIn
    unavailable: Unavailable
    busy: str
    words: Words


class Responses(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    messages: MessagesFile
    questions: dict[str, Question]


def load_responses(folder: Path, facts: dict[str, FactSpec]) -> Responses:
    """Both files, validated, and every fact of the rules given a question whose choices are
    values the fact can take. Raises Problems naming file and line."""
    messages, _ = load_model(MessagesFile, folder / "messages.yml")
    questions_path = folder / "questions.yml"
    qfile, raw = load_model(QuestionsFile, questions_path)
    problems: list[Problem] = []
    qraw = raw.get("questions", {}) if isinstance(raw, dict) else {}
    for fact in facts:
        if fact not in qfile.questions:
            problems.append(Problem(pos_of(raw, ["questions"]),
                                    f"questions: no question for the fact {fact!r} "
                                    "of rules/facts.yml", str(questions_path)))
    for fact, question in qfile.questions.items():
        if fact not in facts:
            problems.append(Problem(key_pos_of(qraw, fact),
                                    f"questions.{fact}: not a fact of rules/facts.yml",
                                    str(questions_path)))
            continue
        for i, choice in enumerate(question.choices):
            where = ["questions", fact, "choices", i]
            message = _check_choice(fact, facts[fact], choice)
            if message:
                problems.append(Problem(pos_of(raw, where),
                                        f"questions.{fact}.choices.{i}: {message}",
                                        str(questions_path)))
    if problems:
        raise Problems(problems)
    return Responses(messages=messages, questions=qfile.questions)


def _check_choice(fact: str, spec: FactSpec, choice: Choice) -> str | None:
    if choice.range is not None:
        return None if spec.type == "int" else f"a range is only for numbers, {fact} is not one"
    if fact not in Profile.model_fields:  # facts the rules add beyond the contract
        return None
    try:
        Profile.model_validate({fact: choice.value})
    except ValidationError as exc:
        return f"value {choice.value!r}: {exc.errors()[0]['msg']}"
    return None
