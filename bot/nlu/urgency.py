"""Whether a message is urgent: one decision, used when parsing and when training.

Patterns come first (bot/nlu/crisis.py): an act ("남편이 때려요") is urgent on its own; a topic
word ("학대") when the classifier leans to a crisis too. Where no pattern speaks, the classifier
alone makes a message urgent when its crisis intents together are likely enough.

How likely is "enough" depends on the classifier's calibration, which moves whenever the data
does (a harder dev split raised the softmax temperature from 0.6 to 0.8, and a threshold set
by hand for the old one silently lost crises). So training chooses it, like the temperature:
on the dev split, with the model that has not seen it, the highest threshold that still
catches `classifier_urgent_recall` of the dev crises no pattern catches. The choice is kept
in the model's meta.json, with the figures it was chosen on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.nlu.crisis import CrisisDetector, Lean, Scan, first_type
from bot.nlu.data import CRISIS_INTENTS

Ranking = list[tuple[str, float]]

_EDGE = " \t\n.!?…~ㅠㅜㅋㅎ"
_SENTENCE_END = re.compile(r"[.!?…\n]+|(?<=[요다죠까네])\s+|[ㅠㅜ]{2,}\s*")


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence holding text[start:end] (punctuation, or a polite or plain
    sentence ending followed by a space, ends a sentence: residents often leave out the dot)."""
    s, e = 0, len(text)
    for m in _SENTENCE_END.finditer(text):
        if m.end() <= start:
            s = m.end()
        elif m.start() >= end:
            e = m.start()
            break
    return s, e


def crisis_mass(ranking: Ranking) -> float:
    return sum(p for intent, p in ranking if intent in CRISIS_INTENTS)


class Classifier:
    """The trained spaCy text categorizer with its calibrated softmax."""

    def __init__(self, nlp: Any, temperature: float, max_chars: int,
                 docs: dict[str, Any] | None = None) -> None:
        self.nlp = nlp
        self.temperature = temperature
        self.max_chars = max_chars
        self.docs = docs or {}  # texts tokenised already (training's dev split)

    def rank(self, text: str) -> Ranking:
        cats = self.nlp(self.docs.get(text) or text[:self.max_chars]).cats
        t = self.temperature
        logs = {k: math.log(max(v, 1e-12)) / t for k, v in cats.items()}
        top = max(logs.values())
        exp = {k: math.exp(v - top) for k, v in logs.items()}
        total = sum(exp.values())
        return sorted(((k, v / total) for k, v in exp.items()), key=lambda kv: -kv[1])

    def lean(self, text: str, ranking: Ranking, enough: float) -> Lean:
        """How much the classifier leans to any crisis: on the whole message, or on the
        sentence a topic word stands in, whichever is more (a disclosure at the end of a long
        question is not outvoted by the question). Sentences are classified only when asked."""
        whole = crisis_mass(ranking)

        def lean(start: int, end: int) -> float:
            if whole >= enough:
                return whole
            s, e = sentence_around(text, start, end)
            if not text[:s].strip(_EDGE) and not text[e:].strip(_EDGE):
                return whole  # the sentence is the message
            return max(whole, crisis_mass(self.rank(text[s:e])))

        return lean


# the sentence encoder's crisis probabilities for a text (bot/nlu/encoder.py, SecondOpinion)
Opinion = Callable[[str], dict[str, float]]


def blend(ranking: Ranking, opinion: dict[str, float] | None, weight: float) -> dict[str, float]:
    """The crisis intents' probabilities: the classifier's, or averaged with the encoder's."""
    ours = {intent: p for intent, p in ranking if intent in CRISIS_INTENTS}
    if opinion is None:
        return ours
    return {intent: (1 - weight) * ours.get(intent, 0.0) + weight * opinion.get(intent, 0.0)
            for intent in CRISIS_INTENTS}


def classifier_crisis(ranking: Ranking, threshold: float, text: str = "",
                      opinion: Opinion | None = None, weight: float = 0.0) -> str | None:
    """The classifier alone: the crisis intents together, so that a message torn between two
    crises (a husband who drinks and says he will die) still counts.

    With a second opinion (the sentence encoder), the two are averaged with `weight` for the
    encoder. The encoder costs about 15 ms, so it is asked only when its answer can change
    the verdict: below (threshold - weight) / (1 - weight) not even its full certainty would
    reach the threshold, and at threshold / (1 - weight) not even its full doubt would keep
    the message under it. The verdict is the same as if it had always been asked.
    """
    probs = blend(ranking, None, 0.0)
    if opinion is not None and weight > 0:
        ours = sum(probs.values())
        if (1 - weight) * ours + weight < threshold:
            return None
        if (1 - weight) * ours < threshold:
            probs = blend(ranking, opinion(text), weight)
    if sum(probs.values()) < threshold:
        return None
    return CRISIS_INTENTS[max(probs, key=probs.__getitem__)] if probs else None


