"""The fake Bot API, driven by PTB's real Bot over HTTP.

These tests pin down the behaviour the Telegram channel's end-to-end tests rely on: that PTB
parses what the fake returns, and raises the same exceptions it would against Telegram.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter

from tests.fakes.botapi import FakeBotAPI

CHAT = 4101


@pytest.fixture(scope="module")
def server() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeBotAPI) -> FakeBotAPI:
    server.reset()
    return server


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url) as bot:
        yield bot


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)
                                  for text, data in row] for row in rows])


def seconds(value: int | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def retry_after(error: RetryAfter) -> float:
    # PTB 22 warns that the int form is deprecated unless PTB_TIMEDELTA is set.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seconds(error.retry_after)


async def test_get_me_returns_the_bot_user(fake: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name, me.is_bot) == \
        (123456, "bokji_test_bot", "복지 길잡이", True)
    assert fake.calls("getMe")[-1].status == 200


async def test_send_message_is_recorded_with_its_buttons(fake: FakeBotAPI, bot: Bot) -> None:
    markup = InlineKeyboardMarkup([
        [InlineKeyboardButton("예", callback_data="yes"),
         InlineKeyboardButton("아니요", callback_data="no")],
        [InlineKeyboardButton("복지로", url="https://www.bokjiro.go.kr")],
    ])
    sent = await bot.send_message(CHAT, "기초연금을 알아볼까요?", reply_markup=markup)
    assert sent.message_id == 1
    assert sent.from_user is not None and sent.from_user.id == fake.bot_user["id"]
    assert sent.reply_markup == markup
    second = await bot.send_message(CHAT, "1")

    [first, plain] = fake.messages(CHAT)
    assert first.text == "기초연금을 알아볼까요?"
    assert first.buttons == [[("예", "yes"), ("아니요", "no")], [("복지로", None)]]
    assert plain.text == "1" and plain.message_id == second.message_id == 2
    call = fake.calls("sendMessage")[0]
    assert call.params["chat_id"] == CHAT
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"
    assert fake.messages(CHAT + 1) == []


async def test_send_message_rejects_what_telegram_rejects(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, " ")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "가" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "너무 긴 버튼", reply_markup=keyboard([("예", "x" * 65)]))
    await bot.send_message(CHAT, "가" * 4096)
    assert [m.message_id for m in fake.messages()] == [1]


async def test_get_updates_offset_confirms(fake: FakeBotAPI, bot: Bot) -> None:
    first = fake.push_message(CHAT, "/start")
    second = fake.push_message(CHAT, "안녕하세요")
    assert (first, second) == (1, 2)

    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [1, 2]
    start = updates[0].message
    assert start is not None and start.text == "/start"
    assert start.entities[0].type == "bot_command" and start.entities[0].length == 6
    assert start.from_user is not None and start.from_user.language_code == "ko"
    assert start.chat.type == "private" and start.from_user.id == CHAT

    assert [u.update_id for u in await bot.get_updates(offset=2)] == [2]
    assert await bot.get_updates(offset=3) == ()
    assert await bot.get_updates() == ()
    fake.push_message(CHAT, "다시")
    assert [u.update_id for u in await bot.get_updates()] == [3]


async def test_long_poll_returns_early_when_an_update_arrives(fake: FakeBotAPI, bot: Bot) -> None:
    timer = threading.Timer(0.2, fake.push_message, args=(CHAT, "늦은 메시지"))
    began = time.monotonic()
    timer.start()
    updates = await bot.get_updates(timeout=5)
    elapsed = time.monotonic() - began
    timer.join()
    assert [u.message.text for u in updates if u.message] == ["늦은 메시지"]
    assert 0.15 < elapsed < 1.5


async def test_long_poll_without_updates_waits_its_timeout(fake: FakeBotAPI, bot: Bot) -> None:
    began = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - began < 2


async def test_callback_parses_and_its_answer_is_recorded(fake: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "소득이 있나요?", reply_markup=keyboard([("있어요", "y")]))
    fake.push_callback(CHAT, sent.message_id, "y")

    [raw] = fake.pending_updates()
    update = Update.de_json(raw, bot)
    query = update.callback_query
    assert query is not None and query.data == "y"
    assert isinstance(query.message, Message) and query.message.text == "소득이 있나요?"
    assert query.message.reply_markup == keyboard([("있어요", "y")])
    assert fake.unanswered_callbacks() == {query.id}

    assert await bot.answer_callback_query(query.id, text="확인했어요")
    assert fake.answered_callbacks()[query.id]["text"] == "확인했어요"
    assert fake.unanswered_callbacks() == set()
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)


async def test_edits_replace_and_remove_buttons(fake: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "고르세요", reply_markup=keyboard([("가", "a")]))

    edited = await bot.edit_message_reply_markup(CHAT, sent.message_id,
                                                 reply_markup=keyboard([("나", "b")]))
    assert isinstance(edited, Message) and edited.edit_date is not None
    assert fake.messages(CHAT)[0].buttons == [[("나", "b")]]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id,
                                            reply_markup=keyboard([("나", "b")]))

    await bot.edit_message_reply_markup(CHAT, sent.message_id)
    [message] = fake.messages(CHAT)
    assert message.reply_markup is None and message.buttons == []
    assert [e["method"] for e in message.edits] == ["editMessageReplyMarkup"] * 2

    await bot.edit_message_text("골랐어요", CHAT, sent.message_id,
                                reply_markup=keyboard([("다시", "again")]))
    await bot.edit_message_text("끝", CHAT, sent.message_id)
    [message] = fake.messages(CHAT)
    assert message.text == "끝" and message.buttons == []  # Telegram drops the keyboard
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_reply_markup(CHAT, 99, reply_markup=keyboard([("x", "x")]))


async def test_scripted_429_raises_retry_after(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "첫 시도")
    assert retry_after(caught.value) == 7
    await bot.send_message(CHAT, "두 번째 시도")
    assert [(m.message_id, m.text) for m in fake.messages()] == [(1, "두 번째 시도")]
    assert [c.status for c in fake.calls("sendMessage")] == [429, 200]


async def test_scripted_faults_match_their_chat(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", 502, chat_id=CHAT + 1)
    await bot.send_message(CHAT, "다른 방은 멀쩡해요")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(CHAT + 1, "이 방은 실패")
    await bot.send_message(CHAT + 1, "다시 보내면 성공")
    assert len(fake.messages()) == 2


async def test_blocked_chat_raises_forbidden(fake: FakeBotAPI, bot: Bot) -> None:
    fake.block(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "안녕하세요")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(CHAT, "typing")
    fake.unblock(CHAT)
    await bot.send_message(CHAT, "안녕하세요")
    assert len(fake.messages(CHAT)) == 1


async def _send_many(bot: Bot, count: int) -> list[str]:
    outcomes = []
    for n in range(count):
        try:
            await bot.send_message(CHAT, f"메시지 {n}")
            outcomes.append("ok")
        except RetryAfter:
            outcomes.append("429")
        except NetworkError:
            outcomes.append("502")
    return outcomes


async def test_random_faults_have_no_side_effects(fake: FakeBotAPI, bot: Bot) -> None:
    fake.random_faults(0.3, 0.3, seed=5, methods={"sendMessage"})
    outcomes = await _send_many(bot, 40)
    assert {"ok", "429", "502"} <= set(outcomes)
    delivered = [n for n, outcome in enumerate(outcomes) if outcome == "ok"]
    sent = fake.messages(CHAT)
    assert [m.text for m in sent] == [f"메시지 {n}" for n in delivered]
    assert [m.message_id for m in sent] == list(range(1, len(delivered) + 1))
    await bot.get_me()  # other methods are spared

    fake.reset()
    fake.random_faults(0.3, 0.3, seed=5, methods={"sendMessage"})
    assert await _send_many(bot, 40) == outcomes  # the seed fixes the pattern
    fake.random_faults(0, 0)
    assert await _send_many(bot, 5) == ["ok"] * 5


async def test_held_send_from_a_client_that_went_away_is_discarded(fake: FakeBotAPI) -> None:
    fake.hold(CHAT)
    bot = Bot(fake.token, base_url=fake.base_url)
    await bot.initialize()
    task = asyncio.create_task(bot.send_message(CHAT, "전달되지 않을 메시지"))
    await fake.awaits_for(lambda: fake.held(CHAT) == 1, timeout=3)
    task.cancel()  # the worker dies: httpx closes the connection under the request
    with pytest.raises(asyncio.CancelledError):
        await task
    await bot.shutdown()
    await fake.awaits_for(lambda: fake.held(CHAT) == 0, timeout=3)  # noticed while held
    fake.release(CHAT)
    assert fake.messages() == []
    assert [c.status for c in fake.calls("sendMessage")] == [499]


async def test_held_send_is_recorded_when_released(fake: FakeBotAPI, bot: Bot) -> None:
    fake.hold(CHAT)
    task = asyncio.create_task(bot.send_message(CHAT, "기다린 메시지"))
    await fake.awaits_for(lambda: fake.held(CHAT) == 1, timeout=3)
    await asyncio.sleep(0.1)
    assert not task.done() and fake.messages() == []
    await bot.send_message(CHAT + 1, "다른 방은 막히지 않아요")
    fake.release(CHAT)
    sent = await asyncio.wait_for(task, timeout=3)
    assert sent.text == "기다린 메시지"
    assert [m.chat_id for m in fake.messages()] == [CHAT + 1, CHAT]
    assert fake.held(CHAT) == 0


async def test_webhook_makes_get_updates_conflict(fake: FakeBotAPI, bot: Bot) -> None:
    assert await bot.set_webhook("https://bokji.example/hook", secret_token="s3cret",
                                 allowed_updates=["message"])
    assert fake.webhook is not None and fake.webhook["secret_token"] == "s3cret"
    info = await bot.get_webhook_info()
    assert info.url == "https://bokji.example/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    with pytest.raises(BadRequest, match=r"(?i)HTTPS URL"):
        await bot.set_webhook("http://bokji.example/hook")

    fake.push_message(CHAT, "밀린 메시지")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert fake.webhook is None
    assert await bot.get_updates() == ()


async def test_a_second_poller_terminates_the_first(fake: FakeBotAPI, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.awaits_for(lambda: len(fake.calls("getUpdates")) == 1, timeout=3)
    async with Bot(fake.token, base_url=fake.base_url) as other:
        assert await other.get_updates() == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, timeout=3)


async def test_allowed_updates_filter_what_polling_sees(fake: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "버튼", reply_markup=keyboard([("가", "a")]))
    fake.push_message(CHAT, "글")
    fake.push_callback(CHAT, sent.message_id, "a")
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query is not None for u in updates] == [True]


@pytest.mark.parametrize(("kind", "attribute"), [
    ("photo", "photo"), ("voice", "voice"), ("sticker", "sticker"),
    ("location", "location"), ("document", "document"), ("video", "video"),
    ("audio", "audio"), ("contact", "contact"), ("video_note", "video_note"),
    ("animation", "animation"),
])
async def test_media_updates_parse(fake: FakeBotAPI, bot: Bot, kind: str,
                                   attribute: str) -> None:
    fake.push_media(CHAT, kind, caption="첨부" if kind == "photo" else None)
    [update] = await bot.get_updates()
    message = update.message
    assert message is not None and message.text is None
    assert getattr(message, attribute)
    if kind == "photo":
        assert message.caption == "첨부" and message.photo[-1].width == 800
    if kind == "contact":
        assert message.contact is not None and message.contact.user_id == CHAT


async def test_member_status_parses_and_blocks(fake: FakeBotAPI, bot: Bot) -> None:
    fake.push_member_status(CHAT, "kicked")
    [update] = await bot.get_updates()
    member = update.my_chat_member
    assert member is not None and member.chat.id == CHAT
    assert (member.old_chat_member.status, member.new_chat_member.status) == ("member", "kicked")
    assert member.new_chat_member.user.id == fake.bot_user["id"]
    with pytest.raises(Forbidden):
        await bot.send_message(CHAT, "차단된 방")

    fake.push_member_status(CHAT, "member")
    [update] = await bot.get_updates(offset=update.update_id + 1)
    assert update.my_chat_member is not None
    assert update.my_chat_member.old_chat_member.status == "kicked"
    await bot.send_message(CHAT, "다시 만나요")


async def test_made_updates_are_not_queued_and_parse(fake: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(-1001, "그룹 안내")
    group = fake.make_message_update(-1001, "@bokji_test_bot 질문", chat_type="group",
                                     reply_to_bot=True)
    edited = fake.make_message_update(CHAT, "고친 글", edited=True)
    callback = fake.make_callback_update(-1001, sent.message_id, "go", user_id=7)
    assert fake.pending_updates() == []
    assert [group["update_id"], edited["update_id"], callback["update_id"]] == [1, 2, 3]
    assert fake.next_update_id() == 4

    message = Update.de_json(group, bot).message
    assert message is not None and message.chat.title and message.chat.type == "group"
    assert message.reply_to_message is not None
    assert message.reply_to_message.from_user is not None
    assert message.reply_to_message.from_user.id == fake.bot_user["id"]
    assert Update.de_json(edited, bot).edited_message is not None
    query = Update.de_json(callback, bot).callback_query
    assert query is not None and query.from_user.id == 7
    assert fake.push_raw({"message": edited["edited_message"]}) == 5


async def test_commands_and_small_methods(fake: FakeBotAPI, bot: Bot) -> None:
    assert await bot.set_my_commands([("start", "처음부터"), ("help", "도움말")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert fake.commands()[1] == {"command": "help", "description": "도움말"}
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    assert await bot.send_chat_action(CHAT, "typing")
    with pytest.raises(BadRequest):
        await bot.send_chat_action(CHAT, "dancing")


def test_raw_http_envelopes(fake: FakeBotAPI) -> None:
    root = fake.base_url
    with httpx.Client() as client:
        answer = client.post(f"{root}{fake.token}/sendMessage",
                             json={"chat_id": CHAT, "text": "JSON body",
                                   "reply_markup": {"inline_keyboard": [
                                       [{"text": "가", "callback_data": "a"}]]}})
        assert answer.status_code == 200 and answer.json()["ok"] is True
        assert answer.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "가"
        answer = client.post(f"{root}{fake.token}/SENDMESSAGE",
                             data={"chat_id": str(CHAT), "text": "123"})
        assert answer.json()["result"]["text"] == "123"

        answer = client.post(f"{root}999:other-token/getMe")
        assert (answer.status_code, answer.json()) == (
            401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        answer = client.post(f"{root}{fake.token}/sendPigeon")
        assert (answer.status_code, answer.json()["description"]) == (404, "Not Found")
        fake.fail_next("getMe", 429, retry_after=3)
        answer = client.get(f"{root}{fake.token}/getMe")
        assert answer.status_code == 429
        assert answer.json()["parameters"] == {"retry_after": 3}
    assert [m.text for m in fake.messages(CHAT)] == ["JSON body", "123"]
    assert [c.method for c in fake.calls()] == ["sendMessage", "sendMessage", "getMe",
                                                "sendPigeon", "getMe"]


def test_wait_for_explains_a_timeout(fake: FakeBotAPI) -> None:
    fake.push_message(CHAT, "안녕")
    fake.wait_for(lambda: len(fake.pending_updates()) == 1, timeout=1)
    with pytest.raises(AssertionError) as caught:
        fake.wait_for(lambda: fake.messages(CHAT)[0].text == "답장", timeout=0.1)
    report = str(caught.value)
    assert "fake.messages(CHAT)[0].text" in report and "IndexError" in report
    assert "updates not yet confirmed: 1" in report
