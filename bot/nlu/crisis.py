"""Urgent messages, recognised by patterns that do not depend on the intent classifier.

Missing a real crisis is the worst error this product can make, so detection is layered: these
patterns (nlu/patterns/crisis.yml) always run, and the classifier can only add urgency. Calm
patterns keep hyperbole ("더워 죽겠다") and near misses ("자살 예방 교육") from raising alarms,
but only where they cover the very words that matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from bot.yamlio import MDict, Problem, load_model

CRISIS_TYPES = ("suicide", "abuse", "livelihood")  # the order replies follow
# The matched words are denied right after them ("때리지는 않아요", "죽고 싶진 않아요").
# Other crisis words in the same message still count on their own.
_NEGATED = re.compile(r"[가-힣]{0,2}(?:지는|지도|진|지)\s*"
                      r"(?:않(?:아요|았어요|습니다|아|았|는다|는데|고)|않아|말)")


class CrisisPatterns(BaseModel):
    model_config = ConfigDict(extra="forbid")
    patterns: list[str]
    calm: list[str] = []


class CrisisFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    suicide: CrisisPatterns
    abuse: CrisisPatterns
    livelihood: CrisisPatterns


@dataclass(frozen=True, slots=True)
class CrisisHit:
    type: str
    start: int
    end: int


def _compile_all(raw: MDict, kind: str, part: str, items: list[str]) -> list[re.Pattern[str]]:
    compiled = []
    block = raw[kind][part]
    for i, pattern in enumerate(items):
        try:
            compiled.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise Problem(block.item_pos[i], f"{kind}.{part}: invalid pattern: {exc}") from None
    return compiled


class CrisisDetector:
    def __init__(self, path: Path) -> None:
        spec, raw = load_model(CrisisFile, path)
        self.rules = {
            kind: (_compile_all(raw, kind, "patterns", getattr(spec, kind).patterns),
                   _compile_all(raw, kind, "calm", getattr(spec, kind).calm))
            for kind in CRISIS_TYPES
        }

    def hits(self, text: str) -> list[CrisisHit]:
        """Every pattern match not covered by a calm match of the same type."""
        out: list[CrisisHit] = []
        for kind in CRISIS_TYPES:
            patterns, calm = self.rules[kind]
            calm_spans = [m.span() for c in calm for m in c.finditer(text)]
            for pattern in patterns:
                for m in pattern.finditer(text):
                    s, e = m.span()
                    if any(cs <= s < ce or cs < e <= ce or (s <= cs and ce <= e)
                           for cs, ce in calm_spans):
                        continue
                    if _NEGATED.match(text, e):  # "때리지는 않아요", "죽고 싶진 않아요"
                        continue
                    out.append(CrisisHit(kind, s, e))
        return out

    def has(self, text: str, kind: str) -> bool:
        return any(hit.type == kind for hit in self.hits(text))

    def detect(self, text: str) -> str | None:
        """The crisis type the reply must follow, or None."""
        kinds = {hit.type for hit in self.hits(text)}
        return next((k for k in CRISIS_TYPES if k in kinds), None)
