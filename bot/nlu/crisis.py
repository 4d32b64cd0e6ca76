"""Urgent messages, recognised by patterns that do not depend on the intent classifier.

Missing a real crisis is the worst error this product can make, so detection is layered: these
patterns (nlu/patterns/crisis.yml) always run, and the classifier can only add urgency. Calm
patterns keep hyperbole ("더워 죽겠다") and near misses ("자살 예방 교육") from raising alarms,
but only where they cover the very words that matched, and not when a reopener after them says
the writer is there now ("… 부러워요", "요즘 다시 손이 가요"): a frame can be wrong about who
speaks. Denials right after the words ("때리지는 않아요", "폭력 같은 건 없어요") void that match
alone.

Two strengths of pattern, because words differ in what they prove:
- `patterns` describe an act or a state ("남편이 때려요", "죽고 싶어요", "전기 끊겼어요"): a
  match is urgent on its own.
- `topics` only name the subject ("학대", "폭력", "노숙"): residents ask about laws, statistics,
  training and programs with the same words far more often than they disclose with them. A
  topic match is urgent when the classifier leans towards a crisis too, on the message or on
  the sentence the word stands in (`thresholds.topic_urgent` in config.yml); with no classifier
  to ask, it is urgent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from bot.yamlio import MList, Problem, load_model

CRISIS_TYPES = ("suicide", "abuse", "livelihood")  # the order replies follow
# How much the classifier leans towards a crisis around a span: (start, end) → probability.
Lean = Callable[[int, int], float]


class CrisisPatterns(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patterns: list[str]
    topics: list[str] = []
    calm: list[str] = []


class CrisisFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # named lists of words, written "{name}" inside a pattern: one agreed list where several
    # calm frames must stop at the same words (a family member), instead of copies that drift
    words: dict[str, list[str]] = {}
    denials: list[str] = []
    calm: list[str] = []  # contexts calm for every type: a scene in a drama, a hardship long past
    # the writer is there now, after a calm context: it no longer speaks for the words it covers
    reopen: list[str] = []
    suicide: CrisisPatterns
    abuse: CrisisPatterns
    livelihood: CrisisPatterns


class KindRules(NamedTuple):
    patterns: list[re.Pattern[str]]  # acts: urgent on their own
    topics: list[re.Pattern[str]]    # subjects: urgent with the classifier's backing
    calm: list[re.Pattern[str]]      # contexts that void the matches they cover


@dataclass(frozen=True, slots=True)
class CrisisHit:
    type: str
    start: int
    end: int
    topic: bool = False  # a subject word only: needs the classifier's agreement


class Scan(NamedTuple):
    hits: list[CrisisHit]  # every match not covered by a calm context nor denied
    matched: bool          # any crisis word at all, voided or not


_WORDS_REF = re.compile(r"\{([a-z_]+)\}")  # a quantifier such as {0,6} never has letters


def _compile(block: MList, where: str, items: list[str],
             words: dict[str, str] | None = None) -> list[re.Pattern[str]]:
    compiled = []
    for i, pattern in enumerate(items):
        unknown = [m.group(1) for m in _WORDS_REF.finditer(pattern) if m.group(1) not in
                   (words or {})]
        if unknown:
            raise Problem(block.item_pos[i], f"{where}: no word list {unknown[0]!r} under "
                          f"'words:' (there are: {', '.join(sorted(words or {})) or 'none'})")
        expanded = _WORDS_REF.sub(lambda m: (words or {})[m.group(1)], pattern)
        try:
            compiled.append(re.compile(expanded, re.IGNORECASE))
        except re.error as exc:
            raise Problem(block.item_pos[i], f"{where}: invalid pattern: {exc}") from None
    return compiled


class CrisisDetector:
    def __init__(self, path: Path) -> None:
        spec, raw = load_model(CrisisFile, path)
        words = {name: "(?:" + "|".join(items) + ")" for name, items in spec.words.items()}
        self.denials = _compile(raw["denials"], "denials", spec.denials, words) \
            if spec.denials else []
        self.calm = _compile(raw["calm"], "calm", spec.calm, words) if spec.calm else []
        self.reopen = _compile(raw["reopen"], "reopen", spec.reopen, words) \
            if spec.reopen else []
        self.rules: dict[str, KindRules] = {}
        for kind in CRISIS_TYPES:
            block, part = raw[kind], getattr(spec, kind)
            self.rules[kind] = KindRules(*(
                _compile(block[name], f"{kind}.{name}", getattr(part, name), words)
                if getattr(part, name) else []
                for name in KindRules._fields))

    def _denied(self, text: str, end: int) -> bool:
        return any(d.match(text, end) for d in self.denials)

    def hits(self, text: str) -> list[CrisisHit]:
        """Every pattern and topic match not covered by a calm match (shared or of its type)
        nor denied."""
        return self.scan(text).hits

    def explained(self, text: str) -> bool:
        """Crisis words were there, and every one was explained away (a calm context or a
        denial): what is left of the message is calm as far as the patterns can tell."""
        return self.assess(text)[1]

    def scan(self, text: str) -> Scan:
        """The one pass over every pattern that the other questions are answered from."""
        out: list[CrisisHit] = []
        matched = False
        shared: list[tuple[int, int]] | None = None  # found only once something matched
        reopened: list[int] | None = None  # where `reopen` phrases start, once needed
        for kind in CRISIS_TYPES:
            patterns, topics, calm = self.rules[kind]
            calm_spans: list[tuple[int, int]] | None = None
            for is_topic, group in ((False, patterns), (True, topics)):
                for pattern in group:
                    for m in pattern.finditer(text):
                        matched = True
                        if calm_spans is None:
                            if shared is None:
                                shared = [x.span() for c in self.calm for x in c.finditer(text)]
                            calm_spans = shared + [x.span() for c in calm
                                                   for x in c.finditer(text)]
                        s, e = m.span()
                        covering = [ce for cs, ce in calm_spans
                                    if cs <= s < ce or cs < e <= ce or (s <= cs and ce <= e)]
                        if covering:
                            if reopened is None:
                                reopened = [x.start() for r in self.reopen
                                            for x in r.finditer(text)]
                            # voided, unless after the calm context the writer says they are
                            # there now ("… 부러워요", "요즘 다시 손이 가요")
                            if not any(rs >= ce for ce in covering for rs in reopened):
                                continue
                        if self._denied(text, e):
                            continue
                        out.append(CrisisHit(kind, s, e, is_topic))
        return Scan(out, matched)

    def assess(self, text: str, lean: Lean | None = None, topic_min: float = 0.0,
               scanned: Scan | None = None) -> tuple[list[CrisisHit], bool]:
        """The hits that make the message urgent (every act, and topics the classifier backs),
        and whether crisis words were there and all explained away: one scan for both (the
        caller's, when it has one)."""
        hits, matched = scanned if scanned is not None else self.scan(text)
        urgent = [h for h in hits
                  if not h.topic or lean is None or lean(h.start, h.end) >= topic_min]
        return urgent, matched and not hits

    def has(self, text: str, kind: str) -> bool:
        return any(hit.type == kind for hit in self.hits(text))

    def detect(self, text: str, lean: Lean | None = None, topic_min: float = 0.0) -> str | None:
        """The crisis type the reply must follow, or None."""
        return first_type(self.assess(text, lean, topic_min)[0])


def first_type(hits: list[CrisisHit]) -> str | None:
    kinds = {hit.type for hit in hits}
    return next((k for k in CRISIS_TYPES if k in kinds), None)
