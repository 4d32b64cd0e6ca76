"""The rule set a running bot uses, reloaded when rule files change (bot/hotreload.py): a
broken edit is reported with file and line while the last good set keeps answering."""

from __future__ import annotations

from pathlib import Path

from bot.eligibility.loader import load_rules, rule_files
from bot.eligibility.rulebook import RuleSet
from bot.hotreload import HotReload
from bot.yamlio import Problems


def _load(root: Path) -> RuleSet:
    result = load_rules(root)
    if result.rules is None:
        raise Problems(result.problems)
    return result.rules


class RuleRegistry(HotReload[RuleSet]):
    def __init__(self, root: Path, check_interval: float = 1.0) -> None:
        self.root = root
        super().__init__("rule files", lambda: rule_files(root), lambda: _load(root),
                         check_interval)
