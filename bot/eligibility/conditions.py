"""A benefit's condition tree: leaves that test one thing and say so in Korean, and all/any/not.

Each leaf carries its own sentences ("만 {left}로 65세 이상입니다") so the verdict can be
explained from the values actually compared. Wording left out is generated from the labels
of what is compared, so every leaf can always be explained.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.eligibility.expr import COMPARE, COND, CompileError, Compiler, Expr, all3, any3
from bot.eligibility.schema import Wording
from bot.yamlio import MDict, Pos

if TYPE_CHECKING:
    from bot.eligibility.context import Ctx

Outcome = bool | None
# node -> (outcome, left value, right value); filled during one benefit's evaluation
Record = dict[Any, tuple[Outcome, Any, Any]]

@dataclass(eq=False, slots=True)
class Leaf:
    id: str
    pos: Pos | None
    test: Expr
    yes: str
    no: str
    unknown: str | None
    names: dict[str, Expr] = field(default_factory=dict)  # {placeholders} other than left/right
    _sides: tuple[Any, Any, Any] | None = None  # (left fn, right fn, compare) of a comparison

    def __post_init__(self) -> None:
        t = self.test
        if t.op is not None:
            assert t.left is not None and t.right is not None
            self._sides = (t.left.fn, t.right.fn, COMPARE[t.op])

    def eval(self, ctx: Ctx, record: Record) -> Outcome:
        sides = self._sides
        if sides is not None:  # keep both values: the explanation shows what was compared
            lv, rv = sides[0](ctx), sides[1](ctx)
            outcome = sides[2](lv, rv)
            record[self] = (outcome, lv, rv)
        else:
            outcome = self.test.fn(ctx)
            record[self] = (outcome, None, None)
        return outcome


@dataclass(eq=False, slots=True)
class Group:
    kind: str  # all | any | not
    children: list[Any]
    id: str | None = None
    pos: Pos | None = None

    def eval(self, ctx: Ctx, record: Record) -> Outcome:
        results = [c.eval(ctx, record) for c in self.children]
        if self.kind == "all":
            outcome = all3(results)
        elif self.kind == "any":
            outcome = any3(results)
        else:
            outcome = None if results[0] is None else not results[0]
        record[self] = (outcome, None, None)
        return outcome


Node = Leaf | Group


def decisive(node: Node, record: Record) -> list[Leaf]:
    """The leaves that explain a node's outcome: what passed, what failed, what is open."""
    outcome = record[node][0]
    if isinstance(node, Leaf):
        return [node]
    if node.kind == "not":
        return decisive(node.children[0], record)
    out: list[Leaf] = []
    for child in node.children:
        child_outcome = record[child][0]
        if node.kind == "all":
            keep = child_outcome is False if outcome is False else True
        else:  # any: the first success explains it, or every failure / open branch
            if outcome is True:
                if child_outcome is True:
                    return decisive(child, record)
                continue
            keep = True if outcome is False else child_outcome is None
        if keep:
            out.extend(decisive(child, record))
    return out


def undecided_leaves(node: Node, record: Record) -> list[Leaf]:
    """Leaves whose unknown outcome keeps this node unknown."""
    if record[node][0] is not None:
        return []
    if isinstance(node, Leaf):
        return [node]
    out: list[Leaf] = []
    for child in node.children:
        out.extend(undecided_leaves(child, record))
    return out


def placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


