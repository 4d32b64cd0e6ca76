"""`bokji rules …`: the maintainers' and integrators' door into the eligibility engine."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from bot.eligibility import explain as ex
from bot.eligibility.loader import load_rules
from bot.eligibility.profile import Profile
from bot.eligibility.questions import rank_missing
from bot.eligibility.rulebook import InputError, RuleSet
from bot.eligibility.ruletests import find_test_files, load_cases, run_file
from bot.jsonlines import LineError, read_objects, write
from bot.settings import get_settings
from bot.yamlio import Problem

app = typer.Typer(help="규칙 파일(rules/)로 복지 자격을 판단하고, 규칙을 검사·시험합니다.",
                  no_args_is_help=True, add_completion=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)

RulesOpt = Annotated[Path | None,
                     typer.Option("--rules", help="rules folder (default: config.yml)")]
TodayOpt = Annotated[str | None, typer.Option("--today", help="date used when a profile has none")]


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message, markup=False)
    return typer.Exit(code)


def _load(path: Path | None) -> RuleSet:
    root = path or get_settings().rules_path
    result = load_rules(root)
    if result.rules is None:
        for problem in result.problems:
            err.print(str(problem), markup=False)
        raise typer.Exit(1)
    return result.rules


def _today(value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise fail(f"--today: not an ISO date: {value!r}") from None


def profile_from(line: int, obj: dict[str, Any], rules: RuleSet) -> Profile:
    try:
        profile = Profile.model_validate(obj)
    except ValidationError as exc:
        e = exc.errors()[0]
        field = ".".join(str(p) for p in e["loc"]) or "profile"
        if e["type"] == "extra_forbidden":
            raise LineError(line, f"unknown fact {field!r}") from None
        raise LineError(line, f"{field}: {e['msg']}") from None
    try:
        rules.check_profile(profile)
    except InputError as exc:
        raise LineError(line, str(exc)) from None
    return profile


@app.command("eval")
def eval_cmd(rules_path: RulesOpt = None, today: TodayOpt = None) -> None:
    """stdin: one profile (JSON) per line → stdout: every benefit's verdict per line."""
    rules, day = _load(rules_path), _today(today)
    try:
        for line, obj in read_objects(sys.stdin):
            ev = rules.evaluate(profile_from(line, obj, rules), day)
            write(ex.evaluation_json(ev), sys.stdout)
    except LineError as exc:
        raise fail(str(exc)) from None


@app.command("next")
def next_cmd(rules_path: RulesOpt = None, today: TodayOpt = None,
             top: Annotated[int, typer.Option(help="how many facts to list")] = 5) -> None:
    """stdin: profiles per line → stdout: the missing facts that would decide the most benefits."""
    rules, day = _load(rules_path), _today(today)
    try:
        for line, obj in read_objects(sys.stdin):
            ev = rules.evaluate(profile_from(line, obj, rules), day)
            ranked = [s.as_json() for s in rank_missing(ev)[:top]]
            write({"date": ev.date.isoformat(), "next": ranked}, sys.stdout)
    except LineError as exc:
        raise fail(str(exc)) from None


@app.command("explain")
def explain_cmd(benefit_id: str, rules_path: RulesOpt = None, today: TodayOpt = None,
                as_json: Annotated[bool, typer.Option("--json", help="machine-readable")] = False
                ) -> None:
    """stdin: one profile (JSON) → the verdict for one benefit, condition by condition."""
    rules, day = _load(rules_path), _today(today)
    if benefit_id not in rules.benefits:
        raise fail(f"unknown benefit id {benefit_id!r}; known: {', '.join(rules.benefits)}")
    text = sys.stdin.read()
    try:
        obj = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise fail(f"stdin:{exc.lineno}: invalid JSON: {exc.msg}") from None
    if not isinstance(obj, dict):
        raise fail("stdin:1: expected a JSON object")
    try:
        profile = profile_from(1, obj, rules)
    except LineError as exc:
        raise fail(str(exc)) from None
    date = profile.date or day
    ctx = rules.context(profile.known(), date)
    ctx.used_params = set()
    result = ctx.benefit(benefit_id)
    used = sorted(ctx.used_params)
    if as_json:
        write({**ex.result_json(result), "id": benefit_id, "date": date.isoformat(),
               "trace": ex.trace(result),
               "parameters": [_param_json(rules, name, date) for name in used]}, sys.stdout)
        return
    _print_explanation(rules, result, date, used)


def _param_json(rules: RuleSet, name: str, date: dt.date) -> dict[str, Any]:
    entry = rules.source_at(name, date)
    value = entry.value if entry else None
    return {"name": name, "label": rules.params[name].label, "value": value,
            "from": entry.from_.isoformat() if entry else None,
            "source": entry.source if entry else None, "check": entry.check if entry else None}


