"""Schemas of the files rule maintainers edit under rules/.

The shapes are checked here with pydantic; meaning (does this fact exist, is this parameter in
force, is this a number) is checked when the expressions are compiled, see `expr.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Unit = Literal["won", "years", "months", "persons", "percent", "ratio", "children", "none"]
FactType = Literal["int", "bool", "enum", "list_int", "list_enum", "region"]
Period = Literal["month", "year", "once", "none"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FactSpec(Strict):
    """What the engine knows about a fact: its words, its type and the values worth probing."""

    label: str = Field(min_length=1)
    type: FactType
    unit: Unit = "none"
    min: float | None = None
    max: float | None = None
    values: list[str] | None = None
    probe: list[Any] | None = None
    order: int = 100  # ties in the next-question ranking go to the easier question


class FactsFile(Strict):
    facts: dict[str, FactSpec]


class Source(Strict):
    title: str = Field(min_length=1)
    href: str | None = None


class DatedValue(Strict):
    """One value of a parameter, in force from a date (OpenFisca style), with its legal source."""

    from_: dt.date = Field(alias="from")
    until: dt.date | None = None
    value: int | float | dict[int | str, int | float]
    source: str = Field(min_length=1)
    href: str | None = None
    check: str | None = None  # sources disagree: encoded, but not claimed as official

    @field_validator("value")
    @classmethod
    def _not_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a number, not true/false")
        return value


class Parameter(Strict):
    label: str = Field(min_length=1)
    description: str | None = None
    unit: Unit
    key: str | None = None  # what a table is indexed by: household_size, or a region scheme
    beyond: Literal["none", "last", "extend_last_step"] = "none"
    values: list[DatedValue] = Field(min_length=1)


class Calculation(Strict):
    label: str = Field(min_length=1)
    unit: Unit = "none"
    description: str | None = None
    source: str | None = None
    value: Any


class Apply(Strict):
    how: str = Field(min_length=1)
    where: str = Field(min_length=1)
    online: str | None = None


class Amount(Strict):
    value: Any
    says: str | None = None  # sentence for the resident; {amount} and fact/calc names
    note: str | None = None


class Benefit(Strict):
    id: str
    name: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    for_whom: str = Field(min_length=1)
    period: Period
    conditions: Any
    amount: Amount | None = None
    apply: Apply
    documents: list[str] = Field(min_length=1)
    contact: str = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)


Status = Literal["eligible", "ineligible", "unknown"]


class ExpectedVerdict(Strict):
    status: Status
    amount: int | None = None
    missing: list[str] | None = None


class RuleCase(Strict):
    name: str = Field(min_length=1)
    date: dt.date | None = None
    profile: dict[str, Any]
    expect: dict[str, Status | ExpectedVerdict]


class RuleTestFile(Strict):
    tests: list[RuleCase] = Field(min_length=1)


Op = Literal["le", "lt", "ge", "gt", "eq", "ne"]


def _placeholders(text: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _only(text: str, allowed: set[str], field: str) -> str:
    extra = _placeholders(text) - allowed
    if extra:
        names = ", ".join("{" + n + "}" for n in sorted(allowed)) or "none"
        raise ValueError(f"{field}: unknown placeholder {{{sorted(extra)[0]}}} (allowed: {names})")
    return text


class ValueWords(Strict):
    unknown: str
    at_least: str
    between: str
    unlimited: str
    true: str
    false: str
    empty: str

    @field_validator("at_least")
    @classmethod
    def _at_least(cls, v: str) -> str:
        return _only(v, {"value"}, "at_least")

    @field_validator("between")
    @classmethod
    def _between(cls, v: str) -> str:
        return _only(v, {"low", "high"}, "between")


class CompareWords(Strict):
    yes: dict[Op, str]
    no: dict[Op, str]

    @field_validator("yes", "no")
    @classmethod
    def _all_ops(cls, v: dict[str, str]) -> dict[str, str]:
        missing = {"le", "lt", "ge", "gt", "eq", "ne"} - set(v)
        if missing:
            raise ValueError(f"missing sentences for {', '.join(sorted(missing))}")
        for op, text in v.items():
            _only(text, {"subject", "target", "left", "right"}, op)
        return v


class Wording(Strict):
    """rules/wording.yml: the engine's own sentences, for when a rule file gives none."""

    values: ValueWords
    compare: CompareWords
    eligible_yes: str
    eligible_no: str
    needs_facts: str
    needs_benefit: str
    undecided: str
    not_in_force: str
    amount_needs_facts: str
    amount_not_in_rules: str
    amount_default: dict[Period, str]
    not_evaluated: str

    @field_validator("eligible_yes", "eligible_no", "needs_benefit")
    @classmethod
    def _benefit(cls, v: str) -> str:
        return _only(v, {"benefit"}, "sentence")

    @field_validator("needs_facts", "amount_needs_facts")
    @classmethod
    def _facts(cls, v: str) -> str:
        return _only(v, {"facts"}, "sentence")

    @field_validator("not_in_force")
    @classmethod
    def _in_force(cls, v: str) -> str:
        return _only(v, {"date", "label"}, "not_in_force")

    @field_validator("undecided", "amount_not_in_rules", "not_evaluated")
    @classmethod
    def _plain(cls, v: str) -> str:
        return _only(v, set(), "sentence")

    @field_validator("amount_default")
    @classmethod
    def _amounts(cls, v: dict[str, str]) -> dict[str, str]:
        missing = {"month", "year", "once", "none"} - set(v)
        if missing:
            raise ValueError(f"missing sentences for {', '.join(sorted(missing))}")
        for period, text in v.items():
            _only(text, {"amount"}, period)
        return v
