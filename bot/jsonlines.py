"""JSON-lines input for the contract's commands: one object per line, errors name the line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any


class LineError(Exception):
    """Bad input on one line; the CLI prints `stdin:N: message` and exits 1."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"stdin:{line}: {message}")
        self.line = line


def read_objects(stream: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LineError(number, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
        if not isinstance(value, dict):
            raise LineError(number, f"expected a JSON object, got {type(value).__name__}")
        yield number, value


def write(obj: Any, stream: IO[str]) -> None:
    stream.write(json.dumps(obj, ensure_ascii=False) + "\n")
    stream.flush()
