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
from bot.yamlio import Problem, load_model

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
    not_income: list[str]
    age_context: list[str]


class EntitiesFile(BaseModel):
    """nlu/patterns/entities.yml"""

    model_config = ConfigDict(extra="forbid")
    words: Words
    zero_income: list[str]
    disability: dict[str, list[str]]
    crisis_event: dict[str, list[str]]
    abuse_event: dict[str, list[str]]
    crisis_event_calm: list[str] = []


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
    spec, raw = load_model(EntitiesFile, path)
    for name in spec.crisis_event:
        if name not in CRISIS_EVENT_IDS:
            raise Problem(raw["crisis_event"].key_pos.get(name), f"unknown crisis event {name!r}")
    for level in spec.disability:
        if level not in ("mild", "severe"):
            raise Problem(raw["disability"].key_pos.get(level), "disability is mild or severe")
    return spec


_BARE_END = r"\s*(?:이요|이에요|예요|에요|요|입니다|이고|이며|정도|쯤|살|세)?\s*[.!~?]*\s*$"
NUM = f"(?:{NUMBER_RE})"
NATIVE = f"(?:{NATIVE_RE})"
ANY_NUM = f"(?:{NATIVE}|{NUM})"
_TENS = "(?:스물|스무|서른|마흔|쉰|예순|일흔|여든|아흔)"
_ONES = "(?:하나|한|둘|두|셋|세|넷|네|다섯|여섯|일곱|여덟|아홉)"
# An age: digits, a Native numeral, or a Sino numeral with a unit in it (칠십이) — never a
# single Sino syllable, which is usually part of a word ("유성구 살아요", "혼자 사세요").
_AGE_NUM = rf"(?:\d{{1,3}}|{NATIVE}|[일이삼사오육칠팔구]?십[일이삼사오육칠팔구]?)"
# After a numeral in words, 세 is also the numeral three: "두세 번", "두세 개" count things
COUNTED = re.compile(r"\s*(?:번|개|명|시간|시|달|마리|군데|가지|권|잔|그릇|병|장|대|채|곳|차례|배|끼"
                     r"|주|날|바퀴|통|건|알|벌|봉지|캔|판|회|해|켤레|송이|포기|그루)")
# …and a counter word standing alone after a Native numeral ("스무 통씩", "스무 포기"), not the
# start of another word ("스물셋 대학생")
COUNTER_WORD = re.compile(COUNTED.pattern + r"(?:씩|이나|도|만|을|를|이|가|은|는|째|(?![가-힣]))")
AGE_RE = re.compile(rf"(?<![가-힣\d])(?P<man>만\s*)?(?P<num>{_AGE_NUM})\s*(?P<unit>살|세)"
                    r"(?!\s*(?:이상|이하|미만|부터|까지|넘으면|되면|이면|때|[가-힣]?대(?![학표출])))")
# "나는여든하나고": written without spaces, the age follows 나는/저는 directly
_AGE_LEFT = r"(?:(?<![가-힣])|(?<=나는)|(?<=저는)|(?<=난)|(?<=전))"
NATIVE_AGE_RE = re.compile(
    rf"{_AGE_LEFT}(?P<num>{_TENS}\s?{_ONES}?)(?=\s*(?:이에요|이요|이여|이라|이고|이며|인데|인디|이우다|이구유"
    r"|이구요|이다|이야|이랑께|이라예|이제|이지"
    r"|입니다|이신데|이세요|이시고|이에|이유|이라우|에\s|먹|묵|됐|,|\.|$|\s)"
    r"|(?<=[나둘셋넷섯곱덟홉])(?:(?:예요|요|인데|인디|입니다|다|우다|구유|유|야)(?![가-힣])|고))")
# "팔십둘 먹은 노인네": Sino tens with Native ones
MIXED_AGE_RE = re.compile(
    rf"{_AGE_LEFT}(?P<tens>[이삼사오육칠팔구])십\s?(?P<ones>{_ONES})"
    r"(?=\s*(?:먹은|묵은|먹었|묵었|살|세|이에요|이고|인데|인디|입니다)|(?<=[나둘셋넷섯곱덟홉])(?:예요|요|고))")
INCOME_VERB = (r"\s*(?:원)?\s*(?:정도|쯤|가량|좀)?\s*(?:\S+\s*)?(?:벌|받|나와|나오|들어와|들어오|남아|"
               r"남|이\s*전부|이\s*다|뿐|버는|으로\s*(?:먹고\s*)?살|로\s*(?:먹고\s*)?살|으로\s*버티|로\s*버티)")
