"""Compiles rule expressions (YAML data) into closures, never through Python's eval.

Why intervals: a fact that is absent is unknown, but it is not unbounded. Money is never
negative, so a household whose earned income alone is over the line is ineligible whatever
its property turns out to be. Every number is evaluated as (low, high); a comparison is
True or False when the intervals decide it and None (unknown) otherwise. Interval arithmetic
only narrows as facts are added, so adding a fact can decide an unknown verdict but never
flip a decided one: the property the tests check.

Grammar (each operator is a one-key mapping):
  value:  number | name (fact, calculation or scalar parameter)
          | {add|mul|min|max: [value, ...]} | {sub|div: [value, value]} | {round: value}
          | {param: name, key: value}   (a table parameter at one key)
          | {region_class: scheme} | {count: list, min: value, max: value} | {len: list}
          | {if: condition, then: value, else: value}   (a branch may be null: no amount)
  condition: {le|lt|ge|gt|eq|ne: [value, value]} | {in: [value, [literal, ...]]}
          | {has: [list, [literal, ...]]} | {eligible: benefit id}
          | {all|any: [condition, ...]} | {not: condition} | true | false
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot.yamlio import MDict, MList, Pos

if TYPE_CHECKING:
    from bot.eligibility.context import Ctx
    from bot.eligibility.regions import Regions
    from bot.eligibility.schema import Calculation, FactSpec, Parameter

INF = math.inf


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:  # an unknown must never pass as False by accident
        raise TypeError("UNKNOWN has no truth value")


UNKNOWN: Any = _Unknown()

# `null` as a branch of an amount's `if`: "in this case there is no amount" (a home owner gets
# no monthly 임차급여). Distinct from an unknown amount, which names the facts it waits for.
NO_AMOUNT: tuple[float, float] = (math.nan, math.nan)

NUM, BOOL, STR, LIST, COND = "num", "bool", "str", "list", "cond"
COMPARISONS = ("le", "lt", "ge", "gt", "eq", "ne")


class CompileError(Exception):
    def __init__(self, pos: Pos | None, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


@dataclass(slots=True)
class Expr:
    """A compiled expression: how to compute it and what a reader needs to explain it."""

    fn: Callable[[Ctx], Any]
    kind: str
    unit: str | None = None
    label: str | None = None
    facts: frozenset[str] = frozenset()
    benefits: frozenset[str] = frozenset()
    op: str | None = None  # for comparisons: explanations show both sides
    left: Expr | None = None
    right: Expr | None = None
    const: float | None = None


def _two_operand(op: str, parts: list[Expr]) -> Callable[[Any], tuple[float, float]] | None:
    """Straight-line code for the shapes rules use most: `{max: [0, x]}`, `{add: [a, b]}`.

    The general n-ary closures build lists and generators on every call; these do not, which
    is most of the evaluation time saved (see BENCHMARKS.md).
    """
    if len(parts) != 2 or op not in ("add", "min", "max"):
        return None
    (f1, c1), (f2, c2) = ((p.fn, p.const) for p in parts)
    if op == "add":
        def add(ctx: Any) -> tuple[float, float]:
            a, b = f1(ctx)
            c, d = f2(ctx)
            return a + c, b + d

        return add
    if c1 is not None or c2 is not None:  # one side is a constant such as the 0 of max(0, x)
        k = c1 if c1 is not None else c2
        f = f2 if c1 is not None else f1
        if op == "max":
            def max_const(ctx: Any) -> tuple[float, float]:
                a, b = f(ctx)
                return (a if a > k else k), (b if b > k else k)  # type: ignore[operator]

            return max_const

        def min_const(ctx: Any) -> tuple[float, float]:
            a, b = f(ctx)
            return (a if a < k else k), (b if b < k else k)  # type: ignore[operator]

        return min_const
    if op == "max":
        def max2(ctx: Any) -> tuple[float, float]:
            a, b = f1(ctx)
            c, d = f2(ctx)
            return (a if a > c else c), (b if b > d else d)

        return max2

    def min2(ctx: Any) -> tuple[float, float]:
        a, b = f1(ctx)
        c, d = f2(ctx)
        return (a if a < c else c), (b if b < d else d)

    return min2


def round_half_up(x: float) -> float:
    """Thresholds are rounded half up to the won (고시); floats get a 1e-6 guard first."""
    if math.isinf(x):
        return x
    return float(math.floor(round(x, 6) + 0.5))


def _imul(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    b0, b1 = b
    if b0 == b1 and b0 > 0:  # the usual case: something times a rate in force
        return a[0] * b0, a[1] * b0
    products = []
    for x in a:
        for y in b:
            products.append(0.0 if (x == 0 or y == 0) else x * y)
    return min(products), max(products)


def _idiv(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    if b[0] <= 0 <= b[1]:
        return -INF, INF
    return _imul(a, (1 / b[1], 1 / b[0]))


def tri_compare(op: str, a: Any, b: Any) -> bool | None:
    """Compare two values (intervals for numbers); None when the facts do not decide it."""
    if isinstance(a, tuple):
        alo, ahi = a
        blo, bhi = b
        if op == "le":
            return True if ahi <= blo else False if alo > bhi else None
        if op == "lt":
            return True if ahi < blo else False if alo >= bhi else None
        if op == "ge":
            return True if alo >= bhi else False if ahi < blo else None
        if op == "gt":
            return True if alo > bhi else False if ahi <= blo else None
        if alo == ahi == blo == bhi:
            return op == "eq"
        if ahi < blo or bhi < alo:
            return op == "ne"
        return None
    if a is UNKNOWN or b is UNKNOWN:
        return None
    return (a == b) if op == "eq" else (a != b)


def _le(a: Any, b: Any) -> bool | None:
    if a.__class__ is not tuple:
        return tri_compare("le", a, b)
    return True if a[1] <= b[0] else False if a[0] > b[1] else None


def _lt(a: Any, b: Any) -> bool | None:
    if a.__class__ is not tuple:
        return tri_compare("lt", a, b)
    return True if a[1] < b[0] else False if a[0] >= b[1] else None


def _ge(a: Any, b: Any) -> bool | None:
    if a.__class__ is not tuple:
        return tri_compare("ge", a, b)
    return True if a[0] >= b[1] else False if a[1] < b[0] else None


def _gt(a: Any, b: Any) -> bool | None:
    if a.__class__ is not tuple:
        return tri_compare("gt", a, b)
    return True if a[0] > b[1] else False if a[1] <= b[0] else None


# Chosen once per comparison when compiling: the hot path does no string matching.
COMPARE: dict[str, Callable[[Any, Any], bool | None]] = {
    "le": _le, "lt": _lt, "ge": _ge, "gt": _gt,
    "eq": lambda a, b: tri_compare("eq", a, b), "ne": lambda a, b: tri_compare("ne", a, b),
}


def all3(results: list[bool | None]) -> bool | None:
    if False in results:
        return False
    return None if None in results else True


def any3(results: list[bool | None]) -> bool | None:
    if True in results:
        return True
    return None if None in results else False


@dataclass
class Compiler:
    """Turns the YAML of calculations and conditions into Expr objects, checking meaning."""

    facts: dict[str, FactSpec]
    params: dict[str, Parameter]
    calc_specs: dict[str, Calculation]
    calc_pos: dict[str, Pos]
    benefit_ids: set[str]
    regions: Regions
    calcs: dict[str, Expr] = field(default_factory=dict)
    _compiling: list[str] = field(default_factory=list)

    # ---- names -------------------------------------------------------------------------
    def name(self, name: str, pos: Pos | None) -> Expr:
        if name in self.facts:
            return self._fact(name)
        if name in self.calc_specs:
            return self.calc(name)
        if name in self.params:
            param = self.params[name]
            if param.key is not None:
                raise CompileError(
                    pos, f"parameter {name!r} is a table by {param.key}: "
                    f"write {{param: {name}, key: ...}}")
            return self._scalar_param(name)
        raise CompileError(pos, f"unknown name {name!r}: not a fact, calculation or parameter")

    def _fact(self, name: str) -> Expr:
        spec = self.facts[name]
        deps = frozenset({name})
        if spec.type == "int":
            lo = spec.min if spec.min is not None else -INF
            hi = spec.max if spec.max is not None else INF
            default = (float(lo), float(hi))

            def num_fact(ctx: Ctx) -> tuple[float, float]:
                v = ctx.facts.get(name)
                if v is None:
                    return default
                # A band the resident chose ("100~200만원") is evaluated as that range.
                return (float(v[0]), float(v[1])) if isinstance(v, tuple) else (v, v)

            return Expr(num_fact, NUM, spec.unit, spec.label, deps)

        kind = {"bool": BOOL, "enum": STR, "region": STR}.get(spec.type, LIST)

        def fact(ctx: Ctx) -> Any:
            v = ctx.facts.get(name)
            return UNKNOWN if v is None else v

        return Expr(fact, kind, spec.unit, spec.label, deps)

    def _scalar_param(self, name: str) -> Expr:
        def param(ctx: Ctx) -> tuple[float, float]:
            v = ctx.param(name)
            return (v, v)

        return Expr(param, NUM, self.params[name].unit, self.params[name].label)

    def calc(self, name: str) -> Expr:
        if name in self.calcs:
            return self.calcs[name]
        pos = self.calc_pos.get(name)
        if name in self._compiling:
            cycle = " → ".join([*self._compiling[self._compiling.index(name):], name])
            raise CompileError(pos, f"calculation cycle: {cycle}")
        self._compiling.append(name)
        try:
            spec = self.calc_specs[name]
            inner = self.value(spec.value, pos)
        finally:
            self._compiling.pop()
        inner_fn = inner.fn

        def cached(ctx: Ctx) -> Any:
            cache = ctx.calc_cache
            if name in cache:
                return cache[name]
            value = cache[name] = inner_fn(ctx)
            return value

        unit = spec.unit if spec.unit != "none" else inner.unit
        expr = Expr(cached, inner.kind, unit, spec.label, inner.facts, inner.benefits)
        self.calcs[name] = expr
        return expr

    # ---- values ------------------------------------------------------------------------
    def value(self, node: Any, pos: Pos | None) -> Expr:
        if isinstance(node, bool):
            return Expr(lambda ctx, v=node: v, BOOL)
        if isinstance(node, int | float):
            c = (float(node), float(node))
            return Expr(lambda ctx: c, NUM, const=float(node))
        if isinstance(node, str):
            return self.name(node, pos)
        if not isinstance(node, dict) or not node:
            raise CompileError(pos, f"expected a number, a name or an operator, got {node!r}")
        op, pos = self._op(node, pos)
        arg = node[op]
        arg_pos = node.value_pos.get(op, pos) if isinstance(node, MDict) else pos
        if op in ("add", "mul", "min", "max", "sub", "div"):
            return self._arith(op, arg, arg_pos)
        if op == "round":
            self._only(node, {"round"}, pos)
            inner = self.number(arg, arg_pos)
            f = inner.fn

            def rnd(ctx: Ctx) -> tuple[float, float]:
                lo, hi = f(ctx)
                return round_half_up(lo), round_half_up(hi)

            return Expr(rnd, NUM, inner.unit, inner.label, inner.facts, inner.benefits)
        if op == "param":
            return self._table(node, pos)
        if op == "region_class":
            return self._region_class(node, arg, pos)
        if op in ("count", "len"):
            return self._count(node, op, pos)
        if op == "if":
            return self._if(node, pos)
        if op in (*COMPARISONS, "in", "has", "eligible", "all", "any", "not"):
            return self.condition(node, pos)
        raise CompileError(pos, f"unknown operator {op!r}")

    def number(self, node: Any, pos: Pos | None) -> Expr:
        expr = self.value(node, pos)
        if expr.kind != NUM:
            raise CompileError(pos, f"expected a number here, but {_show(node)} is a {expr.kind}")
        return expr

    def _op(self, node: dict, pos: Pos | None) -> tuple[str, Pos | None]:
        known = {"add", "mul", "min", "max", "sub", "div", "round", "param", "region_class",
                 "count", "len", "if", *COMPARISONS, "in", "has", "eligible", "all", "any",
                 "not"}
        # These operators take named arguments that may share a name with an operator
        # ({count: x, min: a, max: b}); the one that names the form wins.
        with_arguments = [k for k in ("count", "param", "if") if k in node]
        ops = with_arguments[:1] if with_arguments else [k for k in node if k in known]
        if len(ops) != 1:
            keys = ", ".join(map(str, node))
            raise CompileError(pos, f"expected exactly one operator, got keys: {keys}")
        op = ops[0]
        if isinstance(node, MDict):
            pos = node.key_pos.get(op, pos)
        return op, pos

    def _only(self, node: dict, allowed: set[str], pos: Pos | None) -> None:
        extra = [k for k in node if k not in allowed]
        if extra:
            where = node.key_pos.get(extra[0], pos) if isinstance(node, MDict) else pos
            raise CompileError(where, f"unexpected key {extra[0]!r}")

    def _items(self, arg: Any, pos: Pos | None, n: int | None, op: str) -> list[tuple[Any, Pos]]:
        if not isinstance(arg, list):
            raise CompileError(pos, f"{op} takes a list")
        if n is not None and len(arg) != n:
            raise CompileError(pos, f"{op} takes exactly {n} items, got {len(arg)}")
        if n is None and len(arg) < 1:
            raise CompileError(pos, f"{op} needs at least one item")
        item_pos = arg.item_pos if isinstance(arg, MList) else [pos] * len(arg)
        return list(zip(arg, item_pos, strict=True))

    def _arith(self, op: str, arg: Any, pos: Pos | None) -> Expr:
        n = 2 if op in ("sub", "div") else None
        parts = [self.number(a, p) for a, p in self._items(arg, pos, n, op)]
        fns = [p.fn for p in parts]
        unit = next((p.unit for p in parts if p.unit not in (None, "none", "ratio", "percent")),
                    parts[0].unit)
        facts = frozenset().union(*(p.facts for p in parts))
        benefits = frozenset().union(*(p.benefits for p in parts))
        fn: Callable[[Ctx], tuple[float, float]]
        special = _two_operand(op, parts)
        if special is not None:
            fn = special
        elif op == "add":
            def fn(ctx: Ctx) -> tuple[float, float]:
                lo = hi = 0.0
                for f in fns:
                    a, b = f(ctx)
                    lo += a
                    hi += b
                return lo, hi
        elif op == "sub":
            f1, f2 = fns

            def fn(ctx: Ctx) -> tuple[float, float]:
                a, b = f1(ctx)
                c, d = f2(ctx)
                return a - d, b - c
        elif op == "mul":
            consts = [p.const for p in parts]
            if len(parts) == 2 and consts[1] is not None and consts[1] >= 0:
                f1, k = fns[0], consts[1]

                def fn(ctx: Ctx) -> tuple[float, float]:
                    a, b = f1(ctx)
                    return (0.0, 0.0) if k == 0 else (a * k, b * k)
            else:
                def fn(ctx: Ctx) -> tuple[float, float]:
                    acc = fns[0](ctx)
                    for f in fns[1:]:
                        acc = _imul(acc, f(ctx))
                    return acc
        elif op == "div":
            f1, f2 = fns
            k = parts[1].const
            if k is not None and k > 0:
                def fn(ctx: Ctx) -> tuple[float, float]:
                    a, b = f1(ctx)
                    return a / k, b / k
            else:
                def fn(ctx: Ctx) -> tuple[float, float]:
                    return _idiv(f1(ctx), f2(ctx))
        elif op == "min":
            def fn(ctx: Ctx) -> tuple[float, float]:
                vals = [f(ctx) for f in fns]
                return min(v[0] for v in vals), min(v[1] for v in vals)
        else:
            def fn(ctx: Ctx) -> tuple[float, float]:
                vals = [f(ctx) for f in fns]
                return max(v[0] for v in vals), max(v[1] for v in vals)
        return Expr(fn, NUM, unit, None, facts, benefits)

    def _table(self, node: dict, pos: Pos | None) -> Expr:
        self._only(node, {"param", "key"}, pos)
        name = node["param"]
        if not isinstance(name, str) or name not in self.params:
            raise CompileError(pos, f"unknown parameter {name!r}")
        param = self.params[name]
        if param.key is None:
            raise CompileError(pos, f"parameter {name!r} is a single value: write just {name}")
        if "key" not in node:
            raise CompileError(pos, f"parameter {name!r} is a table by {param.key}: add key:")
        key_pos = node.value_pos.get("key", pos) if isinstance(node, MDict) else pos
        key = self.value(node["key"], key_pos)
        kf = key.fn
        if key.kind == NUM:
            def lookup_num(ctx: Ctx) -> tuple[float, float]:
                return ctx.param(name).range(kf(ctx))

            fn: Callable[[Ctx], Any] = lookup_num
        elif key.kind == STR:
            def lookup_str(ctx: Ctx) -> tuple[float, float]:
                return ctx.param(name).at_class(kf(ctx))

            fn = lookup_str
        else:
            raise CompileError(key_pos, f"a table key must be a number or a class, not {key.kind}")
        return Expr(fn, NUM, param.unit, param.label, key.facts, key.benefits)

    def _region_class(self, node: dict, scheme: Any, pos: Pos | None) -> Expr:
        self._only(node, {"region_class"}, pos)
        if scheme not in self.regions.schemes:
            raise CompileError(pos, f"unknown region scheme {scheme!r} (see rules/regions.yml)")
        classify = self.regions.classify

        def region_class(ctx: Ctx) -> Any:
            text = ctx.facts.get("region")
            if text is None:
                return UNKNOWN
            cls = classify(scheme, text)
            return UNKNOWN if cls is None else cls

        label = self.regions.schemes[scheme].label
        return Expr(region_class, STR, None, label, frozenset({"region"}))

    def _count(self, node: dict, op: str, pos: Pos | None) -> Expr:
        self._only(node, {op, "min", "max"} if op == "count" else {op}, pos)
        src_pos = node.value_pos.get(op, pos) if isinstance(node, MDict) else pos
        src = self.value(node[op], src_pos)
        if src.kind != LIST:
            raise CompileError(src_pos, f"{op} takes a list fact, got a {src.kind}")
        lo_e = self.number(node.get("min", -INF), pos)
        hi_e = self.number(node.get("max", INF), pos)
        sf, lf, hf = src.fn, lo_e.fn, hi_e.fn

        def count(ctx: Ctx) -> tuple[float, float]:
            items = sf(ctx)
            if items is UNKNOWN:
                return 0.0, INF
            lo, hi = lf(ctx)[0], hf(ctx)[1]
            n = float(sum(1 for x in items if lo <= x <= hi))
            return n, n

        facts = src.facts | lo_e.facts | hi_e.facts
        return Expr(count, NUM, "children", None, facts)

    def _if(self, node: dict, pos: Pos | None) -> Expr:
        self._only(node, {"if", "then", "else"}, pos)
        for part in ("then", "else"):
            if part not in node:
                raise CompileError(pos, f"if needs {part}:")

        def at(k: str) -> Pos | None:
            return node.value_pos.get(k, pos) if isinstance(node, MDict) else pos

        cond = self.condition(node["if"], at("if"))
        then, other = self._branch(node["then"], at("then")), self._branch(node["else"], at("else"))
        if then.kind != other.kind:
            raise CompileError(pos, f"then is a {then.kind} but else is a {other.kind}")
        cf, tf, ef = cond.fn, then.fn, other.fn
        numeric = then.kind == NUM

        def choose(ctx: Ctx) -> Any:
            c = cf(ctx)
            if c is True:
                return tf(ctx)
            if c is False:
                return ef(ctx)
            a, b = tf(ctx), ef(ctx)
            if numeric:
                if a is NO_AMOUNT or b is NO_AMOUNT:
                    return (-INF, INF) if a is not b else NO_AMOUNT
                return min(a[0], b[0]), max(a[1], b[1])
            return a if a == b and a is not UNKNOWN else UNKNOWN

        return Expr(choose, then.kind, then.unit or other.unit, then.label,
                    cond.facts | then.facts | other.facts,
                    cond.benefits | then.benefits | other.benefits)

    def _branch(self, node: Any, pos: Pos | None) -> Expr:
        if node is None:
            return Expr(lambda ctx: NO_AMOUNT, NUM)
        return self.value(node, pos)

    # ---- conditions --------------------------------------------------------------------
    def condition(self, node: Any, pos: Pos | None) -> Expr:
        if isinstance(node, bool):
            return Expr(lambda ctx, v=node: v, COND)
        if not isinstance(node, dict) or not node:
            raise CompileError(pos, f"expected a condition such as {{le: [a, b]}}, got {node!r}")
        op, pos = self._op(node, pos)
        self._only(node, {op}, pos)
        arg = node[op]
        arg_pos = node.value_pos.get(op, pos) if isinstance(node, MDict) else pos
        if op in COMPARISONS:
            return self._compare(op, arg, arg_pos)
        if op in ("in", "has"):
            return self._membership(op, arg, arg_pos)
        if op == "eligible":
            if arg not in self.benefit_ids:
                raise CompileError(arg_pos, f"unknown benefit id {arg!r}")
            bid = arg

            def eligible(ctx: Ctx) -> bool | None:
                status = ctx.benefit(bid).status
                return True if status == "eligible" else False if status == "ineligible" else None

            return Expr(eligible, COND, benefits=frozenset({bid}))
        if op in ("all", "any"):
            parts = [self.condition(a, p) for a, p in self._items(arg, arg_pos, None, op)]
            fns = [p.fn for p in parts]
            combine = all3 if op == "all" else any3

            def group(ctx: Ctx) -> bool | None:
                return combine([f(ctx) for f in fns])

            return Expr(group, COND, facts=frozenset().union(*(p.facts for p in parts)),
                        benefits=frozenset().union(*(p.benefits for p in parts)))
        if op == "not":
            inner = self.condition(arg, arg_pos)
            f = inner.fn

            def negate(ctx: Ctx) -> bool | None:
                v = f(ctx)
                return None if v is None else not v

            return Expr(negate, COND, facts=inner.facts, benefits=inner.benefits)
        raise CompileError(pos, f"{op!r} is a value, not a condition")

    def _compare(self, op: str, arg: Any, pos: Pos | None) -> Expr:
        (a, ap), (b, bp) = self._items(arg, pos, 2, op)
        left, right = self.value(a, ap), self.value(b, bp)
        if left.kind != right.kind:
            raise CompileError(pos, f"cannot compare a {left.kind} ({_show(a)}) "
                               f"with a {right.kind} ({_show(b)})")
        if op not in ("eq", "ne") and left.kind != NUM:
            raise CompileError(pos, f"{op} compares numbers; {_show(a)} is a {left.kind}")
        # A literal takes the unit of what it is compared with ("65" → 65세). Copies, because
        # a calculation's Expr is shared by every benefit that uses it.
        if left.unit is None:
            left = replace(left, unit=right.unit)
        if right.unit is None:
            right = replace(right, unit=left.unit)
        lf, rf, cmp = left.fn, right.fn, COMPARE[op]

        def compare(ctx: Ctx) -> bool | None:
            return cmp(lf(ctx), rf(ctx))

        return Expr(compare, COND, facts=left.facts | right.facts,
                    benefits=left.benefits | right.benefits, op=op, left=left, right=right)

    def _membership(self, op: str, arg: Any, pos: Pos | None) -> Expr:
        (a, ap), (values, vp) = self._items(arg, pos, 2, op)
        subject = self.value(a, ap)
        if not isinstance(values, list) or not values:
            raise CompileError(vp, f"{op} needs a list of values to look for")
        allowed = self._allowed_values(a)
        for v, p in zip(values, getattr(values, "item_pos", [vp] * len(values)), strict=True):
            if allowed is not None and v not in allowed:
                raise CompileError(p, f"{v!r} is not a value of {a!r} ({', '.join(allowed)})")
        wanted = frozenset(values)
        sf = subject.fn
        if op == "has":
            if subject.kind != LIST:
                raise CompileError(ap, f"has looks inside a list; {_show(a)} is a {subject.kind}")

            def has(ctx: Ctx) -> bool | None:
                items = sf(ctx)
                if items is UNKNOWN:
                    return None
                return any(x in wanted for x in items)

            fn: Callable[[Ctx], bool | None] = has
        else:
            if subject.kind == LIST:
                raise CompileError(ap, f"in tests one value; {_show(a)} is a list (use has)")
            numeric = subject.kind == NUM

            def member(ctx: Ctx) -> bool | None:
                v = sf(ctx)
                if numeric:
                    if v[0] != v[1]:
                        return None
                    v = v[0]
                elif v is UNKNOWN:
                    return None
                return v in wanted

            fn = member
        return Expr(fn, COND, facts=subject.facts, benefits=subject.benefits)

    def _allowed_values(self, name: Any) -> list[str] | None:
        if isinstance(name, str) and name in self.facts:
            spec = self.facts[name]
            if spec.type in ("enum", "list_enum"):
                if spec.values == ["<benefit ids>"]:
                    return sorted(self.benefit_ids)
                return spec.values
        if isinstance(name, dict) and "region_class" in name:
            scheme = name["region_class"]
            if scheme in self.regions.schemes:
                return self.regions.classes(scheme)
        return None


def _show(node: Any) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, dict) and node:
        return f"{{{next(iter(node))}: …}}"
    return repr(node)
