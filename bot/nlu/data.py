"""Reads NLU data in Rasa 3.x YAML, so the same files train Rasa and this pipeline.

Supported: `intent:` with `examples:` (inline entity annotations `[text]{"entity": …,
"value": …}` or `[text](entity)`), `synonym:` and `lookup:`. Every problem names the file
and line of the example.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.yamlio import MDict, MList, Pos, Problem, load_file, yaml_files

INTENTS = ("greet", "goodbye", "thanks", "affirm", "deny", "find_benefits", "benefit_info",
           "how_to_apply", "inform", "crisis_livelihood", "crisis_suicide", "crisis_abuse",
           "request_human", "restart", "out_of_scope")
ENTITIES = ("age", "household_size", "monthly_income", "benefit", "child_age_months", "region",
            "disability", "crisis_event")
CRISIS_INTENTS = {"crisis_livelihood": "livelihood", "crisis_suicide": "suicide",
                  "crisis_abuse": "abuse"}

_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\{(?P<json>[^}]*)\}|\((?P<name>[^)]+)\))")


@dataclass(frozen=True, slots=True)
class Entity:
    entity: str
    value: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    entities: tuple[Entity, ...]
    pos: Pos


@dataclass
class NLUData:
    examples: list[Example] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)  # surface → canonical value
    lookups: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def parse_example(line: str, pos: Pos) -> tuple[str, tuple[Entity, ...]]:
    """'[72살]{"entity": "age", "value": "72"}이에요' → ('72살이에요', (Entity(age, 72, 0, 3),))"""
    out, entities, last = [], [], 0
    for m in _ANNOTATION.finditer(line):
        out.append(line[last:m.start()])
        start = sum(len(p) for p in out)
        surface = m.group("text")
        if m.group("json") is not None:
            try:
                meta = json.loads("{" + m.group("json") + "}")
            except json.JSONDecodeError as exc:
                raise Problem(pos, f"entity annotation is not JSON: {exc.msg}") from None
            name, value = meta.get("entity"), meta.get("value", surface)
        else:
            name, value = m.group("name"), surface
        if name not in ENTITIES:
            raise Problem(pos, f"unknown entity {name!r} (known: {', '.join(ENTITIES)})")
        entities.append(Entity(name, str(value), start, start + len(surface)))
        out.append(surface)
        last = m.end()
    out.append(line[last:])
    return "".join(out), tuple(entities)


def _block_lines(block: str, pos: Pos) -> list[tuple[str, Pos]]:
    """The `- ` lines of an examples block, each with its own line number."""
    items = []
    for offset, raw in enumerate(block.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        where = Pos(pos.file, pos.line + offset, 1)
        if not stripped.startswith("- "):
            raise Problem(where, "each example is one line starting with '- '")
        items.append((stripped[2:].strip(), where))
    return items


def read_file(path: Path, data: NLUData, display: str | None = None) -> None:
    name = display or str(path)
    try:
        raw = load_file(path, name)
    except Problem as problem:
        data.problems.append(problem)
        return
    if not isinstance(raw, MDict) or not isinstance(raw.get("nlu"), MList):
        data.problems.append(Problem(getattr(raw, "pos", None), "expected `nlu:` with a list "
                                     "of intent/synonym/lookup blocks", name))
        return
    for item, item_pos in zip(raw["nlu"], raw["nlu"].item_pos, strict=True):
        if not isinstance(item, MDict):
            data.problems.append(Problem(item_pos, "expected a mapping"))
            continue
        kinds = [k for k in ("intent", "synonym", "lookup", "regex") if k in item]
        if len(kinds) != 1 or "examples" not in item:
            data.problems.append(Problem(item_pos, "a block needs one of intent:/synonym:/"
                                         "lookup: and examples:"))
            continue
        kind, label = kinds[0], item[kinds[0]]
        if kind == "intent" and label not in INTENTS:
            data.problems.append(Problem(item.value_pos["intent"], f"unknown intent {label!r}"))
            continue
        block = item["examples"]
        if not isinstance(block, str):
            data.problems.append(Problem(item.value_pos["examples"], "examples must be a `|` "
                                         "block of '- ' lines"))
            continue
        try:
            lines = _block_lines(block, item.value_pos["examples"])
        except Problem as problem:
            data.problems.append(problem)
            continue
        for line, where in lines:
            if kind == "intent":
                try:
                    text, entities = parse_example(line, where)
                except Problem as problem:
                    data.problems.append(problem)
                    continue
                data.examples.append(Example(text, label, entities, where))
            elif kind == "synonym":
                data.synonyms[line] = str(label)
            elif kind == "lookup":
                data.lookups.setdefault(str(label), []).append(line)


def read_paths(paths: list[Path], root: Path | None = None) -> NLUData:
    data = NLUData()
    for file in yaml_files(paths):
        display = str(file.relative_to(root)) if root and file.is_relative_to(root) else None
        read_file(file, data, display)
    return data
