"""`bokji dashboard`: the caseworker dashboard, and the handoff watch (SLA, notices) with it.

It needs no NLU model (only the rule files, for labels, and the wording, for the notice a
resident gets when their case closes), so it starts in a second and runs beside the bot.
Environment: REDIS_URL (embedded Redis otherwise, the bot's own folder), and for notices to
the caseworkers' Telegram chat TELEGRAM_BOT_TOKEN (+ TELEGRAM_API_BASE_URL) with
`handoff.notify_chat_id` in config.yml.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Annotated

import typer
from rich.console import Console

from bot.settings import Settings, get_settings

err = Console(stderr=True, highlight=False, soft_wrap=True)


def build(settings: Settings, redis):  # type: ignore[no-untyped-def]
    """The app and the watch for a connected Redis (tests build them the same way)."""
    from bot.dialogue.conversation import closed_reply
    from bot.dialogue.runtime import ResponsesRegistry
    from bot.eligibility.registry import RuleRegistry
    from bot.handoff.watch import Watch, telegram_notifier
    from bot.web.app import create_app

    interval = settings.rules.reload_check_seconds
    rules = RuleRegistry(settings.rules_path, interval)
    responses = ResponsesRegistry(settings.resolve(settings.dialogue.responses), rules, interval)
    responses.current()  # a broken wording file stops the start with its file:line
    app = create_app(redis, settings, rules.current,
                     lambda: closed_reply(responses.current().messages))
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    notify = None
    if settings.handoff.notify_chat_id and token:
        notify = telegram_notifier(token, os.environ.get("TELEGRAM_API_BASE_URL"),
                                   settings.handoff.notify_chat_id)
    link = settings.web.public_url or f"http://localhost:{settings.web.port}"
    watch = Watch(redis, settings.handoff, link, notify, settings.store.lock_seconds)
    return app, watch


def dashboard(
    host: Annotated[str | None, typer.Option(help="Address to listen on (config: web.host).")]
    = None,
    port: Annotated[int | None, typer.Option(help="Port (config: web.port).")] = None,
) -> None:
    """The caseworker dashboard in the browser: queue, cases, replies (see README)."""
    import uvicorn

    from bot.handoff.commands import _with_redis
    from bot.store import keys

    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its lines carry the bot token
    settings = get_settings()
    host = host or settings.web.host
    port = port or settings.web.port
    if settings.handoff.notify_chat_id and not os.environ.get("TELEGRAM_BOT_TOKEN"):
        err.print("bokji dashboard: handoff.notify_chat_id is set but TELEGRAM_BOT_TOKEN is "
                  "not: no Telegram notices", markup=False)

    async def work(redis) -> None:  # type: ignore[no-untyped-def]
        app, watch = build(settings, redis)
        if not await redis.hlen(keys.ACCOUNTS):
            err.print("bokji dashboard: no caseworker accounts yet; add one with "
                      "`bokji caseworkers add NAME` (or --supervisor)", markup=False)
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                               access_log=False))
        watching = asyncio.create_task(watch.run())
        err.print(f"dashboard: http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}"
                  f":{port}  (Ctrl+C to stop)", markup=False)
        try:
            await server.serve()
        finally:
            watch.stop()
            await watching

    try:
        _with_redis("dashboard", work)
    except OSError as exc:  # the port is taken, say
        err.print(f"bokji dashboard: {exc.strerror or exc}", markup=False)
        raise typer.Exit(1) from None
