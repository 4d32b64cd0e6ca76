"""The JSON-lines contract of `bokji rules eval` and the maintainer commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.eligibility.profile import BENEFIT_IDS
from tests.cli import bokji

HOUSEHOLD = {"date": "2026-03-02", "age": 72, "household_size": 1, "spouse": False,
             "earned_income": 0, "other_income": 300000, "property": 0, "financial_assets": 0,
             "debt": 0, "car_value": 0, "region": "서울특별시 구로구", "housing": "monthly_rent",
             "monthly_rent": 250000}


def test_eval_answers_every_benefit_per_line() -> None:
    lines = [json.dumps(HOUSEHOLD, ensure_ascii=False), "", json.dumps({"age": 30})]
    run = bokji("rules", "eval", stdin="\n".join(lines) + "\n")
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    outputs = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(outputs) == 2
    for out in outputs:
        assert set(out) == {"date", "results"}
        assert set(out["results"]) == set(BENEFIT_IDS)
        for verdict in out["results"].values():
            assert verdict["status"] in ("eligible", "ineligible", "unknown")
            assert verdict["amount"] is None or isinstance(verdict["amount"], int)
            assert all(isinstance(r, str) for r in verdict["reasons"])
            assert verdict["reasons"], "every verdict is explained"
            assert isinstance(verdict["missing"], list)
    first = outputs[0]["results"]
    assert first["basic_pension"]["status"] == "eligible"
    assert first["basic_pension"]["amount"] == 349700
    assert first["livelihood_benefit"] == {**first["livelihood_benefit"], "status": "eligible",
                                           "amount": 820556 - 300000}
    assert "만 72세로 65세 이상입니다." in first["basic_pension"]["reasons"]
    assert outputs[1]["results"]["basic_pension"]["status"] == "ineligible"


def test_eval_defaults_to_today() -> None:
    run = bokji("rules", "eval", "--today", "2025-07-01", stdin='{"age": 70}\n')
    assert json.loads(run.stdout)["date"] == "2025-07-01"


@pytest.mark.parametrize(("stdin", "message"), [
    ('{"age": 70}\n{"age": \n', "stdin:2: invalid JSON"),
    ('{"age": 70}\n[1, 2]\n', "stdin:2: expected a JSON object"),
    ('{"agee": 70}\n', "stdin:1: unknown fact 'agee'"),
    ('{"age": "seventy"}\n', "stdin:1: age:"),
    ('{"age": -3}\n', "stdin:1: age:"),
    ('{"household_size": 0}\n', "stdin:1: household_size:"),
    ('{"region": "화성"}\n', "stdin:1: region: unknown 시도 '화성'"),
    ('{"housing": "castle"}\n', "stdin:1: housing:"),
    ('{"crisis_events": ["boredom"]}\n', "stdin:1: crisis_events.0:"),
    ('{"date": "2026-13-01"}\n', "stdin:1: date:"),
])
def test_eval_bad_input_is_one_line_naming_the_line(stdin: str, message: str) -> None:
    run = bokji("rules", "eval", stdin=stdin)
    assert run.returncode == 1
    assert run.stderr.startswith(message), run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Traceback" not in run.stderr
    good_lines = stdin.count("\n") - 1
    assert len(run.stdout.splitlines()) == good_lines  # earlier answers were already written


def test_explain_prints_the_trace_in_korean() -> None:
    run = bokji("rules", "explain", "basic_pension", stdin=json.dumps(HOUSEHOLD))
    assert run.returncode == 0, run.stderr
    assert "기초연금" in run.stdout
    assert "만 72세로 65세 이상입니다." in run.stdout
    assert "선정기준액" in run.stdout
    assert "적용한 기준값" in run.stdout


def test_explain_json_cites_the_parameters_used() -> None:
    run = bokji("rules", "explain", "livelihood_benefit", "--json", stdin=json.dumps(HOUSEHOLD))
    out = json.loads(run.stdout)
    assert out["status"] == "eligible"
    names = {p["name"] for p in out["parameters"]}
    assert {"median_income", "livelihood_rate"} <= names
    assert all(p["source"] for p in out["parameters"])
    assert [t["id"] for t in out["trace"] if "group" not in t] == ["income"]


def test_explain_unknown_benefit() -> None:
    run = bokji("rules", "explain", "free_money", stdin="{}")
    assert run.returncode == 1
    assert "unknown benefit id 'free_money'" in run.stderr


def test_next_ranks_decisive_facts() -> None:
    stdin = '{"date": "2026-03-02"}\n{"date": "2026-03-02", "age": 30}\n'
    run = bokji("rules", "next", stdin=stdin)
    assert run.returncode == 0, run.stderr
    empty, young = (json.loads(line)["next"] for line in run.stdout.splitlines())
    assert empty[0]["decides"] >= empty[-1]["decides"]
    assert empty[0]["fact"] in ("age", "household_size", "children_age_months")
    assert "age" not in [item["fact"] for item in young]


def test_check_passes_on_the_shipped_rules() -> None:
    run = bokji("rules", "check")
    assert run.returncode == 0, run.stderr
    assert "ok: 16 benefits" in run.stderr


def test_rules_test_passes_on_the_shipped_tests() -> None:
    run = bokji("rules", "test")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1].endswith(" passed, 0 failed")


def test_rules_test_shows_a_diff_for_a_wrong_expectation(tmp_path: Path) -> None:
    case = tmp_path / "wrong.yml"
    case.write_text(
        "tests:\n"
        "  - name: 일부러 틀린 기대\n"
        "    date: 2026-03-02\n"
        "    profile: {age: 72, household_size: 1, spouse: false, earned_income: 0,\n"
        "              other_income: 0, property: 0, financial_assets: 0, debt: 0,\n"
        "              car_value: 0, region: 서울}\n"
        "    expect:\n"
        "      basic_pension: {status: ineligible, amount: 1}\n", encoding="utf-8")
    run = bokji("rules", "test", str(case))
    assert run.returncode == 1
    assert f"FAIL {case}:2:5 일부러 틀린 기대" in run.stdout
    assert "- status: ineligible" in run.stdout
    assert "+ status: eligible" in run.stdout
    assert "+ amount: 349,700" in run.stdout
    assert run.stdout.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_a_vague_region_is_asked_again() -> None:
    # 2억 is under the 대도시 limit (2.41억) but over 농어촌 (1.3억): 경기 시 or 군 decides.
    facts = {**HOUSEHOLD, "region": "경기", "age": 40, "crisis_events": ["job_loss"],
             "household_size": 1, "earned_income": 0, "property": 200_000_000}
    run = bokji("rules", "eval", stdin=json.dumps(facts, ensure_ascii=False) + "\n")
    emergency = json.loads(run.stdout)["results"]["emergency_welfare"]
    assert emergency["status"] == "unknown"
    assert emergency["missing"] == ["region"]
