"""Each kind of maintainer mistake gives one line `file:line:column: message`, never a trace."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.eligibility.loader import load_rules
from tests.cli import bokji


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def break_yaml(root: Path) -> tuple[str, int, str]:
    f = root / "benefits" / "basic_pension.yml"
    replace(f, "name: 기초연금", "name: [기초연금")
    return "benefits/basic_pension.yml", line_of(f, "summary:"), "YAML syntax"


def duplicate_key(root: Path) -> tuple[str, int, str]:
    f = root / "benefits" / "basic_pension.yml"
    replace(f, "period: month\n", "period: month\nperiod: year\n")
    return "benefits/basic_pension.yml", line_of(f, "period: year"), "duplicate key 'period'"


def unknown_fact(root: Path) -> tuple[str, int, str]:
    f = root / "benefits" / "basic_pension.yml"
    replace(f, "test: {ge: [age, elderly_age]}", "test: {ge: [agee, elderly_age]}")
    return "benefits/basic_pension.yml", line_of(f, "agee"), "unknown name 'agee'"


def unknown_parameter(root: Path) -> tuple[str, int, str]:
    f = root / "calculations.yml"
    replace(f, "{param: median_income, key: household_size}",
            "{param: median_incom, key: household_size}")
    return "calculations.yml", line_of(f, "median_incom,"), "unknown parameter 'median_incom'"


def unknown_benefit_id(root: Path) -> tuple[str, int, str]:
    f = root / "benefits" / "basic_pension.yml"
    replace(f, "id: basic_pension", "id: basic_pensoin")
    return "benefits/basic_pension.yml", 1, "unknown benefit id 'basic_pensoin'"


def missing_source(root: Path) -> tuple[str, int, str]:
    f = root / "parameters" / "basic_pension.yml"
    replace(f, "      source: 기초연금법 제3조 제1항 (65세 이상)\n", "")
    return "parameters/basic_pension.yml", line_of(f, "value: 65") - 1, \
        "elderly_age.values.0.source: required field is missing"  # the entry that lacks it


def overlapping_dates(root: Path) -> tuple[str, int, str]:
    f = root / "parameters" / "basic_pension.yml"
    replace(f, "    - from: 2025-01-01\n      value: 2280000",
            "    - from: 2025-01-01\n      until: 2026-06-30\n      value: 2280000")
    return "parameters/basic_pension.yml", line_of(f, "value: 2470000") - 1, \
        "2026-01-01 overlaps the previous value, in force until 2026-06-30"


def unsorted_dates(root: Path) -> tuple[str, int, str]:
    f = root / "parameters" / "basic_pension.yml"
    replace(f, "    - from: 2026-01-01\n      value: 349700",
            "    - from: 2024-01-01\n      value: 349700")
    return "parameters/basic_pension.yml", line_of(f, "value: 349700") - 1, \
        "dates must be in order; 2024-01-01 comes after 2025-01-01"


def type_error(root: Path) -> tuple[str, int, str]:
    f = root / "parameters" / "basic_pension.yml"
    replace(f, "value: 65\n", "value: 육십오\n")
    return "parameters/basic_pension.yml", line_of(f, "육십오"), "elderly_age.values.0.value"


def compare_types(root: Path) -> tuple[str, int, str]:
    f = root / "benefits" / "basic_pension.yml"
    replace(f, "test: {ge: [age, elderly_age]}", "test: {ge: [region, elderly_age]}")
    return "benefits/basic_pension.yml", line_of(f, "[region, elderly_age]"), \
        "cannot compare a str (region) with a num (elderly_age)"


def missing_field(root: Path) -> tuple[str, int, str]:
    f = root / "benefits" / "basic_pension.yml"
    replace(f, "contact: 국민연금공단 1355, 보건복지상담센터 129\n", "")
    return "benefits/basic_pension.yml", 1, "contact: required field is missing"


def unknown_field(root: Path) -> tuple[str, int, str]:
    f = root / "benefits" / "basic_pension.yml"
    replace(f, "summary:", "summery:")
    return "benefits/basic_pension.yml", line_of(f, "summery:"), "summery: unknown field"


def calculation_cycle(root: Path) -> tuple[str, int, str]:
    f = root / "calculations.yml"
    replace(f, "value: {add: [earned_income, other_income]}",
            "value: {add: [earned_income, recognized_income]}")
    return "calculations.yml", 0, "calculation cycle"


def bad_placeholder(root: Path) -> tuple[str, int, str]:
    f = root / "benefits" / "basic_pension.yml"
    replace(f, "yes: 만 {left}(으)로", "yes: 만 {leftt}(으)로")
    return "benefits/basic_pension.yml", line_of(f, "{leftt}"), "unknown placeholder {leftt}"


def missing_benefit_file(root: Path) -> tuple[str, int, str]:
    (root / "benefits" / "elderly_care.yml").unlink()
    return "benefits", 1, "benefit 'elderly_care' has no file elderly_care.yml"


def not_utf8(root: Path) -> tuple[str, int, str]:
    f = root / "benefits" / "basic_pension.yml"
    f.write_bytes(f.read_text(encoding="utf-8").encode("cp949"))
    return "benefits/basic_pension.yml", 1, "not UTF-8 text"


def table_without_key(root: Path) -> tuple[str, int, str]:
    f = root / "parameters" / "median_income.yml"
    replace(f, "  key: household_size\n", "")
    return "parameters/median_income.yml", line_of(f, "- from: 2025-01-01"), \
        "a table needs key:"


def wording_placeholder(root: Path) -> tuple[str, int, str]:
    f = root / "wording.yml"
    replace(f, '"{facts}을(를) 알면 판단할', '"{fact}을(를) 알면 판단할')
    return "wording.yml", line_of(f, "{fact}을"), "unknown placeholder {fact}"


def wording_missing_sentence(root: Path) -> tuple[str, int, str]:
    f = root / "wording.yml"
    replace(f, '    gt: "{subject}이(가) {left}(으)로 {target} {right} 이하입니다."\n', "")
    return "wording.yml", line_of(f, '"no":') + 1, "missing sentences for gt"


BREAKERS: list[Callable[[Path], tuple[str, int, str]]] = [
    break_yaml, duplicate_key, unknown_fact, unknown_parameter, unknown_benefit_id,
    missing_source, overlapping_dates, unsorted_dates, type_error, compare_types, missing_field,
    unknown_field, calculation_cycle, bad_placeholder, missing_benefit_file, not_utf8,
    table_without_key, wording_placeholder, wording_missing_sentence,
]


@pytest.mark.parametrize("breaker", BREAKERS, ids=lambda f: f.__name__)
def test_each_mistake_is_reported_at_its_line(rules_copy: Path, breaker: Callable) -> None:
    file, line, message = breaker(rules_copy)
    problems = load_rules(rules_copy).problems
    assert problems, "the broken file was accepted"
    texts = [str(p) for p in problems]
    matching = [t for t in texts if message in t]
    assert matching, texts
    where = matching[0].split(": ", 1)[0]
    assert where.startswith(f"rules/{file}:"), where
    if line:
        assert where.split(":")[1] == str(line), (where, line)


def test_check_command_prints_only_located_lines(rules_copy: Path) -> None:
    unknown_fact(rules_copy)
    unknown_field(rules_copy)
    run = bokji("rules", "check", str(rules_copy))
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert lines[-1] == "2 problem(s)"
    for line in lines[:-1]:
        assert line.startswith("rules/benefits/basic_pension.yml:"), line
    assert "Traceback" not in run.stderr


def test_check_reports_broken_rule_tests(rules_copy: Path) -> None:
    (rules_copy / "tests" / "bad.yml").write_text(
        "tests:\n  - name: x\n    profile: {}\n    expect: {free_money: eligible}\n",
        encoding="utf-8")
    run = bokji("rules", "check", str(rules_copy))
    assert run.returncode == 1
    assert "rules/tests/bad.yml:4:" in run.stderr
    assert "unknown benefit id 'free_money'" in run.stderr


def test_check_missing_folder() -> None:
    run = bokji("rules", "check", "/nonexistent/rules")
    assert run.returncode == 1
    assert run.stderr.strip() == "/nonexistent/rules: not a folder"
