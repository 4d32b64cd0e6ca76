"""Personal numbers never leave a message in clear: transcripts, cases and logs store this form.

Residents paste 주민등록번호, phone and bank account numbers to be helpful. A caseworker needs
to know that one was given, not the number itself (they ask again on a verified call), so the
digits are replaced and only enough stays to recognise which number it was.
"""

from __future__ import annotations

import hashlib
import re

# 900101-1234567, 9001011234567, 900101 - 1234567: the birth date may stay, the rest never.
_RRN = re.compile(r"(?<!\d)(\d{6})\s*-?\s*([1-8])\d{6}(?!\d)")
# 010-1234-5678, 010 1234 5678, 01012345678, 02-123-4567, +82 10-1234-5678
_PHONE = re.compile(
    r"(?<!\d)(?:\+82[-. ]?)?(0?1[016789]|0[2-6]\d?)[-. )]?(\d{3,4})[-. ]?(\d{4})(?!\d)")
# Bank accounts and cards: digit groups joined by hyphens or spaces (10–19 digits in all), or
# a long unbroken run of digits.
_GROUPED = re.compile(r"(?<![\d-])\d{2,6}(?:[- ]\d{2,8}){2,4}(?![\d-])")
_LONG = re.compile(r"(?<!\d)\d{10,19}(?!\d)")


def _stars(text: str, keep_last: int = 0) -> str:
    """Every digit but the last `keep_last` becomes *, separators stay."""
    digits_seen = 0
    total = sum(ch.isdigit() for ch in text)
    out = []
    for ch in text:
        if ch.isdigit():
            digits_seen += 1
            out.append(ch if digits_seen > total - keep_last else "*")
        else:
            out.append(ch)
    return "".join(out)


def _grouped(match: re.Match[str]) -> str:
    chunk = match.group(0)
    digits = sum(ch.isdigit() for ch in chunk)
    return _stars(chunk, keep_last=2) if 10 <= digits <= 19 else chunk


def mask(text: str) -> str:
    """The message with 주민등록번호, phone, account and card numbers masked."""
    text = _RRN.sub(lambda m: f"{m.group(1)}-{m.group(2)}******", text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}-****-{m.group(3)}", text)
    text = _GROUPED.sub(_grouped, text)
    return _LONG.sub(lambda m: _stars(m.group(0), keep_last=2), text)


def pseudonym(conversation_id: str) -> str:
    """A stable short name for a conversation in logs (a chat id is personal data too)."""
    return hashlib.blake2s(conversation_id.encode(), digest_size=5).hexdigest()
