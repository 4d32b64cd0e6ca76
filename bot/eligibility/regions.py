"""Where a household lives, and which class of area each law puts that place in.

Several benefits depend on the area: 기본재산액 (서울/경기/광역시/그 외), 대도시·중소도시·농어촌
for 기초연금 and 긴급복지, 급지 for 주거급여. The classes are data (`rules/regions.yml`), and a
class is known only when every place the resident's words could mean falls in the same class:
"경기" is enough for 기본재산액 (경기) but not for 대도시/중소도시/농어촌 (시 or 군?).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SidoKind = Literal["special_city", "metropolitan", "special_autonomous_city", "province"]
SigunguKind = Literal["구", "시", "군"]


class SidoSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    aliases: list[str] = Field(default_factory=list)
    kind: SidoKind
    sigungu_kinds: list[SigunguKind] = Field(default_factory=list)


class ClassRule(BaseModel):
    """One row of a scheme: the first row whose every given test matches decides the class."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    class_: str = Field(alias="class")
    sido: list[str] | None = None
    sido_kind: list[SidoKind] | None = None
    sigungu: list[str] | None = None  # written "경상남도 창원시"
    sigungu_kind: list[SigunguKind] | None = None
    note: str | None = None


class Scheme(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    source: str
    href: str | None = None
    rules: list[ClassRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _last_row_is_default(self) -> Scheme:
        last = self.rules[-1]
        if any(v is not None for v in (last.sido, last.sido_kind, last.sigungu, last.sigungu_kind)):
            raise ValueError("the last row must have no tests, so every place gets a class")
        return self


class RegionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sido: dict[str, SidoSpec]
    schemes: dict[str, Scheme]


@dataclass(frozen=True, slots=True)
class Place:
    """A parsed region: the 시도, and the 시군구 when the resident named one."""

    sido: str
    sigungu: str | None = None

    def __str__(self) -> str:
        return f"{self.sido} {self.sigungu}" if self.sigungu else self.sido


@dataclass(slots=True)
class Regions:
    sido: dict[str, SidoSpec]
    schemes: dict[str, Scheme]
    _alias: dict[str, str] = field(default_factory=dict)
    _cache: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, spec in self.sido.items():
            self._alias[name] = name
            for alias in spec.aliases:
                self._alias[alias] = name

    def parse(self, text: str) -> Place:
        """'서울특별시 구로구', '경기 수원시 장안구', '전남 해남군' → Place, or ValueError."""
        words = text.split()
        if not words:
            raise ValueError("empty region")
        sido = self._alias.get(words[0])
        if sido is None:
            raise ValueError(f"unknown 시도 {words[0]!r}")
        sigungu = words[1] if len(words) > 1 else None
        if sigungu is not None and sigungu[-1] not in "구시군":
            raise ValueError(f"unknown 시군구 {sigungu!r}")
        return Place(sido, sigungu)

    def _candidates(self, place: Place) -> list[tuple[str | None, str | None]]:
        """(full sigungu name, kind) pairs the place could stand for."""
        spec = self.sido[place.sido]
        if place.sigungu:
            return [(f"{place.sido} {place.sigungu}", place.sigungu[-1])]
        out: list[tuple[str | None, str | None]] = [(None, kind) for kind in spec.sigungu_kinds]
        for scheme in self.schemes.values():
            for row in scheme.rules:
                for named in row.sigungu or ():
                    if self._alias.get(named.split()[0]) == place.sido:
                        full = f"{place.sido} {named.split()[-1]}"
                        out.append((full, named.split()[-1][-1]))
        return out or [(None, None)]

    def _row_matches(self, row: ClassRule, place: Place, full: str | None,
                     kind: str | None) -> bool:
        spec = self.sido[place.sido]
        if row.sido is not None and place.sido not in {self._alias.get(s, s) for s in row.sido}:
            return False
        if row.sido_kind is not None and spec.kind not in row.sido_kind:
            return False
        if row.sigungu is not None:
            names = {f"{self._alias.get(s.split()[0], s)} {s.split()[-1]}" for s in row.sigungu}
            if full not in names:
                return False
        return row.sigungu_kind is None or kind in row.sigungu_kind

    def classify(self, scheme_name: str, text: str) -> str | None:
        """The class of a place in a scheme, or None when the words allow more than one."""
        key = (scheme_name, text)
        if key in self._cache:
            return self._cache[key]
        place = self.parse(text)
        scheme = self.schemes[scheme_name]
        classes = set()
        for full, kind in self._candidates(place):
            for row in scheme.rules:
                if self._row_matches(row, place, full, kind):
                    classes.add(row.class_)
                    break
        result = classes.pop() if len(classes) == 1 else None
        self._cache[key] = result
        return result

    def classes(self, scheme_name: str) -> list[str]:
        seen: list[str] = []
        for row in self.schemes[scheme_name].rules:
            if row.class_ not in seen:
                seen.append(row.class_)
        return seen
