"""Korean numbers as residents write them: 72, 1,500,000, 백오십만, 일흔두, 1억 2천, 3.5억.

Two systems are mixed in everyday writing: Sino-Korean (일, 이, 삼 … 십, 백, 천, 만, 억) for
money and Native Korean (하나/한, 둘/두 … 스물, 서른 … 아흔) for ages and counts, and both mix
with Arabic digits ("150만", "1억 2천만").
"""

from __future__ import annotations

import re

SINO_DIGITS = {"영": 0, "공": 0, "일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "륙": 6,
               "칠": 7, "팔": 8, "구": 9}
SMALL_UNITS = {"십": 10, "백": 100, "천": 1000}
BIG_UNITS = {"만": 10_000, "억": 100_000_000, "조": 1_000_000_000_000}

NATIVE_TENS = {"열": 10, "스물": 20, "스무": 20, "서른": 30, "마흔": 40, "쉰": 50, "예순": 60,
               "일흔": 70, "여든": 80, "아흔": 90}
NATIVE_ONES = {"하나": 1, "한": 1, "둘": 2, "두": 2, "셋": 3, "세": 3, "석": 3, "넷": 4, "네": 4,
               "넉": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9}

_NATIVE = re.compile(
    "(?P<tens>" + "|".join(sorted(NATIVE_TENS, key=len, reverse=True)) + ")?"
    r"\s?"
    "(?P<ones>" + "|".join(sorted(NATIVE_ONES, key=len, reverse=True)) + ")?"
)
_SINO_CHARS = "".join(SINO_DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)
_UNITS = "십백천만억조"
_HANGUL_NUM = "".join(SINO_DIGITS) + "십백천만억"  # no 조: nobody here counts in trillions
# A written amount: digits that go on only with unit syllables ("1억 2천만", "150만", "3천"),
# or Sino numerals that contain a unit ("백오십만", "삼백만"). A lone Sino syllable is left
# alone: it is usually part of a word ("사는데", "백수", "조사").
NUMBER_RE = (r"(?:\d[\d,]*(?:\.\d+)?(?:\s?[" + _UNITS + r"]+(?:\s?\d[\d,]*(?:\.\d+)?\s?[" + _UNITS
             + r"]*)*)?"
             r"|(?=[" + _HANGUL_NUM + r"]*[십백천만억])[" + _HANGUL_NUM + r"]{2,}"
             r"(?:\s[" + _HANGUL_NUM + r"]+)*(?!(?![원이에요을를은는도만까밖뿐가정쯤씩인])[가-힣])"
             # "칠천이에요": a unit, then 이 before a copula's ending is the copula, not 2
             r"(?!(?<=[십백천만억]이)(?:에|고|라|야|면|었|지|니|요|다|구|여|예)))")
NATIVE_RE = ("(?:" + "|".join(sorted(NATIVE_TENS, key=len, reverse=True)) + r")\s?(?:"
             + "|".join(sorted(NATIVE_ONES, key=len, reverse=True)) + ")?"
             "|(?:" + "|".join(sorted(NATIVE_ONES, key=len, reverse=True)) + ")")


def _small(text: str) -> int | None:
    """Below 10,000: '1,500', '천오백', '3천', '백오십', '2백5십'."""
    if not text:
        return 0
    if re.fullmatch(r"\d[\d,]*", text):
        return int(text.replace(",", ""))
    total, digit = 0, None
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit():
            j = i
            while j < len(text) and (text[j].isdigit() or text[j] == ","):
                j += 1
            digit = int(text[i:j].replace(",", ""))
            i = j
            continue
        if ch in SINO_DIGITS:
            if digit is not None:
                return None  # two digits in a row: "이삼" is not a number here
            digit = SINO_DIGITS[ch]
        elif ch in SMALL_UNITS:
            total += (1 if digit is None else digit) * SMALL_UNITS[ch]
            digit = None
        else:
            return None
        i += 1
    return total + (digit or 0)


def parse_sino(text: str) -> int | None:
    """'1억 2천만' → 120000000, '백오십만' → 1500000, '3.5억' → 350000000, '72' → 72."""
    s = re.sub(r"\s+", "", text)
    if not s:
        return None
    total = 0
    rest = s
    # Said aloud, the 만 after 억 is dropped: "1억 2천" is 1억 2천만, "3억 5백" 3억 5백만.
    if "억" in rest and "만" not in rest.split("억", 1)[1] and rest.split("억", 1)[1]:
        tail = rest.split("억", 1)[1]
        if not tail.endswith("원") and re.fullmatch(r"[\d,]*[천백십]?[\d일이삼사오육칠팔구]*", tail) \
                and any(u in tail for u in "천백십"):
            rest += "만"
    for unit, value in sorted(BIG_UNITS.items(), key=lambda kv: -kv[1]):
        if unit in rest:
            head, rest = rest.split(unit, 1)
            if re.fullmatch(r"\d+\.\d+", head):
                total += round(float(head) * value)
                continue
            amount = _small(head) if head else 1
            if amount is None:
                return None
            total += amount * value
    if re.fullmatch(r"\d+\.\d+", rest):
        return None  # a decimal without a unit is not an amount of won or years
    tail = _small(rest)
    if tail is None:
        return None
    return total + tail


def parse_native(text: str) -> int | None:
    """'일흔두' → 72, '스물다섯' → 25, '다섯' → 5, '열' → 10."""
    s = text.strip()
    m = _NATIVE.fullmatch(s)
    if not m or not (m.group("tens") or m.group("ones")):
        return None
    return NATIVE_TENS.get(m.group("tens") or "", 0) + NATIVE_ONES.get(m.group("ones") or "", 0)


def parse_number(text: str) -> int | None:
    """Either system; None when the text is not a whole number."""
    value = parse_native(text)
    if value is not None:
        return value
    return parse_sino(text)


_SINO_WORDS = ["", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"]


def _small_words(n: int) -> str:
    out = ""
    for unit, value in (("천", 1000), ("백", 100), ("십", 10)):
        d, n = divmod(n, value)
        if d:
            out += ("" if d == 1 else _SINO_WORDS[d]) + unit
    return out + _SINO_WORDS[n]


def to_sino_words(n: int) -> str:
    """1500000 → '백오십만', 120000000 → '일억이천만' (the way amounts are spoken)."""
    if n == 0:
        return "영"
    parts = []
    for unit, value in (("조", 10**12), ("억", 10**8), ("만", 10**4)):
        d, n = divmod(n, value)
        if d:
            words = _small_words(d)
            parts.append(("" if words == "일" and unit == "만" else words) + unit)
    if n:
        parts.append(_small_words(n))
    return "".join(parts)


_NATIVE_TENS_WORDS = {10: "열", 20: "스물", 30: "서른", 40: "마흔", 50: "쉰", 60: "예순",
                      70: "일흔", 80: "여든", 90: "아흔"}
_NATIVE_ONES_WORDS = {1: "한", 2: "두", 3: "세", 4: "네", 5: "다섯", 6: "여섯", 7: "일곱",
                      8: "여덟", 9: "아홉"}


def to_native_words(n: int) -> str:
    """72 → '일흔두' (as in '일흔두 살'); 1 to 99."""
    if not 1 <= n <= 99:
        raise ValueError("native Korean numerals are used for 1 to 99")
    tens, ones = divmod(n, 10)
    word = _NATIVE_TENS_WORDS.get(tens * 10, "")
    if ones:
        word += _NATIVE_ONES_WORDS[ones]
    if word == "스물":
        return "스무"
    return word