class ConditionBuilder:
    """Builds a benefit's tree from YAML, with wording checked against what the leaf compares."""

    LEAF_KEYS = frozenset({"id", "test", "yes", "no", "unknown"})

    def __init__(self, compiler: Compiler, benefit_names: dict[str, str],
                 wording: Wording) -> None:
        self.compiler = compiler
        self.benefit_names = benefit_names
        self.wording = wording
        self._ids: set[str] = set()

    def build(self, node: Any, pos: Pos | None, path: str = "conditions") -> Node:
        if not isinstance(node, dict):
            raise CompileError(pos, "a condition is a mapping with test: or all:/any:/not:")

        def at(key: str) -> Pos | None:
            return node.value_pos.get(key, pos) if isinstance(node, MDict) else pos

        node_id = node.get("id", path)
        if not isinstance(node_id, str):
            raise CompileError(at("id"), "id must be text")
        if node_id in self._ids:
            raise CompileError(at("id"), f"duplicate condition id {node_id!r}")
        self._ids.add(node_id)
        if "test" in node:
            return self._leaf(node, node_id, pos, at)
        groups = [k for k in ("all", "any", "not") if k in node]
        extra = [k for k in node if k not in {"all", "any", "not", "id"}]
        if len(groups) != 1 or extra:
            where = node.key_pos.get(extra[0], pos) if extra and isinstance(node, MDict) else pos
            raise CompileError(where, "a condition needs test:, or exactly one of all:/any:/not:"
                               + (f" (unexpected key {extra[0]!r})" if extra else ""))
        kind = groups[0]
        arg = node[kind]
        if kind == "not":
            child = self.build(arg, at("not"), f"{node_id}.not")
            return Group("not", [child], node_id, pos)
        if not isinstance(arg, list) or not arg:
            raise CompileError(at(kind), f"{kind} takes a list of conditions")
        item_pos = getattr(arg, "item_pos", [at(kind)] * len(arg))
        children = [self.build(c, p, f"{node_id}.{i}")
                    for i, (c, p) in enumerate(zip(arg, item_pos, strict=True))]
        return Group(kind, children, node_id, pos)

    def _leaf(self, node: dict, node_id: str, pos: Pos | None, at: Any) -> Leaf:
        extra = [k for k in node if k not in self.LEAF_KEYS]
        if extra:
            raise CompileError(node.key_pos.get(extra[0], pos) if isinstance(node, MDict) else pos,
                               f"unexpected key {extra[0]!r} in a test")
        test = self.compiler.condition(node["test"], at("test"))
        if test.kind != COND:
            raise CompileError(at("test"), "test must be a condition")
        yes, no = node.get("yes"), node.get("no")
        if test.op is None and (yes is None or no is None):
            default = self._eligible_wording(node["test"])
            if default is None:
                raise CompileError(pos, "a test that is not a comparison needs yes: and no: "
                                        "sentences")
            yes, no = yes or default[0], no or default[1]
        if yes is None or no is None:
            gen_yes, gen_no = self._comparison_wording(test)
            yes, no = yes or gen_yes, no or gen_no
        names: dict[str, Expr] = {}
        for key, template in (("yes", yes), ("no", no), ("unknown", node.get("unknown"))):
            if template is None:
                continue
            if not isinstance(template, str):
                raise CompileError(at(key), f"{key} must be a sentence")
            for name in placeholders(template):
                if name in ("left", "right"):
                    if test.op is None:
                        raise CompileError(at(key), f"{{{name}}} only works in a comparison")
                    continue
                try:
                    names[name] = self.compiler.name(name, at(key))
                except CompileError as exc:
                    message = f"unknown placeholder {{{name}}}: {exc.message}"
                    raise CompileError(at(key), message) from None
        return Leaf(node_id, pos, test, yes, no, node.get("unknown"), names)

    def _eligible_wording(self, test: Any) -> tuple[str, str] | None:
        if isinstance(test, dict) and set(test) == {"eligible"}:
            name = self.benefit_names.get(test["eligible"], test["eligible"])
            return (self.wording.eligible_yes.format(benefit=name),
                    self.wording.eligible_no.format(benefit=name))
        return None

    def _comparison_wording(self, test: Expr) -> tuple[str, str]:
        """Sentences from the labels of both sides, e.g. '나이가 {left}로 {right} 이상입니다.'"""
        left, right = test.left, test.right
        assert left is not None and right is not None and test.op is not None

        def fill(template: str) -> str:
            text = template.replace("{subject}", left.label or "값")
            text = text.replace("{target}", right.label or "")
            return " ".join(text.split())

        return (fill(self.wording.compare.yes[test.op]),  # type: ignore[index]
                fill(self.wording.compare.no[test.op]))  # type: ignore[index]
