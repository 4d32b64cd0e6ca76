"""A running process picks up edited rules, and keeps the last good set when an edit breaks."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from bot.eligibility.profile import Profile
from bot.eligibility.registry import RuleRegistry

DAY = dt.date(2026, 3, 2)
OLD = "      value: 2470000\n"


def pension_line(registry: RuleRegistry) -> float:
    return registry.current().param_at("pension_threshold_single", DAY)


def edit(path: Path, old: str, new: str) -> None:
    """Change a rule file as an editor would, with a later modification time."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_edit_is_picked_up(rules_copy: Path) -> None:
    registry = RuleRegistry(rules_copy, check_interval=0)
    assert pension_line(registry) == 2470000
    f = rules_copy / "parameters" / "basic_pension.yml"
    edit(f, OLD, "      value: 2500000\n")
    assert pension_line(registry) == 2500000
    ev = registry.current().evaluate(Profile(date=DAY, age=70, spouse=False, earned_income=0,
                                             other_income=2490000, property=0,
                                             financial_assets=0, debt=0, car_value=0,
                                             region="서울"))
    assert ev.results["basic_pension"].status == "eligible"
    assert registry.problems == []


def test_broken_edit_keeps_the_last_good_set(rules_copy: Path) -> None:
    registry = RuleRegistry(rules_copy, check_interval=0)
    good = registry.current()
    f = rules_copy / "parameters" / "basic_pension.yml"
    edit(f, OLD, "      value: [oops\n")
    assert registry.current() is good
    assert pension_line(registry) == 2470000
    assert registry.problems
    assert str(registry.problems[0]).startswith("rules/parameters/basic_pension.yml:")
    # fixing it again is picked up
    edit(f, "      value: [oops\n", "      value: 2480000\n")
    assert pension_line(registry) == 2480000
    assert registry.problems == []


def test_new_file_is_noticed(rules_copy: Path) -> None:
    registry = RuleRegistry(rules_copy, check_interval=0)
    (rules_copy / "parameters" / "extra.yml").write_text(
        "extra_value:\n  label: 시험용 값\n  unit: won\n  values:\n"
        "    - from: 2025-01-01\n      value: 1\n      source: 시험\n", encoding="utf-8")
    assert "extra_value" in registry.current().params


def test_interval_limits_how_often_files_are_read(rules_copy: Path) -> None:
    registry = RuleRegistry(rules_copy, check_interval=3600)
    first = registry.current()
    f = rules_copy / "parameters" / "basic_pension.yml"
    edit(f, OLD, "      value: 2500000\n")
    assert registry.current() is first  # not looked at again within the interval