_MARK = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[yellow]?[/]"}
_STATUS = {"eligible": "[green]받을 수 있어요[/]", "ineligible": "[red]받기 어려워요[/]",
           "unknown": "[yellow]정보가 더 필요해요[/]"}


def _print_explanation(rules: RuleSet, result: Any, date: dt.date, used: list[str]) -> None:
    out = Console(highlight=False, soft_wrap=True)
    spec = result.benefit.spec
    out.print(f"[bold]{spec.name}[/] ({spec.id}) — {_STATUS[result.status]}  [dim]{date}[/]")
    out.print(spec.summary, markup=False)
    if result.error is not None:
        out.print(ex.reasons(result)[0], markup=False)
    else:
        out.print("\n[bold]조건[/]")
        for item in ex.trace(result):
            pad = "  " * (item["depth"] + 1)
            mark = _MARK[item["outcome"]]
            if "group" in item:
                word = {"all": "모두 충족", "any": "하나 이상 충족", "not": "아니어야 함"}
                out.print(f"{pad}{mark} [dim]{item['id']}: {word[item['group']]}[/]")
            else:
                out.print(f"{pad}{mark} [dim]{item['id']}:[/] ", end="")
                out.print(item["sentence"], markup=False)
    line = ex.amount_sentence(result) if result.status == "eligible" else None
    if line:
        out.print(f"\n[bold]금액[/] {line}")
    if result.missing:
        labels = ", ".join(f"{rules.facts[f].label}({f})" for f in result.missing)
        out.print(f"\n[bold]더 알아야 할 것[/] {labels}")
    if used:
        out.print("\n[bold]적용한 기준값[/]")
        for name in used:
            p = _param_json(rules, name, date)
            flag = " [yellow](확인 필요)[/]" if p["check"] else ""
            out.print(f"  {p['label']} ({name}, {p['from']}부터): ", end="")
            out.print(f"{_short(p['value'])} — {p['source']}", markup=False, end="")
            out.print(flag)
    out.print("\n[bold]신청[/] ", end="")
    out.print(f"{spec.apply.how} ({spec.apply.where})", markup=False)
    out.print("[bold]근거[/] ", end="")
    out.print("; ".join(s.title for s in spec.sources), markup=False)


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v:,}" if isinstance(v, int | float) else f"{k}: {v}"
                         for k, v in value.items())
    return f"{value:,}" if isinstance(value, int | float) else str(value)


@app.command("check")
def check_cmd(path: Annotated[Path | None, typer.Argument(help="rules folder")] = None) -> None:
    """Validate every rule, parameter and test file; one line `file:line:column: message` each."""
    root = path or get_settings().rules_path
    if not root.is_dir():
        raise fail(f"{root}: not a folder")
    result = load_rules(root)
    problems: list[Problem] = list(result.problems)
    tests = find_test_files([root / "tests"]) if (root / "tests").is_dir() else []
    for file in tests:
        problems.extend(load_cases(file, _display(root, file))[2])
    for problem in problems:
        err.print(str(problem), markup=False)
    if problems:
        err.print(f"{len(problems)} problem(s)", markup=False)
        raise typer.Exit(1)
    rules = result.rules
    assert rules is not None
    err.print(f"ok: {len(rules.benefits)} benefits, {len(rules.params)} parameters, "
              f"{len(rules.calcs)} calculations, {len(tests)} test files", markup=False)


def _display(root: Path, file: Path) -> str:
    try:
        return str(file.relative_to(root.parent))
    except ValueError:
        return str(file)


@app.command("test")
def test_cmd(paths: Annotated[list[Path] | None, typer.Argument(help="test files or folders")]
             = None, rules_path: RulesOpt = None) -> None:
    """Run rules/tests/*.yml and show a diff for every case that fails."""
    rules = _load(rules_path)
    root = rules_path or get_settings().rules_path
    files = find_test_files(paths or [root / "tests"])
    out = Console(highlight=False, soft_wrap=True)
    passed = failed = 0
    problems: list[Problem] = []
    for file in files:
        results, file_problems = run_file(rules, file, _display(root, file))
        problems.extend(file_problems)
        for case in results:
            if case.passed:
                passed += 1
                continue
            failed += 1
            out.print(f"[red]FAIL[/] {case.pos} ", end="")
            out.print(case.name, markup=False)
            for line in case.diff:
                style = "red" if line.lstrip().startswith("-") else (
                    "green" if line.lstrip().startswith("+") else "")
                out.print(line, style=style or None, markup=False)
    for problem in problems:
        err.print(str(problem), markup=False)
    out.print(f"{passed} passed, {failed} failed", markup=False)
    if failed or problems or not files:
        raise typer.Exit(1)