MONEY_RE = re.compile(rf"(?:(?<=월)|(?<=연봉)|(?<=연)|(?<=연금)|(?<=월급)|(?<=수입)|(?<=소득)|(?<=용돈)"
                      rf"|(?<![가-힣\d.,]))(?P<num>{NUM})\s*(?P<won>원)?")
MONEY_ONLY_RE = re.compile(rf"^\s*(?:월\s*|한\s*달에?\s*)?(?P<num>{NUM})\s*(?:원)?" + _BARE_END)
BARE_AGE_RE = re.compile(
    r"(?<![\d,.])(?P<num>\d{2,3})(?=\s*(?:이에요|예요|이요|요|이고|이며|입니다|이여|이라|이구요|이고요)"
    r"?\s*(?:[,.!?~]|$|혼자|아니고|\s혼자))")


_CORRECTED_AGE = re.compile(r"(?<![\d,.])\d{2,3}\s*(?:살|세)?\s*(?:아니고|아니라|말고)\s*"
                            r"(?P<num>\d{2,3})(?=\s*(?:살|세)?\s*(?:이요|이에요|예요|요|이고|입니다)?(?:\s|$|[,.!?]))")
_SOMEONE_ELSES = re.compile(r"(?:자식|아들|딸|자녀|애들|손주|손자|손녀|동생|언니|오빠|누나|형)(?:들)?"
                            r"(?:은|는|이|가|도)\s*(?:\S+\s*){0,2}$")
_NOT_HOME = re.compile(r"(?:은|는)?\s*(?:친정|시댁|고향)|\s*(?:말고|아니고|아니라)(?![가-힣])"
                       r"|\s*(?:에서\s*)?(?:살다가|살았는데|살다\s*왔)")


def _elsewhere(text: str, start: int, end: int) -> bool:
    """A place that is not the household's: the children's ("자식들은 다 서울에"), a place
    corrected or left ("해남 말고 진도요", "목포 살다가"), a wife's family home."""
    return bool(_SOMEONE_ELSES.search(text[max(0, start - 14):start])
                or _NOT_HOME.match(text, end))


_PERIOD = re.compile(r"월|한\s*달에?|한달에?")  # income words that only name the period
_IF_WORD = re.compile(r"[가-힣]*(?:으면|면)(?=$|[^가-힣])")
_IF_NEXT = re.compile(r"\s+(?:하면|되면|당하면|상태면|위기면|될\s*경우|할\s*경우)(?=$|[^가-힣])")


def _hypothetical(text: str, end: int) -> bool:
    """"일자리 잃으면", "가게 문 닫게 되면", "실직 상태면": an event that has not happened."""
    rest = re.match(r"[가-힣]*", text[end:])
    word_rest = rest.group(0) if rest else ""
    if _IF_WORD.fullmatch(word_rest):  # "잃으면", "끊기면" (not "이혼하면서")
        return True
    return word_rest in ("", "게", "하게", "되게", "고", "라고", "하") and \
        _IF_NEXT.match(text, end + len(word_rest)) is not None


# Abuse told without alarm ("예전에 남편한테 맞고 살았는데"): read it though no crisis was flagged
_BEATEN_BY_FAMILY = re.compile(
    r"(?:남편|전남편|아내|마누라|서방|신랑|아빠|아버지|아부지|엄마|어머니|새아빠|계부|새엄마|계모)(?:한테|에게)\s*"
    r"(?:많이\s*|자주\s*|매일\s*|맨날\s*|늘\s*|허구한\s*날\s*)?(?:두들겨\s*)?맞(?:고|았|아서|으며|는)")
# Who the household is, for telling family violence from classmates or a boss
_FAMILY_ACTOR = re.compile(r"아빠|아버지|아부지|엄마|어머니|부모|새아빠|계부|계모|남편|아내|오빠|형이|누나|언니"
                           r"|할머니|할아버지|삼촌|이모|고모|며느리|아들|딸이")
# An act of violence or control, without which a partner named in an abuse message is not an event
_ACT = re.compile(r"때|패|팼|맞|밀|던|차|쳐|치고|폭력|폭행|협박|욕|죽이|죽인|죽여|목\s*졸|칼|성폭|강간|만지|만져"
                  r"|가두|가둬|갇|잠가|잠궈|못\s*나가게|뺏|손찌검|발길질|걷어|주먹|뺨|멱살|끌고|학대|흉기|위협"
                  r"|감금|스토킹|강제|강요|추행|멍|다쳤|부러|찢|소리\s*지르|부수|던져|물건|짓밟|조르|졸라|졸랐"
                  r"|찼|못\s*(?:하게|가게|나가|만나)|가져가|가만\s*안\s*둔|추적|검사|막아|감시|가둬|때림"
                  r"|패고|맞아|맞고|쫓아|죽는다|죽을|죽일|돈을?\s*(?:다\s*)?(?:뺏|가져)|성관계|관계를|몸을|이혼\s*안\s*해")


