"""`bokji telegram`: the Telegram channel, long polling (default) or a webhook server.

Environment (the contract): TELEGRAM_BOT_TOKEN (required), TELEGRAM_API_BASE_URL (a local
Bot API server, e.g. http://127.0.0.1:8081/bot), REDIS_URL (embedded Redis otherwise), and
for webhooks TELEGRAM_WEBHOOK_SECRET (the token Telegram sends back in a header).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.settings import Settings, TelegramSettings, get_settings

err = Console(stderr=True, highlight=False, soft_wrap=True)
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts


def make_bot(token: str, base_url: str | None, settings: TelegramSettings):  # type: ignore[no-untyped-def]
    """A Bot with a connection pool for concurrent chats and its own for long polling."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    request = HTTPXRequest(connection_pool_size=settings.max_concurrent_chats + 8,
                           pool_timeout=10, connect_timeout=5, read_timeout=10, write_timeout=10)
    polling = HTTPXRequest(connection_pool_size=1, connect_timeout=5,
                           read_timeout=settings.poll_timeout_seconds + 10)
    return Bot(token, base_url=base_url or "https://api.telegram.org/bot", request=request,
               get_updates_request=polling)


def wording_registry(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.channels.telegram.wording import FILE, load_wording
    from bot.hotreload import HotReload

    folder: Path = settings.resolve(settings.dialogue.responses)
    return HotReload("telegram wording", lambda: [folder / FILE], lambda: load_wording(folder),
                     settings.rules.reload_check_seconds)


def telegram_command(
    webhook: Annotated[bool, typer.Option("--webhook", help="serve a webhook instead of "
                                          "long polling")] = False,
    host: Annotated[str, typer.Option(help="webhook: address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="webhook: port to listen on")] = 8080,
    public_url: Annotated[str | None, typer.Option(
        "--public-url", help="webhook: the https URL Telegram reaches this server at; when "
        "given, the webhook is registered with Telegram (setWebhook)")] = None,
) -> None:
    """Run the bot on Telegram (several may run against one Redis; see README)."""
    from bot.channels.telegram.worker import Worker
    from bot.dialogue.runtime import build_dialogue, build_runtime
    from bot.nlu.commands import load_nlu
    from bot.store.connection import StoreUnavailable

    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        err.print("bokji telegram: set TELEGRAM_BOT_TOKEN (from @BotFather)", markup=False)
        raise typer.Exit(2)
    secret = os.environ.get("TELEGRAM_WEBHOOK_SECRET", "")
    if webhook and not SECRET_PATTERN.match(secret):
        err.print("bokji telegram --webhook: set TELEGRAM_WEBHOOK_SECRET to 1-256 characters "
                  "of A-Z, a-z, 0-9, _ and -", markup=False)
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its lines carry the bot token
    settings = get_settings()
    nlu = load_nlu()
    wording = wording_registry(settings)
    wording.current()  # a broken file stops the start with its file:line, not a resident

    async def main() -> None:
        from telegram.error import InvalidToken, TelegramError

        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump_tasks)
        try:
            runtime = await build_runtime(settings, build_dialogue(settings, nlu))
        except StoreUnavailable as exc:
            err.print(f"bokji telegram: {exc}", markup=False)
            raise typer.Exit(1) from None
        bot = make_bot(token, os.environ.get("TELEGRAM_API_BASE_URL"), settings.telegram)
        worker = Worker(bot, runtime.service, wording.current, settings)
        try:
            if webhook:
                await _serve_webhook(worker, bot, secret, host, port, public_url, settings)
            else:
                await _poll(worker)
        except InvalidToken:
            err.print("bokji telegram: Telegram refused the token (check TELEGRAM_BOT_TOKEN)",
                      markup=False)
            raise typer.Exit(1) from None
        except TelegramError as exc:
            err.print(f"bokji telegram: Telegram: {exc}", markup=False)
            raise typer.Exit(1) from None
        finally:
            await runtime.close()

    asyncio.run(main())


def dump_tasks() -> None:
    """SIGUSR1: every asyncio task's stack in the log, for an operator whose worker seems
    stuck (no message text: stacks show code, not data)."""
    import traceback

    log = logging.getLogger("bokji.telegram")
    for task in asyncio.all_tasks():
        frames = task.get_stack(limit=12)
        lines = "".join(traceback.format_list(traceback.extract_stack(frames[-1])[-12:])) \
            if frames else "  (no frames)\n"
        log.warning("task %s:\n%s", task.get_name(), lines)


async def _poll(worker) -> None:  # type: ignore[no-untyped-def]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await worker.start(poll=True)
    logging.getLogger("bokji.telegram").info("polling as @%s", worker.me.username)
    try:
        await stop.wait()
    finally:
        await worker.stop()


async def _serve_webhook(worker, bot, secret: str, host: str, port: int,  # type: ignore[no-untyped-def]
                         public_url: str | None, settings: Settings) -> None:
    import uvicorn

    from bot.channels.telegram.updates import ALLOWED_UPDATES
    from bot.channels.telegram.webhook import create_app

    path = settings.telegram.webhook_path
    if public_url:
        await bot.initialize()
        await bot.set_webhook(url=public_url.rstrip("/") + path, secret_token=secret,
                              allowed_updates=ALLOWED_UPDATES)
    app = create_app(worker, secret, path)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="on")
    logging.getLogger("bokji.telegram").info("webhook on http://%s:%d%s", host, port, path)
    await uvicorn.Server(config).serve()
