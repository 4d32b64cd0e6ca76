"""The `bokji` command: one entry point, one sub-command group per stage."""

from __future__ import annotations

import sys

import typer

from bot.eligibility.commands import app as rules_app
from bot.yamlio import Problem

app = typer.Typer(help="복지 길잡이 (bokji-bot)", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
app.add_typer(rules_app, name="rules")


def main() -> None:
    """Run the CLI; no maintainer or integrator should ever see a traceback."""
    try:
        app()  # click exits by itself with the command's code and handles usage errors
    except Problem as problem:
        sys.stderr.write(f"{problem}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        sys.stderr.write(f"bokji: internal error: {type(exc).__name__}: {exc}\n")
        sys.exit(2)
