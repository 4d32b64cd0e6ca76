"""Facts in a resident's words: ages, household, income, children, region, benefit, disability,
crisis events, each with its character span.

Rules, not a learned tagger: these values feed an eligibility engine, so "백오십만 원" must be
exactly 1,500,000 and "연봉 3600만" exactly 3,000,000 a month. The numbers are parsed by
`numbers.py`; which fact a number is (an age, a child's age, an income, a rent) is read from
the words around it, listed in nlu/patterns/entities.yml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.nlu.numbers import NATIVE_RE, NUMBER_RE, parse_native, parse_number
from bot.yamlio import Problem, load_file, pos_of

CRISIS_EVENT_IDS = ("main_earner_loss", "serious_illness", "neglect_abuse", "domestic_violence",
                    "fire_disaster", "business_closure", "job_loss", "utilities_cut", "eviction",
                    "homeless", "divorce")


class Words(BaseModel):
    model_config = ConfigDict(extra="forbid")
    child: list[str]
    self_: list[str] = Field(alias="self")
    adult: list[str]
    partner: list[str]
    family: list[str]
    income: list[str]
    yearly: list[str]
    not_income: list[str]
    age_context: list[str]


class EntitiesFile(BaseModel):
    """nlu/patterns/entities.yml"""

    model_config = ConfigDict(extra="forbid")
    words: Words
    zero_income: list[str]
    disability: dict[str, list[str]]
    crisis_event: dict[str, list[str]]


class RegionsFile(BaseModel):
    """nlu/patterns/regions.yml: every 시군구 under its 시도."""

    model_config = ConfigDict(extra="forbid")
    sigungu: dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class Found:
    entity: str
    value: int | str
    start: int
    end: int


def _alt(words: list[str]) -> str:
    return "(?:" + "|".join(re.escape(w.strip()) for w in sorted(words, key=len, reverse=True)) + ")"


def _compile(patterns: list[str], where: str) -> re.Pattern[str]:
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error as exc:
        raise Problem(None, f"{where}: invalid pattern: {exc}", where) from None


def load_lexicon(path: Path) -> EntitiesFile:
    raw = load_file(path)
    try:
        spec = EntitiesFile.model_validate(raw)
    except Exception as exc:
        errors = getattr(exc, "errors", None)
        if not errors:
            raise
        err = errors()[0]
        raise Problem(pos_of(raw, err["loc"]), f"{'.'.join(map(str, err['loc']))}: {err['msg']}",
                      str(path)) from None
    for name in spec.crisis_event:
        if name not in CRISIS_EVENT_IDS:
            raise Problem(raw["crisis_event"].key_pos.get(name), f"unknown crisis event {name!r}")
    for level in spec.disability:
        if level not in ("mild", "severe"):
            raise Problem(raw["disability"].key_pos.get(level), "disability is mild or severe")
    return spec


NUM = f"(?:{NUMBER_RE})"
NATIVE = f"(?:{NATIVE_RE})"
ANY_NUM = f"(?:{NATIVE}|{NUM})"
_BARE_END = r"\s*(?:이요|이에요|예요|에요|요|입니다|이고|이며|정도|쯤|살|세)?\s*[.!~?]*\s*$"


class EntityExtractor:
    def __init__(self, lexicon: EntitiesFile, sido_aliases: dict[str, str],
                 sigungu: dict[str, list[str]], benefit_synonyms: dict[str, str]) -> None:
        w = lexicon.words
        self.lexicon = lexicon
        self.child_re = re.compile(_alt(w.child))
        self.self_re = re.compile(_alt(w.self_))
        self.adult_re = re.compile(_alt(w.adult))
        self.income_re = re.compile(_alt(w.income))
        self.yearly_re = re.compile(_alt(w.yearly))
        self.not_income_re = re.compile(_alt(w.not_income))
        self.age_context_re = re.compile(_alt(w.age_context))
        self.zero_income_re = _compile(lexicon.zero_income, "zero_income")
        self.disability = {level: _compile(p, f"disability.{level}")
                           for level, p in lexicon.disability.items()}
        self.crisis = {name: _compile(p, f"crisis_event.{name}")
                       for name, p in lexicon.crisis_event.items()}
        self.money_re = re.compile(rf"(?<![\d.])(?P<num>{NUM})\s*(?P<won>원)?")
        self.age_re = re.compile(rf"(?P<man>만\s*)?(?P<num>{ANY_NUM})\s*(?P<unit>살|세)(?![가-힣]?대)")
        self.months_re = re.compile(rf"(?P<num>{ANY_NUM})\s*(?:개월|달)(?:\s*(?:된|째|짜리))?")
        self.dol_re = re.compile(rf"(?:(?P<num>{NATIVE})\s*)?돌(?:\s*(?:된|지난|짜리))?(?![가-힣])")
        family, partner, child = _alt(w.family), _alt(w.partner), _alt(w.child)
        count = rf"(?P<n>{ANY_NUM})"
        self.household_res = [
            (re.compile(r"(?:혼자|홀로|홀몸|혼자서)\s*(?:살|사는|삽|지내|있|생활)|독거|1인\s*가구|일인\s*가구"
                        r"|독신"), lambda m: 1),
            (re.compile(rf"{count}\s*인\s*(?:가구|가족)"), None),
            (re.compile(rf"{count}\s*식구"), None),
            (re.compile(rf"식구(?:가|는)?\s*{count}"), None),
            (re.compile(rf"가족(?:이|은)?\s*(?:저\s*포함\s*|저까지\s*)?{count}\s*(?:명|식구)"), None),
            (re.compile(rf"(?:저\s*포함|저까지|나\s*포함)\s*{count}\s*명"), None),
            (re.compile(rf"{partner}(?:이랑|랑|하고|와|과)?\s*{child}(?:들)?\s*{count}(?:\s*명)?"),
             lambda n: n + 2),
            (re.compile(rf"{family}(?:이랑|랑|하고|와|과)\s*(?:단\s*)?{count}(?:이서|이|명이서)?"),
             None),
            (re.compile(rf"(?:단\s*)?{count}(?:이서|명이서)\s*(?:살|사|지내|삽)"), None),
            (re.compile(r"부부(?:\s*(?:둘|두\s*명|2\s*명|단둘))?(?:이|만|끼리)?\s*(?:살|사|지내|삽)"
                        r"|부부\s*(?:둘|단둘)이"), lambda m: 2),
            (re.compile(rf"{family}(?:이랑|랑|하고|와|과)\s*(?:같이\s*|함께\s*|둘이\s*)?(?:살|사|지내|삽)"),
             lambda m: 2),
        ]
        self.bare_household = re.compile(
            rf"^\s*(?:(?P<alone>혼자)|(?P<n>{NATIVE})(?:이|이서)?|(?P<d>\d+)\s*명)" + _BARE_END)
        sido_alt = _alt(list(sido_aliases))
        self.sido_aliases = sido_aliases
        self.sido_re = re.compile(rf"(?<![가-힣]){sido_alt}(?:도|시)?")
        self.sigungu_owner: dict[str, list[str]] = {}
        for sido, names in sigungu.items():
            for name in names:
                self.sigungu_owner.setdefault(name, []).append(sido)
                stem = name[:-1]
                if len(stem) >= 2:
                    self.sigungu_owner.setdefault(stem, []).append(sido)
        self.sigungu_re = re.compile(
            _alt(list(self.sigungu_owner)) + r"(?=$|[\s,.!?~)]|에서|에|이에요|예요|요|이고|시|군|구|쪽|동)")
        self.benefits = benefit_synonyms
        self.benefit_re = re.compile(
            "|".join(r"\s?".join(map(re.escape, s.replace(" ", "")))
                     for s in sorted(benefit_synonyms, key=lambda s: len(s.replace(" ", "")),
                                     reverse=True))) if benefit_synonyms else None

    # ------------------------------------------------------------------------------------
    def __call__(self, text: str) -> list[Found]:
        found: list[Found] = []
        taken: list[tuple[int, int]] = []

        def free(start: int, end: int) -> bool:
            return all(end <= s or start >= e for s, e in taken)

        def add(entity: str, value: int | str, start: int, end: int) -> None:
            found.append(Found(entity, value, start, end))
            taken.append((start, end))

        self._benefits(text, add, free)
        self._crisis_events(text, add)
        self._disability(text, add, free)
        self._children(text, add, free)
        self._ages(text, add, free)
        self._household(text, add, free)
        self._income(text, add, free)
        self._regions(text, add, free)
        found.sort(key=lambda f: (f.start, f.entity))
        return found

    # ------------------------------------------------------------------------------------
    def _window(self, text: str, start: int, end: int, before: int = 10, after: int = 8) -> str:
        return text[max(0, start - before):start] + "\x00" + text[end:end + after]

    def _benefits(self, text: str, add, free) -> None:  # type: ignore[no-untyped-def]
        if self.benefit_re is None:
            return
        compact_map = {s.replace(" ", ""): v for s, v in self.benefits.items()}
        for m in self.benefit_re.finditer(text):
            value = compact_map.get(m.group(0).replace(" ", ""))
            if value and free(m.start(), m.end()):
                add("benefit", value, m.start(), m.end())

    def _crisis_events(self, text: str, add) -> None:  # type: ignore[no-untyped-def]
        for name, pattern in self.crisis.items():
            m = pattern.search(text)
            if m:
                add("crisis_event", name, m.start(), m.end())

    def _disability(self, text: str, add, free) -> None:  # type: ignore[no-untyped-def]
        for level in ("severe", "mild"):
            m = self.disability[level].search(text) if level in self.disability else None
            if m and free(m.start(), m.end()):
                add("disability", level, m.start(), m.end())
                return

    def _is_child(self, text: str, start: int, end: int, years: int | None) -> bool:
        near = self._window(text, start, end, before=12, after=6)
        if self.child_re.search(near):
            return True
        if self.adult_re.search(near) or self.self_re.search(near) \
                or self.age_context_re.search(near):
            return False
        return years is not None and years < 15

    def _children(self, text: str, add, free) -> None:  # type: ignore[no-untyped-def]
        for m in self.months_re.finditer(text):
            tail = text[m.end():m.end() + 6]
            if re.match(r"\s*(?:전|동안|이상|넘|째\s*(?:밀|못|안|굶)|밀|치|분|간)", tail):
                continue  # "3개월 전에", "두 달째 밀렸어요": a duration, not an age
            n = parse_number(m.group("num"))
            if n is not None and n <= 240 and free(m.start(), m.end()) and (
                    self.child_re.search(self._window(text, m.start(), m.end(), 12, 8))
                    or re.search(r"개월\s*(?:된|짜리)|개월\s*(?:아기|애기|아이)", m.group(0) + tail)):
                add("child_age_months", n, m.start(), m.end())
        for m in self.dol_re.finditer(text):
            n = parse_native(m.group("num")) if m.group("num") else 1
            if n is not None and free(m.start(), m.end()):
                add("child_age_months", 12 * n, m.start(), m.end())
        for m in re.finditer(r"신생아|갓난\s*(?:아기|애기)", text):
            if free(m.start(), m.end()):
                add("child_age_months", 0, m.start(), m.end())

    def _ages(self, text: str, add, free) -> None:  # type: ignore[no-untyped-def]
        for m in self.age_re.finditer(text):
            n = parse_number(m.group("num"))
            if n is None or n > 120 or not free(m.start(), m.end()):
                continue
            if not m.group("man") and self._is_child(text, m.start(), m.end(), n):
                add("child_age_months", 12 * n, m.start(), m.end())
            else:
                add("age", n, m.start(), m.end())
        m = re.search(rf"(?:나이|연세)(?:는|가|요)?\s*(?:만\s*)?(?P<num>\d{{1,3}})(?![\d만억천원])",
                      text)
        if m and free(m.start(), m.end()):
            n = int(m.group("num"))
            if 0 < n <= 120:
                add("age", n, m.start(), m.end())
        m = re.match(r"^\s*(?:만\s*)?(?P<num>\d{1,3})" + _BARE_END, text)
        if m and free(m.start("num"), m.end("num")):
            n = int(m.group("num"))
            if 15 <= n <= 120:
                add("age", n, m.start("num"), m.end("num"))

    def _household(self, text: str, add, free) -> None:  # type: ignore[no-untyped-def]
        for pattern, compute in self.household_res:
            m = pattern.search(text)
            if not m or not free(m.start(), m.end()):
                continue
            if compute is None:
                n = parse_number(m.group("n"))
            elif "n" in pattern.groupindex:
                base = parse_number(m.group("n"))
                n = compute(base) if base is not None else None
            else:
                n = compute(m)
            if n is not None and 1 <= n <= 20:
                add("household_size", n, m.start(), m.end())
                return
        m = self.bare_household.match(text)
        if m:
            if m.group("alone"):
                n, s, e = 1, m.start("alone"), m.end("alone")
            elif m.group("n"):
                n, s, e = parse_native(m.group("n")), m.start("n"), m.end("n")
            else:
                n, s, e = int(m.group("d")), m.start("d"), m.end("d") + 1
            if n and free(s, e):
                add("household_size", n, s, e)

    def _income(self, text: str, add, free) -> None:  # type: ignore[no-untyped-def]
        z = self.zero_income_re.search(text)
        if z and free(z.start(), z.end()):
            add("monthly_income", 0, z.start(), z.end())
            return
        bare = re.match(rf"^\s*(?:월\s*)?(?P<num>{NUM})\s*(?:원)?" + _BARE_END, text)
        for m in self.money_re.finditer(text):
            raw = m.group("num").strip()
            has_unit = bool(re.search(r"[만억천]", raw)) or bool(m.group("won"))
            hangul_only = not re.search(r"\d", raw)
            if not has_unit or (hangul_only and not m.group("won") and len(raw) < 3):
                continue
            value = parse_number(raw)
            if value is None or value < 1000 or not free(m.start(), m.end()):
                continue
            before = text[max(0, m.start() - 12):m.start()]
            after = text[m.end():m.end() + 10]
            context = before + "\x00" + after
            if self.not_income_re.search(context) and not self.income_re.search(after):
                continue
            is_bare = bare is not None and bare.start("num") == m.start()
            if not (self.income_re.search(context) or is_bare or re.search(r"월\s*$", before)):
                continue
            start = m.start()
            lead = re.search(r"(?:월|한\s*달에?|연봉|연|1년에?|일\s*년에?)\s*$", before)
            if lead:
                start = m.start() - len(lead.group(0))
            if self.yearly_re.search(before + " "):
                value //= 12
            add("monthly_income", value, start, m.end())

    def _regions(self, text: str, add, free) -> None:  # type: ignore[no-untyped-def]
        sido_match = None
        for m in self.sido_re.finditer(text):
            if free(m.start(), m.end()):
                sido_match = m
                break
        sigungu_match = None
        for m in self.sigungu_re.finditer(text):
            name = m.group(0)
            owners = self.sigungu_owner.get(name, [])
            if sido_match and (m.start() < sido_match.end() and m.end() > sido_match.start()):
                continue
            if free(m.start(), m.end()) and owners:
                sigungu_match = m
                break
        sido = self.sido_aliases[sido_match.group(0).rstrip("도시")] if sido_match and \
            sido_match.group(0).rstrip("도시") in self.sido_aliases else (
            self.sido_aliases.get(sido_match.group(0)) if sido_match else None)
        if sigungu_match:
            name = sigungu_match.group(0)
            owners = self.sigungu_owner[name]
            if sido is not None and sido not in owners:
                sigungu_match = None
            elif sido is None and len(set(owners)) != 1:
                sigungu_match = None
            else:
                sido = sido or owners[0]
        if sido is None:
            return
        if sigungu_match:
            full = self._full_sigungu(sido, sigungu_match.group(0))
            start = min(sigungu_match.start(), sido_match.start() if sido_match else 10**9)
            end = max(sigungu_match.end(), sido_match.end() if sido_match else 0)
            add("region", f"{sido} {full}", start, end)
        elif sido_match:
            add("region", sido, sido_match.start(), sido_match.end())

    def _full_sigungu(self, sido: str, name: str) -> str:
        for full in self._sigungu_of(sido):
            if full == name or full[:-1] == name:
                return full
        return name

    def _sigungu_of(self, sido: str) -> list[str]:
        return [n for n, owners in self.sigungu_owner.items() if sido in owners and n[-1] in "시군구"]
