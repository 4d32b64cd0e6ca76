"""What the bot says on Telegram only (responses/telegram.yml): schema and placeholder checks.

A conversation designer who writes `{idle_day}` for `{idle_days}` learns it from
`bokji stories check` with the file and line, not from a resident's first /privacy.
"""

from __future__ import annotations

import string
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.channels.telegram.updates import COMMANDS
from bot.yamlio import Problem, Problems, load_model, pos_of

FILE = "telegram.yml"


class TelegramWording(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    privacy_notice: str
    help: str
    privacy: str
    delete_confirm: str
    delete_yes: str = Field(max_length=40)
    delete_no: str = Field(max_length=40)
    deleted: str
    deleted_case_open: str
    delete_cancelled: str
    only_text: str
    voice: str
    sticker: str
    location: str
    contact: str
    rate_limited: str
    group: str
    failed: str
    chosen: str
    button_used: str
    commands: dict[str, str]


# The placeholders each sentence is filled with; any other {name} is a typo.
PLACEHOLDERS: dict[str, set[str]] = {
    "privacy_notice": {"idle_days"},
    "privacy": {"idle_days", "mailbox_days"},
    "group": {"bot"},
    "chosen": {"label"},
}


def load_wording(folder: Path) -> TelegramWording:
    path = folder / FILE
    wording, raw = load_model(TelegramWording, path)
    problems = []
    if set(wording.commands) != set(COMMANDS):
        problems.append(Problem(pos_of(raw, ["commands"]), "commands: give a description for "
                                f"exactly these: {', '.join(COMMANDS)}", str(path)))
    for name, text in wording.model_dump(exclude={"commands"}).items():
        allowed = PLACEHOLDERS.get(name, set())
        try:
            used = {field for _, field, _, _ in string.Formatter().parse(text) if field}
        except ValueError as exc:  # an unmatched brace
            problems.append(Problem(pos_of(raw, [name]), f"{name}: {exc}", str(path)))
            continue
        for field in sorted(used - allowed):
            known = ", ".join(f"{{{a}}}" for a in sorted(allowed)) or "none"
            problems.append(Problem(pos_of(raw, [name]), f"{name}: unknown placeholder "
                                    f"{{{field}}} (this sentence can use: {known})", str(path)))
    if problems:
        raise Problems(problems)
    return wording
