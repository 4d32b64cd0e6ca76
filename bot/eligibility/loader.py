"""Reads rules/ into a compiled RuleSet, collecting every problem with its file and line.

Layout (see README, "For rule maintainers"):
  rules/facts.yml            facts the rules may use: type, Korean label, unit, probe values
  rules/regions.yml          시도 names and the area classes each law uses
  rules/parameters/*.yml     dated values with their legal sources
  rules/calculations.yml     named computations (소득인정액 …) over facts and parameters
  rules/wording.yml          the engine's own sentences, where a rule file gives none
  rules/benefits/<id>.yml    one file per benefit id of the contract
  rules/tests/*.yml          example households with their expected verdicts
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.eligibility.conditions import ConditionBuilder, placeholders
from bot.eligibility.expr import CompileError, Compiler, Expr
from bot.eligibility.profile import BENEFIT_IDS, FACT_NAMES, Profile
from bot.eligibility.regions import Regions, RegionsFile
from bot.eligibility.rulebook import CompiledBenefit, RuleSet
from bot.eligibility.schema import Benefit, Calculation, FactsFile, Parameter, Wording
from bot.yamlio import MDict, Pos, Problem, key_pos_of, load_file, pos_of

_PROFILE_TYPES = {"int": {"int"}, "bool": {"bool"}, "enum": {"str"}, "region": {"str"},
                  "list_int": {"list"}, "list_enum": {"list"}}


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: Any, file: str, problems: list[Problem],
                            prefix: tuple[Any, ...] = ()) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = pos_of(data, loc) or Pos(file, 1, 1)
            field = ".".join(str(p) for p in (*prefix, *loc) if p != "from_") or "file"
            msg = err["msg"]
            if err["type"] == "missing":  # point at the mapping that lacks the field
                where = pos_of(data, loc[:-1]) or where
                msg = "required field is missing"
            elif err["type"] == "extra_forbidden":  # point at the misspelt key itself
                where = key_pos_of(_node_at(data, loc[:-1]), loc[-1]) or where
                msg = "unknown field"
            problems.append(Problem(where or Pos(file, 1, 1), f"{field}: {msg}", file))
        return None


def _node_at(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            break
    return data


@dataclass
class LoadResult:
    rules: RuleSet | None
    problems: list[Problem]
    files: list[Path]


def _files(root: Path, sub: str) -> list[Path]:
    folder = root / sub
    return sorted(folder.glob("*.yml")) if folder.is_dir() else []


def rule_files(root: Path) -> list[Path]:
    """Every file the rule set is built from (hot reload watches these)."""
    return [root / "facts.yml", root / "regions.yml", root / "calculations.yml",
            root / "wording.yml",
            *_files(root, "parameters"), *_files(root, "benefits")]


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def read(self, path: Path) -> Any:
        try:
            return load_file(path, self.rel(path))
        except Problem as problem:
            self.problems.append(problem)
            return None

    def mapping(self, path: Path) -> MDict | None:
        data = self.read(path)
        if data is None:
            if path.exists() and not self.problems:
                self.problems.append(Problem(Pos(self.rel(path), 1, 1), "file is empty"))
            return None
        if not isinstance(data, MDict):
            self.problems.append(Problem(getattr(data, "pos", None), "expected a mapping at the "
                                         "top of the file", self.rel(path)))
            return None
        return data


def load_rules(root: Path) -> LoadResult:
    """Load and compile; `rules` is None when any problem was found."""
    reader = _Reader(root)
    problems = reader.problems
    files = rule_files(root)
    for required in files[:4]:
        if not required.exists():
            problems.append(Problem(None, "required file is missing", reader.rel(required)))
    if problems:
        return LoadResult(None, problems, files)

    facts_raw = reader.mapping(root / "facts.yml")
    facts_file = facts_raw and _validate(FactsFile, facts_raw, reader.rel(root / "facts.yml"),
                                         problems)
    regions_raw = reader.mapping(root / "regions.yml")
    regions_file = regions_raw and _validate(
        RegionsFile, regions_raw, reader.rel(root / "regions.yml"), problems)

    wording_raw = reader.mapping(root / "wording.yml")
    wording = wording_raw and _validate(Wording, wording_raw, reader.rel(root / "wording.yml"),
                                        problems)

    # Parameters: names are global across files.
    params: dict[str, Parameter] = {}
    param_pos: dict[str, Pos] = {}
    for path in _files(root, "parameters"):
        data = reader.mapping(path)
        if data is None:
            continue
        for name, body in data.items():
            pos = data.key_pos[name]
            if name in params:
                problems.append(Problem(pos, f"parameter {name!r} is already defined at "
                                        f"{param_pos[name]}"))
                continue
            param = _validate(Parameter, body, reader.rel(path), problems, (name,))
            if param is not None:
                _check_dates(name, param, body, pos, problems)
                params[name], param_pos[name] = param, pos

    calcs: dict[str, Calculation] = {}
    calc_pos: dict[str, Pos] = {}
    calc_raw = reader.mapping(root / "calculations.yml")
    for name, body in (calc_raw or {}).items():
        pos = calc_raw.key_pos[name]  # type: ignore[union-attr]
        calc = _validate(Calculation, body, reader.rel(root / "calculations.yml"), problems,
                         (name,))
        if calc is not None:
            calcs[name] = calc
            calc_pos[name] = body.value_pos.get("value", pos) if isinstance(body, MDict) else pos

    benefits_raw: dict[str, tuple[Benefit, MDict, Path]] = {}
    for path in _files(root, "benefits"):
        data = reader.mapping(path)
        if data is None:
            continue
        benefit = _validate(Benefit, data, reader.rel(path), problems)
        if benefit is None:
            continue
        if benefit.id not in BENEFIT_IDS:
            problems.append(Problem(data.value_pos["id"], f"unknown benefit id {benefit.id!r} "
                                    f"(the contract's ids: {', '.join(BENEFIT_IDS)})"))
            continue
        if path.stem != benefit.id:
            problems.append(Problem(data.value_pos["id"], f"file name must be {benefit.id}.yml"))
            continue
        benefits_raw[benefit.id] = (benefit, data, path)

    if facts_file is None or regions_file is None or wording is None:
        return LoadResult(None, problems, files)
    facts = facts_file.facts
    _check_facts(facts, facts_raw, problems)
    regions = Regions(regions_file.sido, regions_file.schemes)
    for name, param in params.items():
        if param.key and param.key not in facts and param.key not in regions.schemes:
            problems.append(Problem(param_pos[name], f"parameter {name!r}: key {param.key!r} "
                                    "is neither a fact nor a region scheme"))

    compiler = Compiler(facts, params, calcs, calc_pos, set(BENEFIT_IDS), regions)
    for name in list(calcs):
        try:
            compiler.calc(name)
        except CompileError as exc:
            problems.append(Problem(exc.pos, f"calculation {name!r}: {exc.message}"))
            compiler.calcs.pop(name, None)

    names = {b.id: b.name for b, _, _ in benefits_raw.values()}
    compiled: dict[str, CompiledBenefit] = {}
    for bid, (benefit, data, _path) in benefits_raw.items():
        builder = ConditionBuilder(compiler, names, wording)
        try:
            root_node = builder.build(benefit.conditions, data.value_pos.get("conditions"))
            amount: Expr | None = None
            amount_names: dict[str, Expr] = {}
            if benefit.amount is not None:
                amount_raw = data["amount"]
                amount = compiler.number(amount_raw["value"], amount_raw.value_pos.get("value"))
                says_pos = amount_raw.value_pos.get("says")
                for name in placeholders(benefit.amount.says or ""):
                    if name != "amount":
                        amount_names[name] = _placeholder(compiler, name, says_pos)
        except CompileError as exc:
            problems.append(Problem(exc.pos, f"{bid}: {exc.message}"))
            continue
        compiled[bid] = CompiledBenefit(benefit, root_node, amount, _benefit_refs(root_node),
                                        amount_names)

    for bid in BENEFIT_IDS:
        if bid not in benefits_raw and not any(p.file.endswith(f"{bid}.yml") or
                                               (p.pos and p.pos.file.endswith(f"{bid}.yml"))
                                               for p in problems):
            problems.append(Problem(Pos(reader.rel(root / "benefits"), 1, 1),
                                    f"benefit {bid!r} has no file {bid}.yml"))
    _check_cycles(compiled, problems)
    if problems:
        return LoadResult(None, problems, files)
    order = sorted(facts, key=lambda f: (facts[f].order, f))
    rules = RuleSet(facts, params, compiler.calcs, compiled, regions, order, wording)
    return LoadResult(rules, [], files)


def _check_dates(name: str, param: Parameter, body: Any, pos: Pos,
                 problems: list[Problem]) -> None:
    values_raw = body.get("values") if isinstance(body, dict) else None
    item_pos = getattr(values_raw, "item_pos", [pos] * len(param.values))
    prev = None
    for i, entry in enumerate(param.values):
        here = item_pos[i] if i < len(item_pos) else pos
        if entry.until is not None and entry.until < entry.from_:
            problems.append(Problem(here, f"{name}: until {entry.until} is before from "
                                    f"{entry.from_}"))
        if prev is not None:
            if entry.from_ <= prev.from_:
                problems.append(Problem(here, f"{name}: dates must be in order; {entry.from_} "
                                        f"comes after {prev.from_}"))
            elif prev.until is not None and prev.until >= entry.from_:
                problems.append(Problem(here, f"{name}: {entry.from_} overlaps the previous "
                                        f"value, in force until {prev.until}"))
        is_table = isinstance(entry.value, dict)
        if is_table != (param.key is not None):
            problems.append(Problem(here, f"{name}: " + (
                "a table needs key: (what the rows are indexed by)" if is_table else
                f"key: {param.key} is set, so each value must be a table")))
        prev = entry


def _check_facts(facts: dict[str, Any], raw: Any, problems: list[Problem]) -> None:
    for name in FACT_NAMES:
        if name not in facts:
            problems.append(Problem(raw.pos, f"fact {name!r} of the profile is not described"))
    for name, spec in facts.items():
        pos = raw.key_pos.get(name)
        field = Profile.model_fields.get(name)
        if field is None:
            problems.append(Problem(pos, f"fact {name!r} is not in the profile schema "
                                    "(bot/eligibility/profile.py)"))
            continue
        ann = str(field.annotation)
        kind = ("list" if "list" in ann else "bool" if "bool" in ann else
                "int" if "int" in ann and "Literal" not in ann else "str")
        if kind not in _PROFILE_TYPES[spec.type]:
            problems.append(Problem(pos, f"fact {name!r} is {spec.type} here but {kind} in "
                                    "the profile schema"))
        if spec.type in ("enum", "list_enum") and not spec.values:
            problems.append(Problem(pos, f"fact {name!r} needs values:"))


def _placeholder(compiler: Compiler, name: str, pos: Pos | None) -> Expr:
    try:
        return compiler.name(name, pos)
    except CompileError as exc:
        raise CompileError(pos, f"unknown placeholder {{{name}}}: {exc.message}") from None


def _benefit_refs(node: Any) -> frozenset[str]:
    from bot.eligibility.conditions import Leaf

    if isinstance(node, Leaf):
        refs = set(node.test.benefits)
        for e in node.names.values():
            refs |= e.benefits
        return frozenset(refs)
    return frozenset().union(*(_benefit_refs(c) for c in node.children))


def _check_cycles(compiled: dict[str, CompiledBenefit], problems: list[Problem]) -> None:
    def visit(bid: str, path: list[str]) -> None:
        if bid in path:
            cycle = " → ".join([*path[path.index(bid):], bid])
            problems.append(Problem(compiled[path[0]].root.pos, f"benefit cycle: {cycle}"))
            raise StopIteration
        for ref in compiled[bid].refs if bid in compiled else ():
            visit(ref, [*path, bid])

    for bid in compiled:
        try:
            visit(bid, [])
        except StopIteration:
            return

