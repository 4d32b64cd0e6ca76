"""`bokji chat` and `bokji stories …`: the console channel and the conversation stories."""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.settings import get_settings

err = Console(stderr=True, highlight=False, soft_wrap=True)
stories_app = typer.Typer(help="대화 시나리오(stories): 점검과 실행.", no_args_is_help=True,
                          add_completion=False)


def _quiet_logs() -> None:
    # Logs go to stderr and never carry message text; keep the console readable.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


def chat_command(
    chat_id: Annotated[str | None, typer.Option("--id", help="conversation id (default: your "
                                                "user name); the same id continues a chat")]
    = None,
    new: Annotated[bool, typer.Option("--new", help="forget this conversation first")] = False,
) -> None:
    """Chat with the bot in the console (plain lines when stdin is not a terminal)."""
    from bot.channels.console import CHANNEL, is_terminal, run
    from bot.dialogue.runtime import build_runtime
    from bot.nlu.commands import load_nlu
    from bot.store.connection import StoreUnavailable

    _quiet_logs()
    settings = get_settings()
    nlu = load_nlu()

    async def main() -> None:
        from bot.dialogue.runtime import build_dialogue

        try:
            runtime = await build_runtime(settings, build_dialogue(settings, nlu))
        except StoreUnavailable as exc:
            err.print(f"bokji chat: {exc}", markup=False)
            raise typer.Exit(1) from None
        cid = chat_id or getpass.getuser()
        try:
            if new:
                await runtime.service.conversations.delete(f"{CHANNEL}:{cid}")
            await run(runtime.service, cid, sys.stdin, sys.stdout, is_terminal())
        finally:
            await runtime.close()

    asyncio.run(main())


@stories_app.command("check")
def stories_check(
    paths: Annotated[list[Path] | None, typer.Argument(help="story files (default: stories/)")]
    = None,
) -> None:
    """Validate story files and the bot's wording (file:line on the first problem)."""
    from bot.dialogue.responses import load_responses
    from bot.dialogue.stories import load_stories
    from bot.eligibility.loader import load_rules
    from bot.yamlio import Problems

    settings = get_settings()
    rules = load_rules(settings.rules_path)
    if rules.rules is None:
        raise Problems(rules.problems)
    from bot.channels.telegram.wording import load_wording

    load_responses(settings.resolve(settings.dialogue.responses), rules.rules.facts)
    load_wording(settings.resolve(settings.dialogue.responses))
    stories = load_stories(paths or [settings.resolve(settings.dialogue.stories)])
    err.print(f"{len(stories)} stories and the wording (with Telegram's) are valid")


@stories_app.command("test")
def stories_test(
    paths: Annotated[list[Path] | None, typer.Argument(help="story files (default: stories/)")]
    = None,
    name: Annotated[str | None, typer.Option("--name", "-k", help="only stories whose name "
                                             "contains this")] = None,
) -> None:
    """Run every story through the console channel against Redis; exit 1 if one fails."""
    from bot.dialogue.stories import load_stories, run_stories
    from bot.nlu.commands import load_nlu
    from bot.store.connection import StoreUnavailable

    _quiet_logs()
    settings = get_settings()
    stories = load_stories(paths or [settings.resolve(settings.dialogue.stories)])
    if name:
        stories = [s for s in stories if name in s.name]
    nlu = load_nlu()
    try:
        results = asyncio.run(run_stories(settings, nlu, stories))
    except StoreUnavailable as exc:
        err.print(f"bokji stories test: {exc}", markup=False)
        raise typer.Exit(1) from None
    failed = [r for r in results if r.problems and not r.story.story.known_issue]
    fixed = [r for r in results if not r.problems and r.story.story.known_issue]
    known = [r for r in results if r.problems and r.story.story.known_issue]
    for result in results:
        issue = result.story.story.known_issue
        mark = ("[yellow]known issue[/yellow]" if result.problems else
                "[red]FIXED? remove known_issue[/red]") if issue else \
            ("[red]FAIL[/red]" if result.problems else "[green]ok[/green]")
        err.print(f"{mark} {result.story.name} ({result.story.where})")
        if issue:
            err.print(f"     known issue: {issue}", markup=False)
        for problem in result.problems:
            err.print(f"     {problem}", markup=False)
    err.print(f"{len(results) - len(failed) - len(known) - len(fixed)} passed, "
              f"{len(failed)} failed, {len(known)} known issues, {len(fixed)} known issues "
              "now passing")
    if failed or fixed:
        raise typer.Exit(1)
