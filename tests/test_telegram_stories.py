"""Every conversation story (stories/) replayed through Telegram: the fake Bot API server, real
python-telegram-bot over HTTP, long polling, Redis. A step that picks a numbered choice
presses the button of the last message that had buttons, as a resident on a phone would."""

from __future__ import annotations

import datetime as dt

import pytest
import pytest_asyncio

from bot.channels.telegram.worker import CHANNEL
from bot.dialogue.stories import LoadedStory, caseworker_step, check_step, load_stories
from bot.settings import get_settings
from tests.fakes.botapi import FakeBotAPI
from tests.telegram_helpers import first_update_id, new_chat, running_worker

# One worker for all the stories: the module shares an event loop with it.
pytestmark = [pytest.mark.redis, pytest.mark.asyncio(loop_scope="module")]

STORIES = load_stories([get_settings().resolve(get_settings().dialogue.stories)])


@pytest.fixture(scope="module", autouse=True)
def _fresh_ids(fake: FakeBotAPI) -> None:
    fake.reset(first_update_id=first_update_id())


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def telegram(fake, dialogue, redis_url):  # type: ignore[no-untyped-def]
    async with running_worker(fake, dialogue, redis_url) as running:
        yield running


def _param(story: LoadedStory):  # type: ignore[no-untyped-def]
    marks = [pytest.mark.xfail(reason=story.story.known_issue, strict=True)] \
        if story.story.known_issue else []
    return pytest.param(story, id=story.name, marks=marks)


@pytest.mark.parametrize("story", [_param(s) for s in STORIES])
async def test_story_through_telegram(story: LoadedStory, fake: FakeBotAPI, telegram,  # type: ignore[no-untyped-def]
                                      dialogue) -> None:
    if any(step.user is not None and not step.user.strip() for step in story.story.steps):
        pytest.skip("Telegram cannot send an empty message")
    dialogue.today = (lambda: story.story.date) if story.story.date else dt.date.today
    chat = new_chat()
    service = telegram.runtime.service
    problems: list[str] = []
    fake.push_message(chat, "/start")
    turns = 1
    await telegram.idle(chat, turns)
    try:
        for i, step in enumerate(story.story.steps, 1):
            seen = len(fake.messages(chat))
            if step.user is None:
                # the caseworker acts; their reply (or the closing notice) reaches the resident
                await caseworker_step(service.queue, dialogue.closed(), f"{CHANNEL}:{chat}",
                                      step)
                await fake.awaits_for(lambda: len(fake.messages(chat)) == seen + 1,  # noqa: B023
                                      what=f"step {i}: the caseworker's message on Telegram")
                expected = step.caseworker or dialogue.closed().text
                assert fake.messages(chat)[-1].text == expected
                continue
            keyboard = next((m for m in reversed(fake.messages(chat)) if m.buttons), None)
            choices = [data for row in keyboard.buttons for _, data in row] if keyboard else []
            text = step.user.replace("\n", " ")
            if text.strip().isdigit() and 1 <= int(text) <= len(choices):
                fake.push_callback(chat, keyboard.message_id, choices[int(text) - 1])  # type: ignore[union-attr]
            else:
                fake.push_message(chat, text)
            turns += 1
            await telegram.idle(chat, turns)
            turn = telegram.turns[chat][turns - 1]
            sent = fake.messages(chat)[seen:]
            said = "\n".join(m.text + "\n" + "  ".join(label for row in m.buttons
                                                        for label, _ in row) for m in sent)
            assert [m.text for m in sent] == [r.text for r in turn.replies], \
                f"step {i}: Telegram got other messages than the turn's replies"
            problems += [f"step {i} ({step.user!r}): {p}" for p in check_step(step, turn, said)]
    finally:
        case_id = await service.queue.case_of(f"{CHANNEL}:{chat}")
        if case_id is not None:
            await service.queue.discard(case_id)
    assert not problems, "\n".join(problems)
