"""Korean morphological tokenizers plugged into spaCy through its registry.

spaCy's own Korean support needs MeCab; residents' chat (no spaces, 반말 endings, typos) is
better served by Kiwi, so Kiwi is the default and konlpy's Okt the alternative, chosen in
config.yml. Tokens are surface pieces of the text (spaCy requires that the words rebuild the
text); the morphemes under each piece are kept on `doc._.morphs` as "form/TAG", which is what
the intent classifier reads: 죽/VV (죽고 싶다) is not 죽/VX (더워 죽겠다).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry
from spacy.vocab import Vocab

if not Doc.has_extension("morphs"):
    Doc.set_extension("morphs", default=None)

Morph = tuple[str, str, int, int]  # form, tag, start, end (character offsets in the text)


def _doc_from_morphs(vocab: Vocab, text: str, morphs: Iterable[Morph]) -> Doc:
    """Group morphemes into surface words that rebuild the text exactly."""
    words: list[str] = []
    spaces: list[bool] = []
    forms: list[str] = []
    tags: list[str] = []
    all_morphs: list[str] = []
    cursor = 0

    def add(start: int, end: int, form: str, tag: str) -> None:
        words.append(text[start:end])
        spaces.append(end < len(text) and text[end] == " ")
        forms.append(form)
        tags.append(tag)

    def gap(until: int) -> None:  # characters no morpheme covers become words of their own
        nonlocal cursor
        while cursor < until:
            if text[cursor] == " ":
                cursor += 1
                continue
            end = cursor
            while end < until and text[end] != " ":
                end += 1
            add(cursor, end, text[cursor:end], "X")
            cursor = end

    group: list[Morph] = []
    for m in sorted(morphs, key=lambda m: (m[2], m[3])):
        all_morphs.append(f"{m[0]}/{m[1]}")
        # overlapping (했 = 하/VV + 었/EP) or zero-length (the 이/VCP of 거야) morphemes
        # belong to the surface word before them
        if group and (m[2] < max(g[3] for g in group) or m[2] == m[3]):
            group.append(m)
            continue
        if not group and m[2] == m[3]:
            continue
        if group:
            start, end = group[0][2], max(g[3] for g in group)
            gap(start)
            add(start, end, "+".join(g[0] for g in group), "+".join(g[1] for g in group))
            cursor = end
        group = [m]
    if group:
        start, end = group[0][2], max(g[3] for g in group)
        gap(start)
        add(start, end, "+".join(g[0] for g in group), "+".join(g[1] for g in group))
        cursor = end
    gap(len(text))
    if not words:
        return Doc(vocab, words=[], spaces=[])
    doc = Doc(vocab, words=words, spaces=spaces, lemmas=forms, tags=tags)
    doc._.morphs = all_morphs
    return doc


class _Serializable:
    """spaCy saves a pipeline's tokenizer with it; ours keeps only its settings."""

    settings: dict[str, Any]

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / "settings.json").write_text(json.dumps(self.settings), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> _Serializable:
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps(self.settings).encode()

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> _Serializable:
        return self


@lru_cache(maxsize=4)
def _kiwi(load_multi_dict: bool, typos: str | None) -> Any:
    from kiwipiepy import Kiwi

    return Kiwi(load_multi_dict=load_multi_dict, typos=typos)


class KiwiTokenizer(_Serializable):
    def __init__(self, vocab: Vocab, load_multi_dict: bool = False,
                 typos: str | None = None) -> None:
        self.vocab = vocab
        self.settings = {"load_multi_dict": load_multi_dict, "typos": typos}
        self.kiwi = _kiwi(load_multi_dict, typos)

    def __call__(self, text: str) -> Doc:
        if not text.strip():
            return Doc(self.vocab, words=[], spaces=[])
        return self._doc(text, self.kiwi.tokenize(text))

    def _doc(self, text: str, tokens: Iterable[Any]) -> Doc:
        return _doc_from_morphs(self.vocab, text,
                                ((t.form, t.tag, t.start, t.start + t.len) for t in tokens))

    def pipe(self, texts: Iterable[str], batch_size: int = 64) -> Iterable[Doc]:
        """Kiwi analyses a list on all its worker threads (training tokenises thousands)."""
        texts = list(texts)
        filled = [t for t in texts if t.strip()]
        analysed = iter(self.kiwi.tokenize(filled) if filled else [])
        for text in texts:
            if text.strip():
                yield self._doc(text, next(analysed))
            else:
                yield Doc(self.vocab, words=[], spaces=[])


@lru_cache(maxsize=1)
def _okt() -> Any:
    from konlpy.tag import Okt

    return Okt()


class OktTokenizer(_Serializable):
    """konlpy's Okt: no offsets of its own, so surfaces are found in the text in order."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.settings = {}
        self.okt = _okt()

    def __call__(self, text: str) -> Doc:
        if not text.strip():
            return Doc(self.vocab, words=[], spaces=[])
        morphs: list[Morph] = []
        cursor = 0
        for surface, tag in self.okt.pos(text, norm=False, stem=False):
            start = text.find(surface, cursor)
            if start < 0:
                continue
            morphs.append((surface, tag, start, start + len(surface)))
            cursor = start + len(surface)
        return _doc_from_morphs(self.vocab, text, morphs)

    def pipe(self, texts: Iterable[str], batch_size: int = 64) -> Iterable[Doc]:
        for text in texts:
            yield self(text)


@registry.tokenizers("bokji.KiwiTokenizer.v1")
def create_kiwi_tokenizer(load_multi_dict: bool = False,
                          typos: str | None = None) -> Callable[[Language], KiwiTokenizer]:
    def create(nlp: Language) -> KiwiTokenizer:
        return KiwiTokenizer(nlp.vocab, load_multi_dict=load_multi_dict, typos=typos)

    return create


@registry.tokenizers("bokji.OktTokenizer.v1")
def create_okt_tokenizer() -> Callable[[Language], OktTokenizer]:
    def create(nlp: Language) -> OktTokenizer:
        return OktTokenizer(nlp.vocab)

    return create
