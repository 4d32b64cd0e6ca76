"""Hot reload: a running bot picks up edited data files, and a broken edit never takes it down.

The files' modification times and sizes are checked at most once per interval. A load that
fails is reported (log and `problems`, each naming file and line) while the last good value
keeps answering residents. Rule files and the bot's wording both reload this way.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from bot.yamlio import Problem, Problems

log = logging.getLogger("bokji.reload")

T = TypeVar("T")
Signature = tuple[tuple[str, int, int], ...]


def signature(paths: list[Path]) -> Signature:
    """Modification times and sizes of exactly the files a value is built from."""
    entries = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


class HotReload(Generic[T]):
    def __init__(self, what: str, files: Callable[[], list[Path]], load: Callable[[], T],
                 check_interval: float) -> None:
        """`load` raises Problem or Problems on a broken file; at start that is fatal."""
        self.what = what
        self.check_interval = check_interval
        self.problems: list[Problem] = []
        self._files, self._load = files, load
        self._lock = threading.Lock()
        self._next_check = 0.0
        self._signature = signature(files())
        self._value = load()
        self.loaded_at = time.time()

    def current(self) -> T:
        """The newest good value; reloads first if the files changed since the last look."""
        now = time.monotonic()
        if now < self._next_check:
            return self._value
        with self._lock:
            self._next_check = now + self.check_interval
            stamp = signature(self._files())
            if stamp != self._signature:
                self._signature = stamp
                self._reload()
        return self._value

    def _reload(self) -> None:
        try:
            value = self._load()
        except (Problem, Problems) as exc:
            self.problems = exc.problems if isinstance(exc, Problems) else [exc]
            log.warning("%s changed but have %d problem(s); keeping the last good version. "
                        "First: %s", self.what, len(self.problems), self.problems[0])
            return
        self.problems = []
        self._value = value
        self.loaded_at = time.time()
        log.info("%s reloaded", self.what)
