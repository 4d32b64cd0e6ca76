"""A compiled, immutable set of rules, and evaluation of a profile against it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from bot.eligibility.conditions import Node, Record, decisive, undecided_leaves
from bot.eligibility.context import Ctx, NotInForce, Table
from bot.eligibility.expr import NO_AMOUNT, Expr
from bot.eligibility.profile import Profile
from bot.eligibility.regions import Regions
from bot.eligibility.schema import Benefit, FactSpec, Parameter, Wording


class InputError(ValueError):
    """A profile that cannot be evaluated (for example a region no table knows)."""


@dataclass(frozen=True, eq=False)
class CompiledBenefit:
    spec: Benefit
    root: Node
    amount: Expr | None
    refs: frozenset[str]
    amount_names: dict[str, Expr] = field(default_factory=dict)  # {placeholders} in says


@dataclass(eq=False, slots=True)
class BenefitResult:
    """One benefit's verdict for one profile, with what is needed to explain it."""

    benefit: CompiledBenefit
    status: str
    amount: int | None
    missing: list[str]
    record: Record
    ctx: Ctx
    error: NotInForce | None = None
    amount_missing: list[str] = field(default_factory=list)
    amount_not_in_rules: bool = False  # eligible, but the rules lack this household's amount

    @property
    def id(self) -> str:
        return self.benefit.spec.id

    def leaves(self) -> list[Any]:
        """The leaves that explain this verdict, in the order the rule file lists them."""
        if self.error is not None:
            return []
        return decisive(self.benefit.root, self.record)


@dataclass(repr=False)
class RuleSet:
    facts: dict[str, FactSpec]
    params: dict[str, Parameter]
    calcs: dict[str, Expr]
    benefits: dict[str, CompiledBenefit]
    regions: Regions
    fact_order: list[str]
    wording: Wording
    _param_cache: dict[tuple[str, dt.date], Any] = field(default_factory=dict)
    _by_date: dict[dt.date, dict[str, Any]] = field(default_factory=dict)
    _fact_rank: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._fact_rank = {name: i for i, name in enumerate(self.fact_order)}

    def __repr__(self) -> str:  # the full set would flood test reports
        return f"<RuleSet {len(self.benefits)} benefits, {len(self.params)} parameters>"

    def values_on(self, date: dt.date) -> dict[str, Any]:
        """The parameter values found so far for a date (filled as evaluations ask)."""
        values = self._by_date.get(date)
        if values is None:
            if len(self._by_date) > 400:  # a long-running bot meets a new date every day
                self._by_date.clear()
            values = self._by_date[date] = {}
        return values

    def param_at(self, name: str, date: dt.date) -> Any:
        """The value in force on a date: the last entry whose `from` is not after it."""
        key = (name, date)
        cached = self._param_cache.get(key)
        if cached is not None:
            return cached
        param = self.params[name]
        chosen = self.source_at(name, date)
        if chosen is None:
            raise NotInForce(name, param.label, date)
        value: Any = chosen.value
        if isinstance(value, dict):
            value = Table(name, param.label, date, dict(value), param.beyond)
        self._param_cache[key] = value
        return value

    def source_at(self, name: str, date: dt.date) -> Any:
        """The dated entry (value, source, check) in force on a date, or None."""
        chosen = None
        for entry in self.params[name].values:
            if entry.from_ <= date and (entry.until is None or date <= entry.until):
                chosen = entry
        return chosen

    def check_profile(self, profile: Profile) -> None:
        if profile.region is not None:
            try:
                self.regions.parse(profile.region)
            except ValueError as exc:
                raise InputError(f"region: {exc}") from None

    def context(self, facts: dict[str, Any], date: dt.date) -> Ctx:
        return Ctx(facts, date, self)

    def evaluate(self, profile: Profile, today: dt.date | None = None) -> Evaluation:
        self.check_profile(profile)
        date = profile.date or today or dt.date.today()
        ctx = self.context(profile.known(), date)
        results = {bid: ctx.benefit(bid) for bid in self.benefits}
        return Evaluation(self, profile, date, ctx, results)

    def evaluate_facts(self, facts: dict[str, Any], date: dt.date) -> Evaluation:
        """Like `evaluate`, for facts already checked by the caller, where a number may be a
        band (low, high) the resident chose instead of an exact figure."""
        points = {k: v for k, v in facts.items() if not isinstance(v, tuple)}
        profile = Profile.model_validate(points)
        self.check_profile(profile)
        ctx = self.context(facts, date)
        results = {bid: ctx.benefit(bid) for bid in self.benefits}
        return Evaluation(self, profile, date, ctx, results)

    def evaluate_one(self, facts: dict[str, Any], date: dt.date, benefit_id: str) -> BenefitResult:
        """One benefit in a fresh context: what the next-question ranking probes."""
        return self.context(facts, date).benefit(benefit_id)

    def evaluate_benefit(self, ctx: Ctx, benefit_id: str) -> BenefitResult:
        benefit = self.benefits[benefit_id]
        record: Record = {}
        try:
            outcome = benefit.root.eval(ctx, record)
        except NotInForce as exc:
            return BenefitResult(benefit, "unknown", None, [], record, ctx, error=exc)
        known = ctx.facts
        if outcome is True:
            amount, amount_missing, not_in_rules = None, [], False
            if benefit.amount is not None:
                try:
                    value = benefit.amount.fn(ctx)
                except NotInForce:  # e.g. a household size the table has no row for
                    value, not_in_rules = NO_AMOUNT, True
                lo, hi = value
                if value is NO_AMOUNT:
                    pass
                elif lo == hi:
                    amount = max(0, int(lo))
                else:
                    amount_missing = self.sorted_facts(benefit.amount.facts - known.keys())
            return BenefitResult(benefit, "eligible", amount, [], record, ctx,
                                 amount_missing=amount_missing,
                                 amount_not_in_rules=not_in_rules)
        if outcome is False:
            return BenefitResult(benefit, "ineligible", None, [], record, ctx)
        missing: set[str] = set()
        for leaf in undecided_leaves(benefit.root, record):
            # A fact known only as a band still lacks the exact figure this leaf needs.
            absent = {f for f in leaf.test.facts
                      if f not in known or isinstance(known[f], tuple)}
            if not absent and "region" in leaf.test.facts:
                absent = {"region"}  # "경기" is known but too vague: ask for the 시·군
            missing |= absent
            for ref in leaf.test.benefits:
                missing.update(ctx.benefit(ref).missing)
        return BenefitResult(benefit, "unknown", None, self.sorted_facts(missing), record, ctx)

    def sorted_facts(self, names: Any) -> list[str]:
        """Facts in the order the dialogue would rather ask them (facts.yml `order`)."""
        rank = self._fact_rank
        return sorted(names, key=lambda n: rank.get(n, len(rank)))


@dataclass
class Evaluation:
    rules: RuleSet
    profile: Profile
    date: dt.date
    ctx: Ctx
    results: dict[str, BenefitResult]
