"""Which writing system a message is in, so non-Korean messages get an answer that fits."""

from __future__ import annotations

import unicodedata

_VIETNAMESE = set("ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def detect_script(text: str) -> str:
    """'ko', 'en', 'zh', 'ja', 'vi', 'ru', 'th', 'other', 'symbols' (emoji only) or 'none'."""
    if not text.strip():
        return "none"
    counts = {"ko": 0, "latin": 0, "han": 0, "kana": 0, "vi": 0, "cyrillic": 0, "thai": 0,
              "other": 0}
    for ch in text:
        if not ch.isalpha():
            continue
        code = ord(ch)
        if 0xAC00 <= code <= 0xD7A3 or 0x3130 <= code <= 0x318F or 0x1100 <= code <= 0x11FF:
            counts["ko"] += 1
        elif ch in _VIETNAMESE:
            counts["vi"] += 1
            counts["latin"] += 1
        elif code < 0x250:
            counts["latin"] += 1
        elif 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF:
            counts["han"] += 1
        elif 0x3040 <= code <= 0x30FF:
            counts["kana"] += 1
        elif 0x0400 <= code <= 0x04FF:
            counts["cyrillic"] += 1
        elif 0x0E00 <= code <= 0x0E7F:
            counts["thai"] += 1
        else:
            counts["other"] += 1
    letters = sum(v for k, v in counts.items() if k != "vi")
    if letters == 0:
        return "symbols"
    if counts["ko"] >= 1 and counts["ko"] * 3 >= letters - counts["ko"]:
        return "ko"
    if counts["kana"]:
        return "ja"
    if counts["han"] >= counts["latin"] and counts["han"]:
        return "zh"
    if counts["vi"]:
        return "vi"
    if counts["latin"] >= max(counts["cyrillic"], counts["thai"], counts["other"]) \
            and counts["latin"]:
        return "en" if _mostly_ascii(text) else "other"
    if counts["cyrillic"]:
        return "ru"
    if counts["thai"]:
        return "th"
    return "other"


def _mostly_ascii(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    plain = sum(1 for c in letters if ord(c) < 128 or (unicodedata.category(c) == "Ll" and
                ord(c) < 0x100))
    return plain >= 0.9 * len(letters)
