"""From a parsed message to profile facts: the answer to the pending question, and every
other fact the resident volunteered ("68살이고 아내랑 둘이 살아요, 월 80만원 벌어요").

Nothing here guesses: a fact is set only from an entity, a quick reply, a yes/no to a yes/no
question, or a bare number given in answer to a question about a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.dialogue.responses import Choice, Question
from bot.eligibility.regions import Regions
from bot.eligibility.schema import FactSpec
from bot.nlu.model import Parse
from bot.nlu.numbers import parse_number

# Entity → fact, for entities whose fact does not depend on the question asked.
ENTITY_FACT = {"age": "age", "household_size": "household_size", "region": "region",
               "disability": "disability"}
MONEY_FACTS = ("earned_income", "other_income", "monthly_rent", "property", "financial_assets",
               "debt", "car_value")
# A benefit named counts as already received only when the resident says so.
RECEIVING = re.compile(r"받고\s*있|받아요|받는\s*중|받고\s*살|수급\s*중|타고\s*있|타요|"
                       r"받습니다")
# Money said with these words is earned income whatever question is pending.
EARNED = re.compile(r"월급|벌어|벌고|번다|벌이|급여|알바|일해서|장사|매출|연봉|봉급|수입")
HOUSING = re.compile(r"(월세|전세|자가|내\s*집)\s*(?:로\s*|에\s*|방에\s*|집에\s*)?"
                     r"(?:살|사는|삽니다|거주)")
HOUSING_VALUE = {"월세": "monthly_rent", "전세": "jeonse", "자가": "owner"}
SPOUSE_WORDS = re.compile(r"아내|남편|부인|집사람|와이프|신랑|마누라|영감|할멈|배우자|부부")
_NUMBER_CHARS = ("일이삼사오육칠팔구십백천영공"
                 "하나둘셋넷다섯여섯일곱여덟아홉열"
                 "스물서른마흔쉰예순일흔여든아흔 ")
_BARE_NUMBER = re.compile(
    rf"^\s*(?:만\s*)?([0-9]+|[{_NUMBER_CHARS}]+?)"
    r"\s*(?:살|세|명|인|원|만\s*원|만원|만)?\s*(?:이에요|예요|이요|요|입니다|이야|야|임)?\s*[.!~]*\s*$")


@dataclass(frozen=True)
class Band:
    low: int
    high: int | None


@dataclass
class Found:
    """Facts read from one message: exact values and bands."""

    values: dict[str, Any]
    bands: dict[str, Band]

    def __bool__(self) -> bool:
        return bool(self.values or self.bands)

    def add(self, fact: str, value: Any) -> None:
        """A quick reply's value: a band goes to `bands`, anything else to `values`."""
        if isinstance(value, Band):
            self.bands[fact] = value
        else:
            self.values[fact] = value


def choice_value(choice: Choice) -> Any:
    return Band(choice.range[0], choice.range[1]) if choice.range is not None else choice.value


def match_choice(question: Question, text: str) -> Choice | None:
    """The quick reply a typed answer names: its label, or one of its words."""
    clean = text.strip().rstrip(".!?~ ").replace(" ", "")
    for choice in question.choices:
        if clean == choice.label.replace(" ", ""):
            return choice
    for choice in question.choices:
        if any(word.replace(" ", "") in clean for word in choice.words):
            return choice
    return None


def bare_number(text: str) -> tuple[int, str] | None:
    """A message that is only a number ("72", "일흔둘이요", "3명", "80만원"): its value and
    what its unit says it counts: "age", "people", "money" or "" when it has no unit."""
    m = _BARE_NUMBER.match(text)
    if not m:
        return None
    value = parse_number(m.group(1).replace(" ", ""))
    if value is None:
        return None
    rest = text[m.end(1):]
    kind = "age" if re.match(r"\s*(?:살|세)", rest) else \
        "people" if re.match(r"\s*(?:명|인)", rest) else \
        "money" if re.match(r"\s*(?:원|만)", rest) else ""
    if "만" in rest and value < 100000:
        value *= 10000
    return value, kind


_MONEY = re.compile(r"(?:[0-9][0-9,]*|[일이삼사오육칠팔구십백천]+)\s*(?:억|천만|백만|만)"
                    r"(?:\s*(?:[0-9][0-9,]*|[일이삼사오육칠팔구십백천]+)\s*(?:천만|백만|만|천))?\s*원?")


