"""Everything a channel needs, built from config.yml: NLU, rules, wording, Redis, dialogue."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.dialogue.conversation import Dialogue
from bot.dialogue.responses import Responses, load_responses
from bot.dialogue.service import Service
from bot.eligibility.registry import RuleRegistry
from bot.handoff.cases import HandoffQueue
from bot.hotreload import HotReload
from bot.nlu.model import NLU
from bot.settings import Settings
from bot.store.connection import Store, connect
from bot.store.conversations import Conversations


class ResponsesRegistry(HotReload[Responses]):
    """The wording, reloaded when its files change; a broken edit keeps the last good one."""

    def __init__(self, folder: Path, rules: RuleRegistry, interval: float) -> None:
        super().__init__("responses", lambda: sorted(folder.glob("*.yml")),
                         lambda: load_responses(folder, rules.current().facts), interval)


def build_dialogue(settings: Settings, nlu: NLU | None = None) -> Dialogue:
    rules = RuleRegistry(settings.rules_path, settings.rules.reload_check_seconds)
    responses = ResponsesRegistry(settings.resolve(settings.dialogue.responses), rules,
                                  settings.rules.reload_check_seconds)
    nlu = nlu or NLU(settings.model_dir, settings.nlu, settings.rules_path / "regions.yml")
    return Dialogue(nlu, rules.current, responses.current, settings.dialogue,
                    settings.nlu.thresholds.clarify_below,
                    priorities=dict(settings.handoff.priorities))


@dataclass
class Runtime:
    service: Service
    store: Store

    async def close(self) -> None:
        await self.store.close()


async def build_runtime(settings: Settings, dialogue: Dialogue | None = None,
                        redis_url: str | None = None) -> Runtime:
    dialogue = dialogue or build_dialogue(settings)
    store = await connect(redis_url if redis_url is not None else settings.redis_url,
                          settings.resolve(settings.store.embedded_dir),
                          settings.store.timeout_seconds)
    d, s = settings.dialogue, settings.store
    conversations = Conversations(store, d.idle_days, d.transcript_max, s.lock_seconds,
                                  s.lock_wait_seconds)
    return Runtime(Service(dialogue, conversations, HandoffQueue(store.client, settings.handoff)),
                   store)

