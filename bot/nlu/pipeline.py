"""The spaCy pipeline: a Korean tokenizer from the registry and the intent classifier."""

from __future__ import annotations

from typing import Any

import spacy
from spacy.language import Language

import bot.nlu.features
import bot.nlu.neighbours
import bot.nlu.tokenizers  # noqa: F401  (registers the Kiwi and Okt tokenizers)
from bot.nlu.data import INTENTS
from bot.settings import NLUSettings


def tokenizer_config(settings: NLUSettings) -> dict[str, Any]:
    if settings.tokenizer == "okt":
        return {"@tokenizers": "bokji.OktTokenizer.v1"}
    return {"@tokenizers": "bokji.KiwiTokenizer.v1",
            "load_multi_dict": settings.kiwi.load_multi_dict, "typos": settings.kiwi.typos}


def build(settings: NLUSettings) -> Language:
    """A blank Korean pipeline with our tokenizer and an untrained intent classifier."""
    nlp = spacy.blank("ko", config={"nlp": {"tokenizer": tokenizer_config(settings)}})
    c = settings.classifier
    if c.neighbours_top_n > 0 and settings.tokenizer == "kiwi":
        nlp.add_pipe("bokji_neighbours", config={
            "top_n": c.neighbours_top_n, "min_similarity": c.neighbours_min_similarity})
    textcat = nlp.add_pipe("textcat", config={"model": {
        "@architectures": "bokji.MorphCharBOW.v1", "exclusive_classes": True,
        "morph_ngrams": c.morph_ngrams, "char_ngrams": list(c.char_ngrams), "length": c.hash_size,
        "normalize": c.normalize, "l2_scale": c.l2_scale,
    }})
    for intent in INTENTS:
        textcat.add_label(intent)  # type: ignore[attr-defined]
    return nlp
