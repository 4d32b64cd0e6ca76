"""Korean number wording and particles for explanations residents read.

Residents read "82만 556원", not "820556 KRW"; and a sentence template must pick 이/가,
은/는, 을/를 by the sound of the word before it, which depends on the value filled in.
"""

from __future__ import annotations

import re

_HANGUL_BASE, _HANGUL_LAST = 0xAC00, 0xD7A3
# Final sounds of Arabic digits read in Korean (일, 이, 삼, 사, 오, 육, 칠, 팔, 구, 영).
_DIGIT_HAS_FINAL = {"0": True, "1": True, "2": False, "3": True, "4": False,
                    "5": False, "6": True, "7": True, "8": True, "9": False}
_DIGIT_FINAL_RIEUL = {"1", "7", "8"}


def won(amount: float) -> str:
    """Format money the way Korean notices do: 1억 2,000만 556원."""
    value = round(amount)
    sign = "-" if value < 0 else ""
    value = abs(value)
    eok, rest = divmod(value, 100_000_000)
    man, unit = divmod(rest, 10_000)
    parts = []
    if eok:
        parts.append(f"{eok:,}억")
    if man:
        parts.append(f"{man:,}만")
    if unit or not parts:
        parts.append(f"{unit:,}")
    text = " ".join(parts)
    return f"{sign}{text}원"


def number(value: float, unit: str) -> str:
    """Format a finite value for a sentence according to its unit."""
    if unit == "won":
        return won(value)
    n = int(value) if float(value).is_integer() else value
    match unit:
        case "years":
            return f"{n}세"
        case "months":
            return f"{n}개월"
        case "persons":
            return f"{n}인"
        case "percent":
            return f"{n}%"
        case "children":
            return f"{n}명"
        case _:
            return f"{n}"


def _final(ch: str) -> tuple[bool, bool]:
    """(has a final consonant, that final is ㄹ) for the last sounded character."""
    code = ord(ch)
    if _HANGUL_BASE <= code <= _HANGUL_LAST:
        jong = (code - _HANGUL_BASE) % 28
        return jong != 0, jong == 8
    if ch in _DIGIT_HAS_FINAL:
        return _DIGIT_HAS_FINAL[ch], ch in _DIGIT_FINAL_RIEUL
    if ch.isalpha():
        return ch.lower() in "lmnr", ch.lower() in "lr"
    return False, False


_PAIRS = {
    "이(가)": ("이", "가"),
    "은(는)": ("은", "는"),
    "을(를)": ("을", "를"),
    "과(와)": ("과", "와"),
    "이나(나)": ("이나", "나"),
    "이라(라)": ("이라", "라"),
    "와(과)": ("과", "와"),
    "가(이)": ("이", "가"),
    "를(을)": ("을", "를"),
    "는(은)": ("은", "는"),
}
_PARTICLE = re.compile(r"(\S)(" + "|".join(re.escape(p) for p in [*_PAIRS, "(으)로"]) + ")")


def particles(text: str) -> str:
    """Resolve written-out particle choices such as '82만 556원이(가)' → '82만 556원이'."""

    def pick(match: re.Match[str]) -> str:
        before, pair = match.group(1), match.group(2)
        has_final, is_rieul = _final(before)
        if pair == "(으)로":
            return before + ("으로" if has_final and not is_rieul else "로")
        with_final, without = _PAIRS[pair]
        return before + (with_final if has_final else without)

    return _PARTICLE.sub(pick, text)
