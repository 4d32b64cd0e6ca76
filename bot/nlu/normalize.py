"""Cleans chat text before analysis, remembering where each character came from.

Residents type "감사함니다ㅠㅠㅠㅠ", "안녕하세여", "죽고십어요" and "상담원연결해주세요". The
classifier and the entity rules read a cleaner form, but entity spans must point into what the
resident actually wrote, so every normalised character keeps the index of its original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.yamlio import load_model

_JAMO = re.compile("[ㄱ-ㅎㅏ-ㅣ]+")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


class NormalizeFile(BaseModel):
    """nlu/patterns/normalize.yml"""

    model_config = ConfigDict(extra="forbid")
    collapse_repeats: int = Field(2, ge=1)
    replace: dict[str, str] = Field(default_factory=dict)
    whole_message: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Normalized:
    text: str
    origin: list[int]  # origin[i]: index in the original text of text[i]; one extra at the end

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A span of the normalised text as a span of the original."""
        if end <= start:
            return self.origin[start], self.origin[start]
        return self.origin[start], self.origin[end - 1] + 1


class Normalizer:
    def __init__(self, spec: NormalizeFile) -> None:
        self.spec = spec
        keys = sorted(spec.replace, key=len, reverse=True)
        # Jamo shorthand ("ㄱㅅ" for 감사) only counts on its own, not inside "ㅈㄱㅅㄷ".
        alts = [rf"(?<![ㄱ-ㅎㅏ-ㅣ]){re.escape(k)}(?![ㄱ-ㅎㅏ-ㅣ])" if _JAMO.fullmatch(k)
                else re.escape(k) for k in keys]
        self._pattern = re.compile("|".join(alts)) if keys else None

    @classmethod
    def from_file(cls, path: Path) -> Normalizer:
        return cls(load_model(NormalizeFile, path)[0])

    def __call__(self, text: str) -> Normalized:
        chars: list[str] = []
        origin: list[int] = []
        # 1. Full-width letters and digits folded to ASCII; conjoining jamo typed one by one
        #    composed into syllables; invisible characters dropped. (Not NFKC: it would turn
        #    the ㅠ and ㅋ of chat into conjoining jamo.)
        for i, ch in enumerate(text):
            if _INVISIBLE.match(ch):
                continue
            if "\uff01" <= ch <= "\uff5e":
                ch = chr(ord(ch) - 0xFEE0)
            elif "\u1100" <= ch <= "\u11ff" and chars:
                pair = unicodedata.normalize("NFC", chars[-1] + ch)
                if len(pair) == 1:
                    chars[-1] = pair
                    continue
            chars.append(ch)
            origin.append(i)
        # 2. whitespace runs become one space; runs of one character are shortened.
        limit = self.spec.collapse_repeats
        out_chars: list[str] = []
        out_origin: list[int] = []
        for ch, o in zip(chars, origin, strict=True):
            if ch.isspace():
                if not out_chars or out_chars[-1] == " ":
                    continue
                ch = " "
            if len(out_chars) >= limit and all(c == ch for c in out_chars[-limit:]) \
                    and not ch.isdigit():
                continue
            out_chars.append(ch)
            out_origin.append(o)
        while out_chars and out_chars[-1] == " ":
            out_chars.pop()
            out_origin.pop()
        text1 = "".join(out_chars)
        # 3. chat spellings and common typos, longest first.
        if self._pattern is not None:
            text1, out_origin = self._replace(text1, out_origin)
        # 4. a whole short message in another language that has a plain Korean equivalent
        whole = self.spec.whole_message.get(text1.strip(" .!?~").lower())
        if whole is not None and out_origin:
            first, last = out_origin[0], out_origin[-1]
            text1 = whole
            out_origin = [first] * (len(whole) - 1) + [last]
        out_origin.append((out_origin[-1] + 1) if out_origin else 0)
        return Normalized(text1, out_origin)

    def _replace(self, text: str, origin: list[int]) -> tuple[str, list[int]]:
        pieces: list[str] = []
        new_origin: list[int] = []
        last = 0
        assert self._pattern is not None
        for m in self._pattern.finditer(text):
            pieces.append(text[last:m.start()])
            new_origin.extend(origin[last:m.start()])
            replacement = self.spec.replace[m.group(0)]
            span_origin = origin[m.start():m.end()]
            for k in range(len(replacement)):  # spread the new characters over the old ones
                new_origin.append(span_origin[min(k, len(span_origin) - 1)])
            pieces.append(replacement)
            last = m.end()
        pieces.append(text[last:])
        new_origin.extend(origin[last:])
        return "".join(pieces), new_origin

