"""The `bokji` command: one entry point, one sub-command group per stage."""

from __future__ import annotations

import sys

import typer

from bot.channels.telegram.commands import telegram_command
from bot.dialogue.commands import chat_command, stories_app
from bot.eligibility.commands import app as rules_app
from bot.handoff.commands import app as cases_app
from bot.handoff.commands import caseworkers_app
from bot.nlu.commands import app as nlu_app
from bot.nlu.commands import train_command
from bot.web.commands import dashboard
from bot.yamlio import Problem, Problems

app = typer.Typer(help="복지 길잡이 (bokji-bot)", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
app.add_typer(rules_app, name="rules")
app.add_typer(nlu_app, name="nlu")
app.add_typer(stories_app, name="stories")
app.add_typer(cases_app, name="cases")
app.add_typer(caseworkers_app, name="caseworkers")
app.command("train")(train_command)
app.command("chat")(chat_command)
app.command("telegram")(telegram_command)
app.command("dashboard")(dashboard)


def main() -> None:
    """Run the CLI; no maintainer or integrator should ever see a traceback."""
    try:
        app()  # click exits by itself with the command's code and handles usage errors
    except Problem as problem:
        sys.stderr.write(f"{problem}\n")
        sys.exit(1)
    except Problems as problems:
        sys.stderr.write(f"{problems}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        sys.stderr.write(f"bokji: internal error: {type(exc).__name__}: {exc}\n")
        sys.exit(2)