class EntityExtractor:
    def __init__(self, lexicon: EntitiesFile, sido_aliases: dict[str, str],
                 sigungu: dict[str, list[str]], benefit_synonyms: dict[str, str]) -> None:
        w = lexicon.words
        self.lexicon = lexicon
        self.child_re = re.compile(_alt(w.child))
        self.self_re = re.compile(_alt(w.self_))
        self.adult_re = re.compile(_alt(w.adult))
        self.income_re = re.compile(_alt(w.income))
        self.yearly_re = re.compile(r"연봉|(?<![가-힣])연\s*(?:수입|소득|매출|순수입)?\s*$|1년에|"
                                    r"일\s*년에|한\s*해|연간|연소득|1년\s*소득")
        self.not_income_re = re.compile(_alt(w.not_income))
        self.age_context_re = re.compile(_alt(w.age_context))
        self.zero_income_re = _compile(lexicon.zero_income, "zero_income")
        self.disability = {level: _compile(p, f"disability.{level}")
                           for level, p in lexicon.disability.items()}
        self.crisis = {name: _compile(p, f"crisis_event.{name}")
                       for name, p in lexicon.crisis_event.items()}
        self.crisis_calm = _compile(lexicon.crisis_event_calm or ["(?!)"], "crisis_event_calm")
        self.abuse = {name: _compile(p, f"abuse_event.{name}")
                      for name, p in lexicon.abuse_event.items()}
        self.months_re = re.compile(rf"(?P<num>{ANY_NUM})\s*(?:개월|달)(?:\s*(?:된|째|짜리))?")
        self.dol_re = re.compile(rf"(?:(?P<num>{NATIVE})\s*)?돌(?:\s*(?:된|지난|짜리))?(?![가-힣])"
                                 r"|(?<![가-힣])돌(?=이(?:에요|요|고|라|예요|야|인데|었))")
        family, partner, child = _alt(w.family), _alt(w.partner), _alt(w.child)
        family_no_inlaw = _alt([f for f in w.family if not f.startswith("시")])
        count = rf"(?P<n>{ANY_NUM})"
        self.household_res = [
            (re.compile(rf"{partner}(?:이랑|랑|하고|와|과)?\s*{child}(?:들)?\s*{count}(?:\s*명)?"),
             lambda n: n + 2),
            (re.compile(rf"혼자\s*(?:서\s*)?(?:애|아이|자녀|딸|아들|애들)\S*\s*{count}\S*\s*"
                        r"(?:\S+\s*)?(?:키우|데리고|키워|기르)"), lambda n: n + 1),
            (re.compile(r"(?:혼자|홀로|홀몸|혼자서)(?!\s*(?:있는|두|벌|애|아이|키우|일|다니|못))"
                        r"(?!\s*사는\s*(?:노인|사람|어르신|분|청년|장애인|할머니|할아버지)들?"
                        r"(?:이(?![에예고라야요])|도|은|는|에게|한테|을|를|\s*(?:대상|지원|복지)))"
                        r"(?=\s*(?:살|사는|사세|산|삽|사라|삼(?![가-힣])|사(?:요|유|예|여|네)(?![가-힣])|임(?![가-힣])"
                        r"|있다|우다|지내|있어요|생활|고\b|고요|요|라|야|예요|"
                        r"이에요|인데|남았|자취|,|\.|$|\s*월세|\s*전세|\s*기초|\s*국민|\s*소득|\s*자취))"
                        r"|독거|1인\s*가구|일인\s*가구|독신|홀몸"), lambda m: 1),
            (re.compile(rf"(?<!애가\s)(?<!아이가\s)(?<!애들이\s)(?<!자녀가\s)(?<!애는\s)(?<!애\s)"
                        r"(?<!애들\s)(?<!아이\s)(?<!스물)(?<!스무)(?<!서른)(?<!마흔)(?<!쉰)(?<!예순)"
                        r"(?<!일흔)(?<!여든)(?<!아흔)"
                        rf"(?P<n>{_ONES}|열)(?:이서|이|명이서|명)\s*(?:살|사는|사라|삽|산다|지내|있어|이에요|"
                        r"예요|에요|이요|요|입니다|이고|이예요|고요|구요|구유)"), None),
            # "우리 집 세 사람 살아요", "우리집 4명", "우리 네 명이에요", "우리 집 3인인데"
            (re.compile(rf"(?:우리|저희)\s*(?:집|식구|가족)?(?:은|는|이)?\s*(?P<n>{_ONES}|\d{{1,2}})\s*"
                        r"(?:명|사람|식구|인(?=인데|이에요|이요|이고|입니다|요|$|\s))(?!\s*(?:중|가운데|이상))"),
             None),
            # "사인 가구": a Sino numeral alone before 인 가구
            (re.compile(r"(?<![가-힣])(?P<s>[일이삼사오육칠팔])\s*인\s*가구"),
             lambda m: "일이삼사오육칠팔".index(m.group("s")) + 1),
            (re.compile(rf"(?:우리\s*집(?:은|이)?|가족(?:은|이)?|식구(?:는|가)?)\s*(?:\S+\s*){{0,5}}?"
                        rf"(?P<n>{_ONES})(?:이|명)"), None),
            (re.compile(r"부부\s*(?:가구|만|끼리)"), lambda m: 2),
            (re.compile(rf"{count}\s*인\s*(?:가구|가족)"), None),
            (re.compile(rf"{count}\s*식구"), None),
            (re.compile(rf"식구(?:가|는)?\s*{count}"), None),
            (re.compile(rf"가족(?:이|은)?\s*(?:저\s*포함\s*|저까지\s*)?{count}\s*(?:명|식구)"), None),
            (re.compile(rf"(?:저\s*포함|저까지|나\s*포함)\s*{count}\s*명"), None),
            (re.compile(rf"{family}(?:들)?(?:이랑|랑|하고|와|과)\s*(?:(?:저|나|제가|내가)(?:랑|이랑|하고)?\s*)?"
                        rf"(?:단\s*)?{count}(?:이서|이|명이서)?"), None),
            # "애 둘 키우는 한부모", "한부모인데 애가 둘": the children and the writer
            (re.compile(rf"(?:애|아이|자녀|딸|아들|애들)\S*\s*{count}\S*\s*(?:\S+\s*)?"
                        r"(?:키우|데리고|키워|기르)\S*\s*(?:\S+\s*)?한부모"), lambda n: n + 1),
            (re.compile(rf"한부모\S*\s*(?:\S+\s*)?(?:애|아이|자녀)(?:가|는|들이)?\s*{count}(?:명)?"
                        r"(?![가-힣])"), lambda n: n + 1),
            (re.compile(rf"(?:단\s*)?{count}(?:이서|명이서)\s*(?:살|사|지내|삽)"), None),
            (re.compile(r"부부(?:\s*(?:둘|두\s*명|2\s*명|단둘))?(?:이|만|끼리)?\s*(?:살|사|지내|삽)"
                        r"|부부\s*(?:둘|단둘)이"), lambda m: 2),
            (re.compile(rf"(?<!시){family_no_inlaw}(?:이랑|랑|하고|와|과)\s*(?:같이\s*|함께\s*|둘이\s*)?"
                        r"(?:살|사|지내|삽)"), lambda m: 2),  # 시어머니랑 사는데: and a husband
            # derived counts, after every count said outright ("… 부부 애 둘 여섯 식구예요")
            (re.compile(rf"부부(?:랑|하고|와)?\s*(?:애|아이|자녀|애들|아이들)\S*\s*{count}"),
             lambda n: n + 2),
            # "나 혼자 아이 키워요": one child and the writer
            (re.compile(r"(?:나|저|제가|내가)\s*혼자\s*(?:서\s*)?(?:애|아이|딸|아들)(?:를|을|하나)?\s*"
                        r"(?:키워|키우|기르|길러)"), lambda m: 2),
        ]
        self.bare_household = re.compile(
            rf"^\s*(?:(?P<alone>혼자)|(?P<n>둘|셋|넷|다섯|여섯|일곱|여덟|아홉|열)(?:이|이서)?"
            rf"|(?P<m>{_ONES})\s*명|(?P<d>\d+)\s*명)" + _BARE_END)
        sido_alt = _alt(list(sido_aliases))
        self.sido_aliases = sido_aliases
        self.sido_re = re.compile(
            rf"(?<![가-힣]){sido_alt}(?:도|시)?(?=$|[\s,.!?~)]|에서|에|이|은|는|요|쪽|사람|사|살|인데|이에요|"
            r"이여|예요|분|댁|으로|로(?![가-힣])|유(?![가-힣])|이구유|이다|"
            r"[가-힣]+[시군구](?:$|[\s,.!?~)]|에|이|요|에서|인데|살|사))")
        self.sigungu_owner: dict[str, list[str]] = {}
        for sido, names in sigungu.items():
            for name in names:
                self.sigungu_owner.setdefault(name, []).append(sido)
                stem = name[:-1]
                if len(stem) >= 2:
                    self.sigungu_owner.setdefault(stem, []).append(sido)
        # a 시군구 on its own, or straight after its 시도 ("서울관악구"); then a particle or an
        # ending, dialect ones included ("의성이다", "합천서예", "부여유", "고흥이랑께")
        after_sido = "".join(f"|(?<={re.escape(a)})" for a in sido_aliases if a)
        self.sigungu_re = re.compile(
            r"(?:(?<![가-힣])" + after_sido + ")" + _alt(list(self.sigungu_owner))
            + r"(?=$|[\s,.!?~)]|에서|에|서\s|서(?:예|요)|이에요|이여|이요|"
            r"예요|요|이고|이라|라(?=$|[\s,.!?~]|서)|시|군|구|쪽|동|읍|면|사는|살아|인데|인디|삽|"
            r"이다|다(?=$|[\s,.!?~])|이야|고요|이구요|구요|이구유|구유|이유|유(?![가-힣])|이랑께|랑께|이우다|"
            r"우다|이라예|"
            r"으로|로(?![가-힣]))")
        self.benefits = benefit_synonyms
        self.programme_re = re.compile(_alt(list(benefit_synonyms)) + r"|급여액|지원금|수당") \
            if benefit_synonyms else re.compile("(?!)")
        self.benefit_re = re.compile(
            "|".join(r"\s?".join(map(re.escape, s.replace(" ", "")))
                     for s in sorted(benefit_synonyms, key=lambda s: len(s.replace(" ", "")),
                                     reverse=True))) if benefit_synonyms else None

    # ------------------------------------------------------------------------------------
    def __call__(self, text: str, abuse: bool = False) -> list[Found]:
        """Entities of a normalised message; `abuse` when the crisis patterns found abuse."""
        found: list[Found] = []
        taken: list[tuple[int, int]] = []

        def free(start: int, end: int) -> bool:
            return all(end <= s or start >= e for s, e in taken)

        def add(entity: str, value: int | str, start: int, end: int) -> None:
            found.append(Found(entity, value, start, end))
            if entity != "crisis_event":  # "남편이랑 둘이 사는데 때려요": both facts stand
                taken.append((start, end))

        self._benefits(text, add, free)
        self._crisis_events(text, add)
        if abuse or _BEATEN_BY_FAMILY.search(text):  # "어릴 때 아빠한테 많이 맞았지만": told calmly
            self._abuse_events(text, add, found)
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
        last: tuple[str, int] | None = None
        for m in self.benefit_re.finditer(text):
            value = compact_map.get(m.group(0).replace(" ", ""))
            if value == "livelihood_benefit" and last and last[0] == "emergency_welfare" \
                    and not text[last[1]:m.start()].strip() and m.group(0).startswith("생계"):
                continue  # "긴급지원 생계비": the emergency programme's livelihood support
            if value and free(m.start(), m.end()):
                add("benefit", value, m.start(), m.end())
                last = (value, m.end())

    def _crisis_events(self, text: str, add) -> None:  # type: ignore[no-untyped-def]
        calm = [m.span() for m in self.crisis_calm.finditer(text)]
        hits: dict[str, tuple[int, int]] = {}
        for name, pattern in self.crisis.items():
            for m in pattern.finditer(text):
                if not any(cs <= m.start() < ce or cs < m.end() <= ce for cs, ce in calm) \
                        and not _hypothetical(text, m.end()):
                    hits[name] = m.span()
                    break
        # "방 빼래요, 갈 데가 없어요", "집이 다 탔어요, 갈 데가 없어요": the event is the
        # eviction or the fire; "no place to go" is its consequence. Sleeping rough is not.
        if ("eviction" in hits or "fire_disaster" in hits) and "homeless" in hits:
            start, end = hits["homeless"]
            if "없" in text[start:end]:
                hits.pop("homeless")
        # "남편이 뇌출혈로 쓰러져서 돈 벌 사람이 없어요": the illness is the event (as the law
        # counts them: 주소득자 사망·가출·구금 apart from 중한 질병); an injury alone stays a loss
        if "serious_illness" in hits and "main_earner_loss" in hits:
            start, end = hits["main_earner_loss"]
            if re.search(r"쓰러|입원", text[start:end]):
                hits.pop("main_earner_loss")
        for name, (start, end) in hits.items():
            add("crisis_event", name, start, end)

    def _abuse_events(self, text: str, add, found: list[Found]) -> None:  # type: ignore[no-untyped-def]
        """domestic_violence or neglect_abuse, by who hurts whom (nlu/README.md)."""
        have = {f.value for f in found if f.entity == "crisis_event"}
        a = self.abuse
        events: list[tuple[str, re.Match[str]]] = []
        between = a["between_adults"].search(text)
        partner = a["partner"].search(text)
        child = a["child_victim"].search(text)
        neglect = a["neglect"].search(text)
        self_victim = re.search(r"(?:저|나|절|날)(?:를|을|랑|도|한테)?\s*(?:\S+\s*)?(?:때|패|밀|던|맞|죽)",
                                text)
        if a["outside"].search(text) and not _FAMILY_ACTOR.search(text):
            return  # classmates, a boss, a stranger: no crisis event (nlu/README.md)
        if partner and not between and not child and not neglect and not _ACT.search(text):
            return  # "남편 퇴근 시간만 되면 손이 떨려요": a veiled message names no act
        if between:
            events.append(("domestic_violence", between))
            if self_victim and self_victim.start() > between.end() \
                    and not re.match(r"[가-힣]", text[self_victim.start() - 1:self_victim.start()]) \
                    and re.search(r"때|패|밀|던", text[between.end():self_victim.start()]):
                events.append(("neglect_abuse", self_victim))  # "엄마 때리고 나도 때림": two acts
        elif partner and child and not self_victim:
            events.append(("neglect_abuse", child))  # "전처가 애를 때린대요"
        elif partner:
            events.append(("domestic_violence", partner))
            if child:
                events.append(("neglect_abuse", child))
        elif child or neglect:
            events.append(("neglect_abuse", child or neglect))  # type: ignore[arg-type]
        elif a["outside"].search(text):
            return
        for name, m in events:
            if name not in have:
                add("crisis_event", name, m.start(), m.end())
        if events:  # "방에 가둬 … 어데 갈 데도 없고": no place to flee to, not sleeping rough
            for f in list(found):
                if f.entity == "crisis_event" and f.value == "homeless" \
                        and "없" in text[f.start:f.end]:
                    found.remove(f)

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
            elif n is not None and n <= 36 and free(m.start(), m.end()) \
                    and re.match(r"\s*(?:이에요|이요|예요|됐어요|이고|인데|이라)", tail) \
                    and (self.child_re.search(text)  # or the whole answer: "15개월이요"
                         or (not text[:m.start()].strip() and re.match(_BARE_END, text[m.end():]))) \
                    and not self.not_income_re.search(text[max(0, m.start() - 8):m.start()]) \
                    and not re.search(r"(?:지|째|동안|만에)\s*$", text[max(0, m.start() - 4):m.start()]):
                add("child_age_months", n, m.start(), m.end())  # "아기 분유가 … 4개월이에요"
        for m in self.dol_re.finditer(text):
            n = parse_native(m.group("num")) if m.group("num") else 1
            if n is not None and free(m.start(), m.end()):
                add("child_age_months", 12 * n, m.start(), m.end())
        for m in re.finditer(r"신생아|갓난\s*(?:아기|애기)", text):
            if free(m.start(), m.end()):
                add("child_age_months", 0, m.start(), m.end())

    def _ages(self, text: str, add, free) -> None:  # type: ignore[no-untyped-def]
        # "71 아니고 72요": only the corrected value counts
        dropped = {m.start() for m in re.finditer(r"\d{1,3}(?=\s*(?:살|세)?\s*아니고)", text)}
        for m in AGE_RE.finditer(text):
            n = parse_number(m.group("num"))
            if n is None or n > 120 or not free(m.start(), m.end()) \
                    or m.start("num") in dropped:
                continue
            if m.group("unit") == "세" and re.fullmatch(NATIVE, m.group("num")):
                continue  # "두세 번", "상가 하나 세 줘서": 세 after a Native numeral is no age
            # "아들은 만 3세고": a child's 만 나이 too, when a child is named beside it
            if n < 20 and (not m.group("man") or (n < 15 and self.child_re.search(
                    self._window(text, m.start(), m.end(), 12, 6)))) \
                    and self._is_child(text, m.start(), m.end(), n):
                add("child_age_months", 12 * n, m.start(), m.end())
            else:
                add("age", n, m.start(), m.end())
        for m in NATIVE_AGE_RE.finditer(text):  # "일흔여섯이에요", "예순여덟 홀아비"
            n = parse_native(m.group("num"))
            if COUNTER_WORD.match(text, m.end()) \
                    or re.search(r"(?:한국|세는)\s*나이(?:로는|로|는)?\s*$", text[:m.start()]):
                continue  # "하루에 스무 통씩": twenty calls; "한국 나이로는 …" after the 만 나이
            if n is not None and n >= 20 and free(m.start(), m.end()):
                add("age", n, m.start(), m.end())
        for m in MIXED_AGE_RE.finditer(text):
            ones = parse_native(m.group("ones"))
            n = 10 * "이삼사오육칠팔구".index(m.group("tens")) + 20 + (ones or 0)
            if ones and ones < 10 and free(m.start(), m.end()):
                add("age", n, m.start(), m.end())
        for m in _CORRECTED_AGE.finditer(text):  # "아 72 아니고 73이요"
            n = int(m.group("num"))
            if 15 <= n <= 120 and free(m.start("num"), m.end("num")):
                add("age", n, m.start("num"), m.end("num"))
        for m in BARE_AGE_RE.finditer(text):  # "72예요", "만으로 64이에요", "63 혼자"
            n = int(m.group("num"))
            before = text[max(0, m.start() - 6):m.start()]
            if 15 <= n <= 120 and m.start("num") not in dropped and \
                    not re.search(r"(?:월|연봉|연|월급|소득|수입|연금|급여|원|만|번|층|호|동|평|월세|보증금|전세|관리비|세|에)\s*$",
                                  before) and free(m.start("num"), m.end("num")):
                add("age", n, m.start("num"), m.end("num"))

    def _household(self, text: str, add, free) -> None:  # type: ignore[no-untyped-def]
        if re.search(r"(?:아랫집|윗집|옆집|앞집|이웃집?)\s*(?:\S+\s*)?(?:할아버지|할머니|아저씨|아줌마"
                     r"|아이|애|분|사람|언니|오빠)", text):
            return  # a neighbour's household, not the writer's
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
            elif m.group("n") or m.group("m"):
                g = "n" if m.group("n") else "m"
                n, s, e = parse_native(m.group(g)), m.start(g), m.end(g)
            else:
                n, s, e = int(m.group("d")), m.start("d"), m.end("d") + 1
            if n and free(s, e):
                add("household_size", n, s, e)

    def _income(self, text: str, add, free) -> None:  # type: ignore[no-untyped-def]
        z = self.zero_income_re.search(text)
        if z and free(z.start(), z.end()):
            add("monthly_income", 0, z.start(), z.end())
            return
        whole = MONEY_ONLY_RE.match(text)
        for m in MONEY_RE.finditer(text):
            raw = m.group("num").strip()
            if not free(m.start(), m.end()) or re.match(r"만\s*\d+\s*(?:세|살)", text[m.start():]):
                continue
            value = parse_number(raw)
            if value is None:
                continue
            before = text[max(0, m.start() - 14):m.start()]
            after = text[m.end():m.end() + 12]
            if re.match(r"\s*(?:세|살|개월|명|인\b|인\s*가구|(?:시|분|일)(?![가-힣])"
                        r"|(?:시|분|일)(?:에|부터|까지|쯤|날|마다|자|이|은|엔|간|동안)|층|평|번|호|년"
                        r"|kg|%|퍼)", after):
                continue  # an age, a count, a time: not money
            kind = self._money_context(before, after)
            is_whole = whole is not None and whole.start("num") == m.start("num")
            if kind == "other" or (kind is None and not is_whole):
                continue
            if not m.group("won") and not re.search(r"[만억]", raw) and value < 100_000:
                value *= 10_000  # "월 150 벌어요", "연봉 4200": amounts said in 만원
            if value < 1000:
                continue
            lead = re.search(r"(?:월|한\s*달에?|연봉|연|1년에?|일\s*년에?)\s*$", before)
            start = m.start() - len(lead.group(0)) if lead else m.start()
            if kind == "yearly":
                value //= 12
            add("monthly_income", value, start, m.end())

    def _money_context(self, before: str, after: str) -> str | None:
        """'monthly', 'yearly', 'other' (rent, debt, a programme's amount) or None."""
        if re.match(r"\s*(?:씩|주는|준다|줘요|주나요|맞아요|맞나요|이에요\?|인가요|까지|이상|이하|미만"
                    r"|밀|빌|대출|빚|보증금|월세|(?:은|는|을|를)?\s*빼|나가요|나가고|나가는)", after):
            return "other"
        marks: list[tuple[int, str]] = []
        for kind, pattern in (("yearly", self.yearly_re), ("monthly", self.income_re),
                              ("other", self.not_income_re), ("programme", self.programme_re)):
            for m in pattern.finditer(before):
                # "약값이 한 달에 십오만 원": after an expense, "a month" only says how often
                if kind == "monthly" and _PERIOD.fullmatch(m.group(0)) \
                        and self.not_income_re.search(before[:m.start()]) \
                        and (not re.match(INCOME_VERB, after)
                             or re.match(r"\s*(?:원)?\s*(?:이고|이며|인데|,)", after)):
                    continue
                marks.append((m.end(), kind))
        if marks:
            nearest = max(marks)[1]
            if nearest == "programme":  # "기초연금 30만원 받아요" is income; "아동수당 10만원" is not
                return "monthly" if re.match(INCOME_VERB, after) else "other"
            yearly = list(re.finditer(r"연봉|연\s*$|1년|일\s*년|연간|연소득", before))
            if nearest != "monthly" or not yearly or re.search(r"\d", before[yearly[-1].end():]):
                return nearest
            return "yearly"
        if re.match(INCOME_VERB, after):
            return "monthly"
        return None

    def _regions(self, text: str, add, free) -> None:  # type: ignore[no-untyped-def]
        if re.search(r"여행|기차표|비행기|ktx|KTX|놀러|출장|\d\s*박\s*\d\s*일", text) \
                and not re.search(r"살|사는|삽|거주|주소|이사", text):
            return  # "기차표 끊어놨어 내일 부산 가": a trip, not where the household lives
        sido_match = None
        for m in self.sido_re.finditer(text):
            if not free(m.start(), m.end()) or _elsewhere(text, m.start(), m.end()):
                continue
            if sido_match is None:
                sido_match = m
            after = self.sigungu_re.match(text, m.end() + (1 if text[m.end():m.end() + 1] == " " else 0))
            if after:  # "자식들은 서울 있고 저는 전남 영광에 살아요": the one with a 시군구
                sido_match = m
                break
        sigungu_match = None
        for m in self.sigungu_re.finditer(text):
            name = m.group(0)
            owners = self.sigungu_owner.get(name, [])
            if sido_match and (m.start() < sido_match.end() and m.end() > sido_match.start()):
                continue
            if _elsewhere(text, m.start(), m.end()) or (
                    sido_match and self._sido_of(sido_match.group(0)) not in owners):
                continue  # "자식들은 다 서울에", "해남 말고 진도요", "목포 살다가 지금은 광주 …"
            if free(m.start(), m.end()) and owners:
                sigungu_match = m
                break
        sido = self._sido_of(sido_match.group(0)) if sido_match else None
        if sigungu_match:
            name = sigungu_match.group(0)
            owners = self.sigungu_owner[name]
            if (sido is not None and sido not in owners) or (sido is None and len(set(owners)) != 1):
                sigungu_match = None
            else:
                sido = sido or owners[0]
        if sido is None:
            return
        if sigungu_match is None and sido_match and sido_match.group(0).endswith("시") \
                and sido_match.group(0) in self._sigungu_of(sido):
            sigungu_match = sido_match  # "제주시 애월이우다": 제주시 names the 시도 and the 시
        if sigungu_match:
            full = self._full_sigungu(sido, sigungu_match.group(0))
            start = min(sigungu_match.start(), sido_match.start() if sido_match else 10**9)
            end = max(sigungu_match.end(), sido_match.end() if sido_match else 0)
            add("region", f"{sido} {full}", start, end)
        elif sido_match:
            add("region", sido, sido_match.start(), sido_match.end())

    def _sido_of(self, written: str) -> str | None:
        """'서울시', '경기도', '서울특별시', '전남' → the canonical 시도 name."""
        return self.sido_aliases.get(written) or self.sido_aliases.get(written.rstrip("도시"))

    def _full_sigungu(self, sido: str, name: str) -> str:
        for full in self._sigungu_of(sido):
            if full == name or full[:-1] == name:
                return full
        return name

    def _sigungu_of(self, sido: str) -> list[str]:
        return [n for n, owners in self.sigungu_owner.items() if sido in owners and n[-1] in "시군구"]
