"""Hot reload: a running bot picks up edited rule files, and a broken edit never takes it down.

The registry checks the files' modification times at most once per interval. A set that fails
to load is reported (log and `problems`) while the last good set keeps answering residents.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from bot.eligibility.loader import load_rules, rule_files
from bot.eligibility.rulebook import RuleSet
from bot.yamlio import Problem, Problems

log = logging.getLogger("bokji.rules")

Signature = tuple[tuple[str, int, int], ...]


def _signature(root: Path) -> Signature:
    """Modification times and sizes of exactly the files a rule set is built from."""
    entries = []
    for path in rule_files(root):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


class RuleRegistry:
    def __init__(self, root: Path, check_interval: float = 1.0) -> None:
        self.root = root
        self.check_interval = check_interval
        self.problems: list[Problem] = []
        self.loaded_at = 0.0
        self._lock = threading.Lock()
        self._next_check = 0.0
        self._signature = _signature(root)
        result = load_rules(root)
        if result.rules is None:
            raise Problems(result.problems)
        self._rules: RuleSet = result.rules
        self.loaded_at = time.time()

    def current(self) -> RuleSet:
        """The newest good rule set; reloads first if files changed since the last look."""
        now = time.monotonic()
        if now < self._next_check:
            return self._rules
        with self._lock:
            self._next_check = now + self.check_interval
            signature = _signature(self.root)
            if signature != self._signature:
                self._signature = signature
                self._reload()
        return self._rules

    def _reload(self) -> None:
        result = load_rules(self.root)
        if result.rules is None:
            self.problems = result.problems
            log.warning("rule files changed but have %d problem(s); keeping the last good set. "
                        "First: %s", len(result.problems), result.problems[0])
            return
        self.problems = []
        self._rules = result.rules
        self.loaded_at = time.time()
        log.info("rule files reloaded (%d benefits)", len(result.rules.benefits))
