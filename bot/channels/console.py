"""`bokji chat`: the console channel, for trying the bot and for scripts.

On a terminal it is an interactive chat with rich formatting; with stdin not a terminal each
input line is one resident message and the replies are plain text, with quick replies as one
line `[1] 예  [2] 아니요` (the contract), so stories and shell scripts can drive it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.panel import Panel

from bot.dialogue.service import Service
from bot.dialogue.state import Reply, Turn

CHANNEL = "console"


def choices_line(reply: Reply) -> str:
    return "  ".join(f"[{i}] {c.label}" for i, c in enumerate(reply.choices, 1))


def plain(turn: Turn, out: TextIO) -> None:
    for reply in turn.replies:
        out.write(reply.text + "\n")
        if reply.choices:
            out.write(choices_line(reply) + "\n")
    out.flush()


def pretty(turn: Turn, console: Console) -> None:
    for reply in turn.replies:
        body = reply.text
        if reply.choices:
            body += "\n\n[bold]" + choices_line(reply).replace("[", r"\[") + "[/bold]"
        style = "red" if turn.urgent else "cyan"
        console.print(Panel(body, title="복지 길잡이", title_align="left", border_style=style))


async def run(service: Service, chat_id: str, stdin: TextIO, stdout: TextIO,
              interactive: bool, on_turn: Callable[[Turn], None] | None = None) -> None:
    """Greet, then one turn per line until end of input (or 종료/exit on a terminal).
    `on_turn` sees each turn as well (the story runner checks the bot's actions with it)."""
    console = Console(file=stdout, highlight=False) if interactive else None
    render: Callable[[Turn], None] = (lambda t: pretty(t, console)) if console \
        else (lambda t: plain(t, stdout))

    def show(turn: Turn) -> None:
        render(turn)
        if on_turn is not None:
            on_turn(turn)

    show(await service.start(CHANNEL, chat_id))
    loop = asyncio.get_running_loop()
    while True:
        if console:
            console.print("[bold green]나[/bold green] › ", end="")
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        text = line.rstrip("\r\n")
        if interactive and text.strip() in ("종료", "exit", "quit"):
            break
        show(await service.handle(CHANNEL, chat_id, text))


def is_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()
