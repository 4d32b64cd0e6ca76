"""`bokji cases …`: the handoff queue from the command line (the contract's JSON lines)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from bot.settings import get_settings

err = Console(stderr=True, highlight=False, soft_wrap=True)
app = typer.Typer(help="상담 요청(handoff cases).", no_args_is_help=True, add_completion=False)


def _with_redis(command: str, work) -> None:  # type: ignore[no-untyped-def]
    """Run `work(redis)` against the configured Redis; a one-line error when it is away or
    the work is refused (AccountError)."""
    from bot.handoff.accounts import AccountError
    from bot.store.connection import StoreUnavailable, connect

    settings = get_settings()

    async def main() -> None:
        try:
            store = await connect(settings.redis_url, settings.resolve(settings.store.embedded_dir),
                                  settings.store.timeout_seconds)
        except StoreUnavailable as exc:
            err.print(f"bokji {command}: {exc}", markup=False)
            raise typer.Exit(1) from None
        try:
            await work(store.client)
        except AccountError as exc:
            err.print(f"bokji {command}: {exc}", markup=False)
            raise typer.Exit(1) from None
        finally:
            await store.close()

    asyncio.run(main())


@app.command("list")
def list_cases() -> None:
    """Open cases, one JSON object per line, in queue order (priority, then waiting time)."""
    from bot.handoff.cases import HandoffQueue

    async def work(redis) -> None:  # type: ignore[no-untyped-def]
        for case in await HandoffQueue(redis).open_cases():
            sys.stdout.write(json.dumps(case.listing(), ensure_ascii=False) + "\n")

    _with_redis("cases list", work)


@app.command("show")
def show_case(case_id: str) -> None:
    """One case as JSON: reason, profile, results, transcript (personal numbers masked),
    notes and history."""
    from bot.handoff import audit
    from bot.handoff.cases import HandoffQueue

    async def work(redis) -> None:  # type: ignore[no-untyped-def]
        case = await HandoffQueue(redis).get(case_id)
        if case is None:
            err.print(f"bokji cases show: no case {case_id!r}", markup=False)
            raise typer.Exit(1)
        await audit.record(redis, f"cli:{_operator()}", "view", case_id)
        sys.stdout.write(case.model_dump_json(indent=2) + "\n")

    _with_redis("cases show", work)


@app.command("audit")
def audit_log(
    case: Annotated[str | None, typer.Option("--case", help="only this case's lines")] = None,
    count: Annotated[int, typer.Option(help="the newest this many lines")] = 1000,
) -> None:
    """The audit log, oldest first, one JSON object per line: id, at, who, action, case_id,
    detail (never message text)."""
    from bot.handoff import audit

    async def work(redis) -> None:  # type: ignore[no-untyped-def]
        for entry in await audit.read(redis, case, count=count):
            sys.stdout.write(entry.model_dump_json() + "\n")

    _with_redis("cases audit", work)


def _operator() -> str:
    """Who ran the command, for the audit log."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


caseworkers_app = typer.Typer(help="상담원 계정.", no_args_is_help=True, add_completion=False)


@caseworkers_app.command("add")
def add_caseworker(
    name: str,
    supervisor: Annotated[bool, typer.Option("--supervisor", help="may see every case and "
                                             "reassign")] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password "
                                                 "from stdin (scripts)")] = False,
) -> None:
    """Create an account; the password is asked for twice (hidden), never given as an
    argument (it would stay in the shell history)."""
    from bot.handoff.accounts import Accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)

    async def work(redis) -> None:  # type: ignore[no-untyped-def]
        account = await Accounts(redis).add(name, password,
                                            "supervisor" if supervisor else "caseworker")
        err.print(f"added {account.role} {account.name}", markup=False)

    _with_redis("caseworkers add", work)


@caseworkers_app.command("list")
def list_caseworkers() -> None:
    """Accounts, one JSON object per line (name, role, active, created_at)."""
    from bot.handoff.accounts import Accounts

    async def work(redis) -> None:  # type: ignore[no-untyped-def]
        for account in await Accounts(redis).all():
            sys.stdout.write(json.dumps(account.public(), ensure_ascii=False) + "\n")

    _with_redis("caseworkers list", work)


@caseworkers_app.command("disable")
def disable_caseworker(name: str) -> None:
    """Stop an account from logging in (it stays in case histories)."""
    from bot.handoff.accounts import Accounts

    async def work(redis) -> None:  # type: ignore[no-untyped-def]
        await Accounts(redis).disable(name)
        err.print(f"disabled {name}", markup=False)

    _with_redis("caseworkers disable", work)
