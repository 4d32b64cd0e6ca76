"""`bokji chat`: the console channel, for trying the bot and for scripts.

On a terminal it is an interactive chat with rich formatting; with stdin not a terminal each
input line is one resident message and the replies are plain text, with quick replies as one
line `[1] 예  [2] 아니요` (the contract), so stories and shell scripts can drive it.
A caseworker's replies from the dashboard arrive through the console's outbound stream and
are printed as they come, marked `[상담원]`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from typing import TextIO

from redis.exceptions import RedisError
from rich.console import Console
from rich.panel import Panel

from bot.dialogue.service import Service
from bot.dialogue.state import Reply, Turn
from bot.store import keys
from bot.store.connection import UNAVAILABLE
from bot.store.outbox import Outgoing

CHANNEL = "console"
RELAY_BLOCK_MS = 300   # how long one read of the outbound stream waits (and a quit waits)
log = logging.getLogger("bokji.console")


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
    """Greet, then one turn per line until end of input (or 종료/exit on a terminal), while
    a caseworker's messages to this chat are printed as they come.
    `on_turn` sees each turn as well."""
    console = Console(file=stdout, highlight=False) if interactive else None
    render: Callable[[Turn], None] = (lambda t: pretty(t, console)) if console \
        else (lambda t: plain(t, stdout))

    def show(turn: Turn) -> None:
        render(turn)
        if on_turn is not None:
            on_turn(turn)

    def show_outgoing(message: Outgoing) -> None:
        reply = Reply(text=message.text, choices=message.choices)
        title = "상담원" if message.source == "caseworker" else "복지 길잡이"
        if console:
            body = reply.text + ("\n\n" + choices_line(reply).replace("[", r"\[")
                                 if reply.choices else "")
            console.print(Panel(body, title=title, title_align="left", border_style="green"))
        else:
            stdout.write(f"[{title}] {reply.text}\n")
            if reply.choices:
                stdout.write(choices_line(reply) + "\n")
            stdout.flush()

    show(await service.start(CHANNEL, chat_id))
    stop = asyncio.Event()
    relay = asyncio.create_task(_relay(service, chat_id, show_outgoing, stop))
    loop = asyncio.get_running_loop()
    try:
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
    finally:
        stop.set()  # the reader notices within one XREAD wait; never cancelled mid-command
        await relay


async def _relay(service: Service, chat_id: str, show: Callable[[Outgoing], None],
                 stop: asyncio.Event) -> None:
    """Print this chat's messages from the console's outbound stream (a caseworker's reply,
    the notice that the case closed), from where this chat last stopped reading."""
    redis = service.queue.redis
    stream, cursor_key = keys.outbox_stream(CHANNEL), keys.console_cursor(chat_id)
    try:
        cursor = await redis.get(cursor_key)
        if cursor is None:  # a new chat: what comes from now on
            last = await redis.xrevrange(stream, count=1)
            cursor = last[0][0] if last else "0-0"
        while not stop.is_set():
            found = await redis.xread({stream: cursor}, block=RELAY_BLOCK_MS, count=50)
            for entry_id, fields in found[0][1] if found else []:
                cursor = entry_id
                message = Outgoing.from_fields(fields)
                if message.chat_id == chat_id:
                    show(message)
            if found:
                await redis.set(cursor_key, cursor, ex=service.conversations.ttl)
    except (*UNAVAILABLE, RedisError) as exc:  # the chat goes on; only the relay stops
        log.error("console relay stopped: %s", type(exc).__name__)


def is_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()
