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


def _with_queue(command: str, work) -> None:  # type: ignore[no-untyped-def]
    """Run `work(queue)` against the configured Redis; a one-line error when it is away."""
    from bot.handoff.cases import HandoffQueue
    from bot.store.connection import StoreUnavailable, connect

    settings = get_settings()

    async def main() -> None:
        try:
            store = await connect(settings.redis_url, settings.resolve(settings.store.embedded_dir),
                                  settings.store.timeout_seconds)
        except StoreUnavailable as exc:
            err.print(f"bokji cases {command}: {exc}", markup=False)
            raise typer.Exit(1) from None
        try:
            await work(HandoffQueue(store.client))
        finally:
            await store.close()

    asyncio.run(main())


@app.command("list")
def list_cases() -> None:
    """Open cases, one JSON object per line, in queue order (priority, then waiting time)."""
    async def work(queue) -> None:  # type: ignore[no-untyped-def]
        for case in await queue.open_cases():
            sys.stdout.write(json.dumps(case.listing(), ensure_ascii=False) + "\n")

    _with_queue("list", work)


@app.command("show")
def show_case(case_id: str) -> None:
    """One case as JSON: reason, profile, results, transcript (personal numbers masked),
    notes and history."""
    async def work(queue) -> None:  # type: ignore[no-untyped-def]
        case = await queue.get(case_id)
        if case is None:
            err.print(f"bokji cases show: no case {case_id!r}", markup=False)
            raise typer.Exit(1)
        sys.stdout.write(case.model_dump_json(indent=2) + "\n")

    _with_queue("show", work)