def money_in(text: str) -> int | None:
    """The first amount with a unit in a message ("보증금 500만원", "통장에 삼백만"), for
    answers to a question about money that the entity rules did not catch."""
    m = _MONEY.search(text)
    if not m:
        return None
    return parse_number(re.sub(r"[\s,원]", "", m.group(0)))


UNIT_OF_FACT = {"age": "age", "household_size": "people"}


def from_entities(parse: Parse, pending: str | None, topic_intent: bool,
                  regions: Regions) -> Found:
    """Every fact the entities of a message give. Money goes to the fact asked about (or to
    earned income); benefits count as already received only when the resident informs."""
    values: dict[str, Any] = {}
    children: list[int] = []
    events: list[str] = []
    benefits: list[str] = []
    for ent in parse.entities:
        name, value = ent.entity, ent.value
        if name in ENTITY_FACT:
            if name == "region" and not _region_ok(regions, str(value)):
                continue
            values[ENTITY_FACT[name]] = value
            if name == "household_size":
                # "아내랑 둘이": the spouse word is often just before the number.
                surface = parse.text[max(0, ent.start - 6):ent.end]
                if SPOUSE_WORDS.search(surface):
                    values["spouse"] = True
        elif name == "monthly_income":
            earned = EARNED.search(parse.text) is not None
            fact = pending if pending in MONEY_FACTS and not earned else "earned_income"
            values[fact] = int(value)
        elif name == "child_age_months":
            children.append(int(value))
        elif name == "crisis_event":
            events.append(str(value))
        elif name == "benefit" and not topic_intent:
            benefits.append(str(value))
    housing = HOUSING.search(parse.text)
    if housing:
        values["housing"] = HOUSING_VALUE.get(housing.group(1), "owner")
    if children:
        values["children_age_months"] = children
    if events:
        values["crisis_events"] = sorted(set(events))
    if benefits and (pending == "current_benefits" or RECEIVING.search(parse.text)):
        values["current_benefits"] = sorted(set(benefits))
    return Found(values, {})


def deduce(facts: dict[str, Any]) -> list[str]:
    """Facts that follow from others without guessing: living alone means no spouse and no
    child in the household; a couple living as two has no child living with them; with a
    spouse at home, or no child, nobody is a single parent. Returns the facts it set."""
    set_now: list[str] = []

    def put(name: str, value: Any) -> None:
        if name not in facts:
            facts[name] = value
            set_now.append(name)

    size = facts.get("household_size")
    if size == 1:
        put("spouse", False)
        put("children_age_months", [])
    elif size == 2 and facts.get("spouse") is True:
        put("children_age_months", [])
    if facts.get("spouse") is True or facts.get("children_age_months") == []:
        put("single_parent", False)
    return set_now


def answer(fact: str, spec: FactSpec, question: Question, parse: Parse, found: Found,
           regions: Regions) -> Found:
    """The answer to the pending question, added to what the entities already gave."""
    if fact in found.values:
        return found
    choice = match_choice(question, parse.text)
    if choice is not None:
        found.add(fact, choice_value(choice))
        return found
    if spec.type == "bool" and parse.intent in ("affirm", "deny"):
        found.values[fact] = parse.intent == "affirm"
    elif spec.type in ("list_int", "list_enum") and parse.intent == "deny":
        found.values[fact] = []
    elif spec.type == "int":
        bare = bare_number(parse.text)
        number = None
        if bare is not None:
            value, kind = bare
            wanted = UNIT_OF_FACT.get(fact, "money" if fact in MONEY_FACTS else "")
            if kind in ("", wanted):  # "72살" is no answer to a question about money
                number = value
        if number is None and fact in MONEY_FACTS and \
                not any(f in found.values for f in MONEY_FACTS):  # the amount went elsewhere
            number = money_in(parse.text)
            if number is None and parse.intent == "deny":
                number = 0
        if number is not None and _in_range(spec, number, fact):
            found.values[fact] = number
    elif fact == "region":
        text = parse.text.strip()
        if _region_ok(regions, text):
            found.values[fact] = text
    return found


def _in_range(spec: FactSpec, value: int, fact: str) -> bool:
    if spec.min is not None and value < spec.min:
        return False
    if spec.max is not None and value > spec.max:
        return False
    return not (fact == "household_size" and value > 30)


def _region_ok(regions: Regions, text: str) -> bool:
    try:
        regions.parse(text)
    except ValueError:
        return False
    return True
