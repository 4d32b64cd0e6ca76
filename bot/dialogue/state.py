"""What the dialogue remembers between two messages of one resident, and what a turn yields.

The state is stored as JSON in Redis (bot/store/), so it is a pydantic model with plain
fields. A fact the resident gave as a band ("100~200만원") is kept in `ranges`, apart from
exact facts, so the engine can evaluate it as a range and never as a guessed number.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from pydantic import BaseModel, Field

Mode = Literal["idle", "interview", "results"]
CrisisType = Literal["suicide", "abuse", "livelihood"]
Priority = Literal["critical", "high", "normal"]
RANK: dict[str, int] = {"critical": 0, "high": 1, "normal": 2}  # lower comes first


class QuickReply(BaseModel):
    label: str
    payload: str  # what a button sends back: "menu:find", "answer:housing:2", "why" …


class Reply(BaseModel):
    text: str
    choices: list[QuickReply] = []


class CaseRequest(BaseModel):
    """Ask for a person: the dialogue decides, the service opens it in bot/handoff/."""

    priority: Priority
    reason: Literal["suicide", "abuse", "livelihood", "request"]


class OpenCase(BaseModel):
    """The resident's open case as the dialogue needs it to answer while a person has it."""

    status: Literal["waiting", "claimed"]
    priority: Priority
    reason: Literal["suicide", "abuse", "livelihood", "request"]
    position: int = 1          # among the waiting cases, 1 = next
    minutes: float = 0         # what residents of this priority recently waited


class State(BaseModel):
    version: int = 1
    mode: Mode = "idle"
    facts: dict[str, Any] = {}
    ranges: dict[str, tuple[int, int | None]] = {}
    skipped: list[str] = []           # "모르겠어요": not asked again
    answered: list[str] = []          # facts in the order they were given, for going back
    deduced: list[str] = []           # facts that followed from others (redone on a change)
    pending: str | None = None        # the fact the last question asked for
    asked: int = 0                    # questions asked in this interview
    retries: int = 0                  # answers to the pending question not understood
    offered: list[QuickReply] = []    # the quick replies of the last reply
    topic: str | None = None          # the benefit last talked about
    case_id: str | None = None        # open handoff case of this conversation
    results_shown: list[str] = []     # benefit ids shown in the last results
    check_in: CrisisType | None = None  # the safety question just asked, awaiting 네/아니요
    check_in_declined: list[CrisisType] = []  # answered 아니요: not asked again
    turns: int = 0
    started_at: dt.datetime | None = None

    def engine_facts(self) -> dict[str, Any]:
        """Facts as the rule engine reads them: bands as (low, high) ranges."""
        facts = dict(self.facts)
        for name, (low, high) in self.ranges.items():
            if name not in facts:
                facts[name] = (low, math.inf if high is None else high)
        return facts

    def known(self, fact: str) -> bool:
        return fact in self.facts or fact in self.ranges

    def set_fact(self, fact: str, value: Any) -> None:
        self.ranges.pop(fact, None)
        self.facts[fact] = value
        self._mark(fact)

    def set_range(self, fact: str, low: int, high: int | None) -> None:
        self.facts.pop(fact, None)
        self.ranges[fact] = (low, high)
        self._mark(fact)

    def forget(self, fact: str) -> None:
        self.facts.pop(fact, None)
        self.ranges.pop(fact, None)
        if fact in self.answered:
            self.answered.remove(fact)

    def _mark(self, fact: str) -> None:
        if fact in self.skipped:
            self.skipped.remove(fact)
        if fact in self.answered:
            self.answered.remove(fact)
        self.answered.append(fact)


class Turn(BaseModel):
    """One message's outcome: the replies, what the bot did, and the state to store."""

    replies: list[Reply]
    actions: list[str]   # stable names the stories check: ask:age, show:results, handoff:critical
    state: State
    case: CaseRequest | None = None
    intent: str | None = None
    urgent: bool = False
    crisis_type: CrisisType | None = None
    benefits: list[str] = Field(default_factory=list)  # eligible ids when results were shown
    stored: bool = False  # the service wrote it to Redis (False: busy or Redis unreachable)
