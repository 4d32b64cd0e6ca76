"""Runs rules/tests/*.yml: example households with the verdicts the law gives them.

These are the maintainers' tests (OpenFisca's YAML tests are the model): a failure shows the
expected and actual verdict side by side, with the engine's reasons, so the maintainer sees
whether the rule or the test is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.eligibility.explain import reasons
from bot.eligibility.profile import BENEFIT_IDS, Profile
from bot.eligibility.rulebook import InputError, RuleSet
from bot.eligibility.schema import ExpectedVerdict, RuleTestFile
from bot.yamlio import MDict, Pos, Problem, load_file, pos_of, yaml_files


@dataclass
class CaseResult:
    pos: Pos
    name: str
    diff: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.diff


def find_test_files(paths: list[Path]) -> list[Path]:
    return yaml_files(paths, recursive=False)


def load_cases(path: Path, display: str) -> tuple[RuleTestFile | None, Any, list[Problem]]:
    """Parse and validate one test file; problems carry the file and line."""
    try:
        raw = load_file(path, display)
    except Problem as problem:
        return None, None, [problem]
    try:
        parsed = RuleTestFile.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = pos_of(raw, err["loc"]) or Pos(display, 1, 1)
            field_name = ".".join(str(p) for p in err["loc"])
            problems.append(Problem(where, f"{field_name}: {err['msg']}"))
        return None, raw, problems
    problems = []
    for i, case in enumerate(parsed.tests):
        for bid in case.expect:
            if bid not in BENEFIT_IDS:
                where = pos_of(raw, ("tests", i, "expect", bid))
                problems.append(Problem(where, f"unknown benefit id {bid!r}"))
    return parsed, raw, problems


def run_file(rules: RuleSet, path: Path, display: str) -> tuple[list[CaseResult], list[Problem]]:
    parsed, raw, problems = load_cases(path, display)
    if parsed is None or problems:
        return [], problems
    results = []
    for i, case in enumerate(parsed.tests):
        pos = pos_of(raw, ("tests", i)) or Pos(display, 1, 1)
        results.append(_run_case(rules, case, raw["tests"][i], pos))
    return results, []


def _run_case(rules: RuleSet, case: Any, raw_case: MDict, pos: Pos) -> CaseResult:
    out = CaseResult(pos, case.name)
    try:
        facts = dict(case.profile)
        if case.date is not None:
            facts["date"] = case.date
        profile = Profile.model_validate(facts)
        ev = rules.evaluate(profile)
    except ValidationError as exc:
        err = exc.errors()[0]
        out.diff.append(f"  profile: {'.'.join(map(str, err['loc']))}: {err['msg']}")
        return out
    except InputError as exc:
        out.diff.append(f"  profile: {exc}")
        return out
    for bid, expected in case.expect.items():
        want = expected if isinstance(expected, ExpectedVerdict) else ExpectedVerdict(
            status=expected)
        got = ev.results[bid]
        lines = []
        if got.status != want.status:
            lines += [f"    - status: {want.status}", f"    + status: {got.status}"]
        if "amount" in _fields(raw_case, bid) and got.amount != want.amount:
            lines += [f"    - amount: {_n(want.amount)}", f"    + amount: {_n(got.amount)}"]
        if want.missing is not None and sorted(want.missing) != sorted(got.missing):
            lines += [f"    - missing: {sorted(want.missing)}",
                      f"    + missing: {sorted(got.missing)}"]
        if lines:
            out.diff.append(f"  {bid} ({got.benefit.spec.name})")
            out.diff.extend(lines)
            out.diff.extend(f"      · {r}" for r in reasons(got))
    return out


def _fields(raw_case: MDict, bid: str) -> set[str]:
    expect = raw_case.get("expect", {}).get(bid)
    return set(expect) if isinstance(expect, dict) else set()


def _n(value: int | None) -> str:
    return "null" if value is None else f"{value:,}"