@dataclass(frozen=True)
class Thresholds:
    topic: float       # a topic word needs this much lean
    classifier: float  # the classifier alone, where no pattern spoke
    explained: float   # the classifier alone, where every crisis word was explained away
    encoder_weight: float = 0.0  # the sentence encoder's share in the classifier's verdict
    check_in: float = 1.01       # under the urgent bar, ask gently from here (1.01: never)


def decide(crisis: CrisisDetector, classifier: Classifier | None, text: str, ranking: Ranking,
           thresholds: Thresholds, scanned: Scan | None = None, opinion: Opinion | None = None
           ) -> tuple[str | None, str | None]:
    """(crisis type, what found it: "pattern" or "classifier"), or (None, "explained") when
    crisis words were there and every one was explained away, else (None, None)."""
    lean = classifier.lean(text, ranking, thresholds.topic) if classifier and ranking else None
    hits, explained = crisis.assess(text, lean, thresholds.topic, scanned)
    found = first_type(hits)
    if found:
        return found, "pattern"
    if explained:
        # every crisis word was explained away: the classifier alone, at its own bar (the
        # encoder's average pulled two dev crises it had caught at 0.9 under that bar)
        found = classifier_crisis(ranking, max(thresholds.explained, thresholds.classifier))
        if not found:
            return None, "explained"
    else:
        found = classifier_crisis(ranking, thresholds.classifier, text, opinion,
                                  thresholds.encoder_weight)
    return (found, "classifier") if found else (None, None)


def check_in(ranking: Ranking, source: str | None, thresholds: Thresholds) -> str | None:
    """The crisis to ask about when a message is not urgent but the classifier leans toward
    one: a gentle question with the hotline, no case. Missing a crisis is the worst error,
    and asking directly is what suicide-prevention gatekeepers are taught to do, so the floor
    sits under every dev crisis the shipped-style model scores (BENCHMARKS.md, "Safety
    check-in").

    Where every crisis word was explained away, the classifier mostly reacts to those words
    ("더워 죽겠다"), so the floor there is the classifier's own urgent bar: a message it would
    have called urgent had the patterns not explained its words is asked about, not passed
    over. A calm frame can be wrong about the writer ("예전엔 … 무서웠는데 이제는 괜찮아요
    담담해요"); on dev it costs a question to 23 of 5,119 calm messages (BENCHMARKS.md,
    "Check-in where the words were explained away")."""
    if source == "explained":
        return classifier_crisis(ranking, thresholds.classifier)
    if source is not None:
        return None
    return classifier_crisis(ranking, thresholds.check_in)


@dataclass
class Calibration:
    threshold: float
    crises: int         # dev crises that no pattern catches
    caught: int         # … of which the classifier catches at the threshold
    calm: int           # dev messages that are not crises and no pattern flags
    false_urgent: int   # … of which the classifier flags at the threshold

    def as_json(self) -> dict[str, float | int]:
        return {"classifier_urgent": round(self.threshold, 4), "dev_crises_left": self.crises,
                "dev_crises_caught": self.caught, "dev_calm_left": self.calm,
                "dev_false_urgent": self.false_urgent}


def calibrate(examples: Iterable[tuple[str, bool]], crisis: CrisisDetector,
              classifier: Classifier, topic_min: float, explained: float, recall: float,
              floor: float, ceiling: float, opinions: dict[str, dict[str, float]] | None = None,
              weight: float = 0.0) -> Calibration:
    """The highest threshold in [floor, ceiling] catching `recall` of the dev crises that the
    patterns leave to the classifier. `examples` are (normalised text, is a crisis). Messages
    whose crisis words were all explained away keep their own, higher bar. `opinions` are the
    sentence encoder's crisis probabilities by text, averaged in with `weight`."""
    crisis_masses: list[float] = []
    calm_masses: list[float] = []
    for text, is_crisis in examples:
        if not text.strip():
            continue
        ranking = classifier.rank(text)
        hits, was_explained = crisis.assess(text, classifier.lean(text, ranking, topic_min),
                                            topic_min)
        if hits:
            continue
        if was_explained:
            mass = crisis_mass(ranking)  # the classifier alone, as decide() asks it
            mass = mass if mass >= explained else 0.0  # below its bar, at no threshold
        else:
            mass = sum(blend(ranking, opinions.get(text) if opinions else None,
                             weight).values())
        (crisis_masses if is_crisis else calm_masses).append(mass)
    crisis_masses.sort(reverse=True)
    if crisis_masses:
        needed = math.ceil(recall * len(crisis_masses))  # this many must be caught
        threshold = crisis_masses[max(0, needed - 1)]
    else:
        threshold = ceiling
    threshold = min(ceiling, max(floor, threshold))
    return Calibration(threshold, len(crisis_masses),
                       sum(m >= threshold for m in crisis_masses), len(calm_masses),
                       sum(m >= threshold for m in calm_masses))
