"""A trained NLU: one call turns a resident's message into intent, urgency and facts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import spacy
from pydantic import BaseModel

import bot.nlu.pipeline  # noqa: F401  (registers the tokenizers and the architecture)
from bot.eligibility.regions import RegionsFile as RulesRegions
from bot.nlu.crisis import CrisisDetector
from bot.nlu.data import CRISIS_INTENTS, read_paths
from bot.nlu.encoder import HEAD_FILE, IntentHead, SecondOpinion, SentenceEncoder
from bot.nlu.entities import EntityExtractor, RegionsFile, load_lexicon
from bot.nlu.language import detect_script
from bot.nlu.normalize import Normalizer
from bot.nlu.urgency import Classifier, Ranking, Thresholds, check_in, decide
from bot.settings import NLUSettings
from bot.yamlio import load_model

CrisisType = Literal["livelihood", "suicide", "abuse"]
TYPE_TO_INTENT = {v: k for k, v in CRISIS_INTENTS.items()}


class EntityOut(BaseModel):
    entity: str
    value: int | str
    start: int
    end: int


class Parse(BaseModel):
    """The contract's `bokji nlu parse` line, plus `language` and the intent ranking."""

    text: str
    intent: str
    confidence: float
    urgent: bool
    crisis_type: CrisisType | None
    entities: list[EntityOut]
    language: str
    ranking: list[tuple[str, float]]
    # not urgent, but leaning toward this crisis: the dialogue asks gently (not in the contract)
    check_in: CrisisType | None = None


class ModelMissing(Exception):
    """No trained model where config.yml says; `bokji train` makes one."""


class NLU:
    """Normaliser → spaCy (tokenizer + classifier) → urgency (crisis patterns, then the
    classifier alone, with the sentence encoder's second opinion where it can change the
    verdict) → entity rules."""

    def __init__(self, model_dir: Path, settings: NLUSettings, rules_regions: Path) -> None:
        meta_path = model_dir / "meta.json"
        if not meta_path.exists():
            raise ModelMissing(f"no NLU model in {model_dir}: run `bokji train`")
        self.meta = json.loads(meta_path.read_text(encoding="utf-8"))
        self.settings = settings
        self.nlp = spacy.load(model_dir / "spacy")
        self.classifier = Classifier(self.nlp, float(self.meta.get("temperature", 1.0)),
                                     settings.max_chars)
        chosen = settings.thresholds.classifier_urgent
        # "auto": the threshold training chose on dev (older models: the former setting)
        classifier_urgent = float(self.meta.get("urgency", {}).get("classifier_urgent", 0.7)
                                  if chosen == "auto" else chosen)
        # the sentence encoder's second opinion, with the weight the threshold was chosen for
        self.opinion: SecondOpinion | None = None
        trained_with = self.meta.get("encoder") or {}
        if trained_with and (model_dir / HEAD_FILE).exists():
            head = IntentHead.load(model_dir / HEAD_FILE)
            self.opinion = SecondOpinion(SentenceEncoder(settings.encoder.threads), head,
                                         float(trained_with["weight"]), settings.max_chars)
        self.thresholds = Thresholds(settings.thresholds.topic_urgent, classifier_urgent,
                                     settings.thresholds.classifier_urgent_explained,
                                     self.opinion.weight if self.opinion else 0.0,
                                     settings.thresholds.classifier_check_in)
        patterns = model_dir / "patterns"  # the snapshot trained and evaluated with
        self.normalize = Normalizer.from_file(patterns / "normalize.yml")
        self.crisis = CrisisDetector(patterns / "crisis.yml")
        self.entities = build_extractor(patterns, rules_regions)
        self.nlp("워밍업")  # first call initialises the tokenizer's language model

    def parse(self, text: str) -> Parse:
        norm = self.normalize(text)
        clean = norm.text
        language = detect_script(clean)
        ranking: Ranking = []
        if language in ("ko", "symbols") and clean.strip():
            ranking = self.classifier.rank(clean)
        scanned = self.crisis.scan(clean)  # once: for urgency and for the entities' abuse flag
        crisis_type, source = decide(self.crisis, self.classifier, clean, ranking,
                                     self.thresholds, scanned, self.opinion if ranking else None)
        ask = check_in(ranking, source, self.thresholds) \
            if crisis_type is None and language == "ko" else None
        intent, confidence = ranking[0] if ranking else ("out_of_scope", 0.0)
        if language not in ("ko",):
            intent, confidence = "out_of_scope", 1.0 if language != "symbols" else confidence
        if crisis_type is not None:
            crisis_intent = TYPE_TO_INTENT[crisis_type]
            # A crisis decides what happens next whatever else the message asks.
            confidence = max(dict(ranking).get(crisis_intent, 0.0), 0.95) \
                if intent != crisis_intent else confidence
            intent = crisis_intent
        found = self.entities(clean, abuse=crisis_type == "abuse" or
                              any(hit.type == "abuse" for hit in scanned.hits)) \
            if language in ("ko", "symbols") else []
        entities = []
        for f in found:
            start, end = norm.span(f.start, f.end)
            entities.append(EntityOut(entity=f.entity, value=f.value, start=start, end=end))
        return Parse(text=text, intent=intent, confidence=round(confidence, 4),
                     urgent=crisis_type is not None, crisis_type=crisis_type, entities=entities,
                     language=language, ranking=[(k, round(v, 4)) for k, v in ranking[:3]],
                     check_in=ask)  # type: ignore[arg-type]

def build_extractor(patterns: Path, rules_regions: Path) -> EntityExtractor:
    """Entity rules from the pattern files, the benefit synonyms and the regions of the rules."""
    lexicon = load_lexicon(patterns / "entities.yml")
    regions, _ = load_model(RegionsFile, patterns / "regions.yml")
    rules_regions_file, _ = load_model(RulesRegions, rules_regions)
    aliases: dict[str, str] = {}
    for sido, spec in rules_regions_file.sido.items():
        aliases[sido] = sido
        for alias in spec.aliases:
            aliases[alias] = sido
    synonyms = read_paths([patterns / "synonyms.yml"]).synonyms \
        if (patterns / "synonyms.yml").exists() else {}
    for benefit in set(synonyms.values()):
        synonyms.setdefault(benefit, benefit)
    return EntityExtractor(lexicon, aliases, regions.sigungu, synonyms)
