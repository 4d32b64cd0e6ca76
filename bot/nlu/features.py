"""The intent classifier's model: a linear bag of morphemes and characters.

Why this shape: residents' messages are short, noisy and often unspaced. Morpheme n-grams
(from Kiwi) carry meaning and grammar ("죽/VV 고/EC 싶/VX" against "죽/VX 겠/EP"); character
n-grams of the text without spaces survive typos and missing spaces that break morphemes.
A hashed sparse linear layer over both trains in seconds and answers in well under a
millisecond, which a transformer on a 2-core machine would not. It is spaCy's BOW text
classifier with a different feature extractor, so spaCy's TextCategorizer trains, saves and
loads it unchanged.
"""

from __future__ import annotations

from functools import partial

import numpy
from spacy.ml.models.textcat import resize_and_set_ref
from spacy.strings import hash_string
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Logistic, Model, SparseLinear, chain, resizable, softmax_activation
from thinc.layers.resizable import resize_linear_weighted
from thinc.types import Floats2d

NEG_VALUE = -5000
# cached on a training doc (every epoch sees it again), as spaCy's BOW classifier does
FEATURES_CACHE_KEY = "bokji_features"


def doc_features(doc: Doc, morph_ngrams: int, char_ngrams: tuple[int, ...]) -> list[str]:
    """The feature strings of one message."""
    feats: list[str] = []
    morphs = doc._.morphs or [f"{t.text}/{t.tag_}" for t in doc]
    forms = [m.rsplit("/", 1)[0] for m in morphs]
    feats.extend("m:" + m for m in morphs)
    feats.extend("f:" + f for f in forms)
    for n in range(2, morph_ngrams + 1):
        feats.extend(f"m{n}:" + "|".join(morphs[i:i + n]) for i in range(len(morphs) - n + 1))
    compact = "^" + doc.text.replace(" ", "").lower() + "$"
    for n in char_ngrams:
        feats.extend(f"c{n}:" + compact[i:i + n] for i in range(len(compact) - n + 1))
    # set by the bokji_neighbours component (bot/nlu/neighbours.py) when the pipeline has one
    feats.extend("n:" + m for m in getattr(doc._, "neighbours", None) or ())
    return feats


def feature_values(counts: numpy.ndarray, l2_scale: float | None) -> numpy.ndarray:
    """Log-scaled counts, optionally scaled to a fixed length.

    log1p: a repeated syllable should not outvote the rest. The L2 scaling is there because
    without it a long message adds up many small weights: a calm life story of 300 characters
    reached a crisis score of 1.0 on its length alone. At unit length times ``l2_scale`` every
    message speaks with one voice, whatever its length (dev, three seeds: classifier false
    alarms 64 -> 56, missed crises 3 -> 2; BENCHMARKS.md, "Feature scaling").
    """
    vals = numpy.log1p(counts).astype("float32")
    if l2_scale is not None and len(vals):
        vals *= numpy.float32(l2_scale / max(1e-6, float(numpy.sqrt(numpy.dot(vals, vals)))))
    return vals


def extract_features(morph_ngrams: int, char_ngrams: tuple[int, ...],
                     l2_scale: float | None = None) -> Model:
    def forward(model: Model, docs: list[Doc], is_train: bool):  # type: ignore[no-untyped-def]
        batch_keys, batch_vals, lengths = [], [], []
        for doc in docs:
            cached = doc.user_data.get(FEATURES_CACHE_KEY)  # training sees each doc every epoch
            if cached is None:
                feats = doc_features(doc, morph_ngrams, char_ngrams)
                keys = numpy.fromiter((hash_string(f) for f in feats), dtype="uint64",
                                      count=len(feats))
                keys, counts = numpy.unique(keys, return_counts=True)
                cached = (keys, feature_values(counts, l2_scale))
                if is_train:
                    doc.user_data[FEATURES_CACHE_KEY] = cached
            batch_keys.append(cached[0])
            batch_vals.append(cached[1])
            lengths.append(len(cached[0]))
        keys = numpy.concatenate(batch_keys) if batch_keys else numpy.zeros(0, dtype="uint64")
        vals = numpy.concatenate(batch_vals) if batch_vals else numpy.zeros(0, dtype="float32")
        out = (model.ops.asarray(keys), model.ops.asarray(vals),
               model.ops.asarray(lengths, dtype="int32"))

        def backprop(dY):  # type: ignore[no-untyped-def]
            return []

        return out, backprop

    return Model("extract_features", forward,
                 attrs={"morph_ngrams": morph_ngrams, "char_ngrams": char_ngrams,
                        "l2_scale": l2_scale})


@registry.architectures("bokji.MorphCharBOW.v1")
def build_morph_char_bow(exclusive_classes: bool = True, morph_ngrams: int = 2,
                         char_ngrams: list[int] = (1, 2, 3),  # type: ignore[assignment]
                         length: int = 2**18, nO: int | None = None,
                         normalize: str = "none", l2_scale: float = 4.0,
                         ) -> Model[list[Doc], Floats2d]:
    # "none" by default: a model saved before the option existed loads as it was trained
    # (config.yml chooses "l2" for new models); checked here too because a saved model's
    # config.cfg reaches this function without passing through the settings schema
    if normalize not in ("none", "l2"):
        raise ValueError(f"normalize must be 'none' or 'l2', not {normalize!r}")
    # thinc's SparseLinear.v1 on purpose. It indexes a class's weight of a feature at
    # W[hash + class] (thinc issue #752), so the classes share about `length` weights among
    # them; SparseLinear.v2 (as in spaCy's TextCatBOW.v3) gives each class its own. On dev,
    # v2 is sharper: more accurate and fewer calm messages flagged at 0.335, but the veiled
    # crises it is unsure of fall to 0.09-0.12, under even the safety check-in, where v1
    # keeps them at 0.24 or more (BENCHMARKS.md, "Averaged fits and a CNN beside the bag").
    sparse_linear = SparseLinear(nO=nO, length=length)
    resizable_layer = resizable(
        sparse_linear,
        resize_layer=partial(resize_linear_weighted, fill_defaults={"b": NEG_VALUE, "W": 0}),
    )
    output = softmax_activation() if exclusive_classes else Logistic()
    model = chain(extract_features(morph_ngrams, tuple(char_ngrams),
                                   l2_scale if normalize == "l2" else None),
                  resizable_layer, output)
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", sparse_linear)
    model.attrs["multi_label"] = not exclusive_classes
    model.attrs["resize_output"] = partial(resize_and_set_ref, resizable_layer=resizable_layer)
    return model
