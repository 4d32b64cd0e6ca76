"""`bokji cases …`: the handoff queue from the command line (the contract's JSON lines)."""

from __future__ import annotations

import asyncio
import json
import sys

import typer
from rich.console import Console

from bot.settings import get_settings

err = Console(stderr=True, highlight=False, soft_wrap=True)
app = typer.Typer(help="상담 요청(handoff cases).", no_args_is_help=True, add_completion=False)


@app.command("list")
def list_cases() -> None:
    """Open cases, one JSON object per line, in queue order (priority, then waiting time)."""
    from bot.handoff.cases import HandoffQueue
    from bot.store.connection import StoreUnavailable, connect

    settings = get_settings()

    async def main() -> None:
        try:
            store = await connect(settings.redis_url, settings.resolve(settings.store.embedded_dir),
                                  settings.store.timeout_seconds)
        except StoreUnavailable as exc:
            err.print(f"bokji cases list: {exc}", markup=False)
            raise typer.Exit(1) from None
        try:
            for case in await HandoffQueue(store.client).open_cases():
                sys.stdout.write(json.dumps(case.listing(), ensure_ascii=False) + "\n")
        finally:
            await store.close()

    asyncio.run(main())
