"""YAML loading that remembers where every value came from.

Maintainers edit rules, NLU data, stories and wording by hand; when they make a mistake they
need `file:line:column: message`, not a stack trace. PyYAML's composer knows the position of
every node, so we build plain dicts and lists that also carry those positions, and reject
duplicate keys (PyYAML would silently keep the last one).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based line and column in a named file."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


M = TypeVar("M")


class Problem(Exception):
    """One thing wrong in a maintainer's file, already placed at a line."""

    def __init__(self, pos: Pos | None, message: str, file: str = "?") -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message
        self.file = file

    def __str__(self) -> str:
        where = str(self.pos) if self.pos else f"{self.file}:1:1"
        return f"{where}: {self.message}"


class Problems(Exception):
    """Every problem found in one pass, so a maintainer fixes them all at once."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


class MDict(dict):
    """A mapping with the position of itself, each key and each value."""

    pos: Pos
    key_pos: dict[Any, Pos]
    value_pos: dict[Any, Pos]


class MList(list):
    """A sequence with the position of itself and of each item."""

    pos: Pos
    item_pos: list[Pos]


# libyaml's C parser reads the rule files several times faster than the pure-Python one;
# the Python resolver and constructor still decide what each scalar means.
_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    """Safe loading with YAML 1.2 booleans: only true/false, so `yes:`, `no:`, `on` stay text."""


class _ScalarLoader(yaml.SafeLoader):
    """Constructs one scalar at a time; shares _Loader's resolvers."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_ScalarLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


def _pos(file: str, node: Node) -> Pos:
    mark = node.start_mark
    return Pos(file, mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self._scalar = _ScalarLoader("")

    def build(self, node: Node) -> Any:
        if isinstance(node, MappingNode):
            out = MDict()
            out.pos = _pos(self.file, node)
            out.key_pos, out.value_pos = {}, {}
            self._scalar.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self.build(key_node)
                if isinstance(key, list | dict):
                    raise Problem(_pos(self.file, key_node), "a key must be a plain value")
                if key in out:
                    raise Problem(
                        _pos(self.file, key_node),
                        f"duplicate key {key!r} (first at line {out.key_pos[key].line})",
                    )
                out[key] = self.build(value_node)
                out.key_pos[key] = _pos(self.file, key_node)
                out.value_pos[key] = _pos(self.file, value_node)
            return out
        if isinstance(node, SequenceNode):
            seq = MList(self.build(item) for item in node.value)
            seq.pos = _pos(self.file, node)
            seq.item_pos = [_pos(self.file, item) for item in node.value]
            return seq
        if isinstance(node, ScalarNode):
            return self._scalar.construct_object(node, deep=True)
        raise Problem(_pos(self.file, node), f"unsupported YAML node {node.tag}")


def load_text(text: str, file: str) -> Any:
    """Parse YAML text; raise Problem with the line of any syntax error."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(file, mark.line + 1, mark.column + 1) if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        raise Problem(pos, f"YAML syntax: {reason}", file) from None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML always marks its errors
        raise Problem(None, f"YAML syntax: {exc}", file) from None
    if node is None:
        return None
    try:
        return _Builder(file).build(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        pos = Pos(file, mark.line + 1, mark.column + 1) if mark else None
        raise Problem(pos, f"YAML value: {exc.problem}", file) from None


def load_file(path: Path, display: str | None = None) -> Any:
    """Read and parse one file; unreadable or non-UTF-8 files become a Problem too."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(None, f"not UTF-8 text ({exc.reason})", name) from None
    except OSError as exc:
        raise Problem(None, f"cannot read: {exc.strerror}", name) from None
    return load_text(text, name)


def pos_of(root: Any, loc: Iterable[Any]) -> Pos | None:
    """Follow a pydantic-style location path through MDict/MList to the deepest known Pos."""
    node, best = root, getattr(root, "pos", None)
    for part in loc:
        if isinstance(node, MDict) and part in node:
            best = node.value_pos.get(part, best)
            node = node[part]
        elif isinstance(node, MList) and isinstance(part, int) and 0 <= part < len(node):
            best = node.item_pos[part]
            node = node[part]
        else:
            break
    return best


def key_pos_of(node: Any, key: Any) -> Pos | None:
    """The position of a key in a mapping (or of the mapping itself)."""
    if isinstance(node, MDict):
        return node.key_pos.get(key, node.pos)
    return getattr(node, "pos", None)


def yaml_files(paths: Iterable[Path], recursive: bool = True) -> list[Path]:
    """Files as given, folders as their *.yml files (sorted, so reports are stable)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(path.rglob("*.yml") if recursive else path.glob("*.yml")))
        else:
            out.append(path)
    return out


def validate(model: type[M], raw: Any, file: str) -> M:
    """Validate parsed YAML; the first schema error becomes a Problem placed at its line."""
    from pydantic import ValidationError

    try:
        return model.model_validate(raw)  # type: ignore[attr-defined,no-any-return]
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(map(str, err["loc"])) or "file"
        raise Problem(pos_of(raw, err["loc"]), f"{where}: {err['msg']}", file) from None


def load_model(model: type[M], path: Path) -> tuple[M, Any]:
    """Load a YAML file into a pydantic model; the first schema error becomes a Problem
    placed at its line. Returns the model and the raw data (with positions)."""
    raw = load_file(path)
    return validate(model, raw, str(path)), raw


def as_date(value: Any) -> dt.date | None:
    """YAML gives dates as date objects when unquoted and as strings when quoted."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None
