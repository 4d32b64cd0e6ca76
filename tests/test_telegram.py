"""The Telegram channel end to end: real python-telegram-bot over HTTP against the fake Bot
API server (tests/fakes/botapi.py), real Redis, long polling, one worker in this process."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.channels.telegram.replies import USED
from bot.channels.telegram.worker import CHANNEL
from bot.dialogue.state import State
from bot.handoff.cases import NotAllowed
from bot.store import keys
from bot.store.outbox import Outgoing, publish
from tests.fakes.botapi import FakeBotAPI
from tests.telegram_helpers import fast_settings, first_update_id, new_chat, running_worker

pytestmark = pytest.mark.redis


@pytest.fixture
def api(fake: FakeBotAPI) -> FakeBotAPI:
    fake.reset(first_update_id=first_update_id())
    return fake


@pytest.fixture
async def bot(api, dialogue, redis_url):  # type: ignore[no-untyped-def]
    async with running_worker(api, dialogue, redis_url) as running:
        yield running


def texts(api: FakeBotAPI, chat: int) -> list[str]:
    return [m.text for m in api.messages(chat)]


async def test_start_gives_privacy_notice_then_the_menu_as_buttons(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    api.push_message(chat, "/start")
    await bot.idle(chat, 1)
    notice, greeting = api.messages(chat)
    assert "/delete" in notice.text and "30일" in notice.text
    assert "복지 길잡이" in greeting.text
    labels = [label for row in greeting.buttons for label, _ in row]
    assert labels == ["받을 수 있는 복지 찾기", "제도 설명", "신청 방법", "상담원 연결"]
    assert [c.params["commands"][0]["command"] for c in api.calls("setMyCommands")][:1] == \
        ["start"]


async def test_a_pressed_button_is_answered_marked_and_the_interview_goes_on(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    api.push_message(chat, "/start")
    await bot.idle(chat, 1)
    greeting = api.messages(chat)[-1]
    update = api.push_callback(chat, greeting.message_id, "menu:find")
    await bot.idle(chat, 2)
    assert update
    assert bot.turns[chat][-1].actions[:2] == ["interview", bot.turns[chat][-1].actions[1]]
    assert any(a.startswith("ask:") for a in bot.turns[chat][-1].actions)
    assert api.unanswered_callbacks() == set()
    marked = next(m for m in api.messages(chat) if m.message_id == greeting.message_id)
    assert marked.buttons == [[("✔ 받을 수 있는 복지 찾기", USED)]]
    question = api.messages(chat)[-1]
    assert question.buttons, "the first question offers its answers as buttons"


async def test_typing_instead_of_pressing_takes_the_old_buttons_away(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    api.push_message(chat, "/start")
    await bot.idle(chat, 1)
    greeting = api.messages(chat)[-1]
    api.push_message(chat, "받을 수 있는 복지 찾아 주세요")
    await bot.idle(chat, 2)
    old = next(m for m in api.messages(chat) if m.message_id == greeting.message_id)
    assert old.buttons == []


async def test_a_stale_marked_button_only_gets_a_polite_answer(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    api.push_message(chat, "/start")
    await bot.idle(chat, 1)
    greeting = api.messages(chat)[-1]
    api.push_callback(chat, greeting.message_id, "menu:find")
    await bot.idle(chat, 2)
    sent_before = len(api.messages(chat))
    api.push_callback(chat, greeting.message_id, USED)
    await api.awaits_for(lambda: not api.unanswered_callbacks())
    await bot.settled(chat)
    assert len(api.messages(chat)) == sent_before
    assert "이미 고르셨어요" in list(api.answered_callbacks().values())[-1].get("text", "")


@pytest.mark.parametrize(("kind", "words"), [("voice", "129"), ("photo", "글만"),
                                             ("sticker", "고맙습니다"), ("location", "강서구"),
                                             ("contact", "저장하지도")])
async def test_things_that_are_not_text_get_a_note(api, bot, kind: str, words: str) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    api.push_media(chat, kind)
    await api.awaits_for(lambda: len(api.messages(chat)) == 1)
    await bot.settled(chat)
    assert words in api.messages(chat)[0].text
    assert chat not in bot.turns, "the dialogue never saw it"


async def test_a_captioned_photo_is_read_by_its_caption(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    api.push_media(chat, "photo", caption="죽고 싶어요")
    await bot.idle(chat, 1)
    assert "109" in api.messages(chat)[0].text


async def test_an_edited_message_is_handled_as_new_text(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    api.push_message(chat, "기초연금이 뭐예요?")
    await bot.idle(chat, 1)
    api.push_message(chat, "기초연금 어떻게 신청해요?", edited=True)
    await bot.idle(chat, 2)
    assert any(a.startswith("show:how_to_apply") for a in bot.turns[chat][-1].actions)


async def test_groups_are_ignored_unless_the_bot_is_addressed(api, bot) -> None:  # type: ignore[no-untyped-def]
    group = -new_chat()
    api.push_message(group, "다들 주말 잘 보내세요", chat_type="group")
    api.push_message(group, "@bokji_test_bot 죽고 싶어요", chat_type="supergroup")
    await api.awaits_for(lambda: len(api.messages(group)) >= 2)
    await bot.settled(group)
    hotline, note = texts(api, group)
    assert "109" in hotline
    assert "1:1" in note and "@bokji_test_bot" in note
    assert group not in bot.turns, "no conversation is kept for a group"


async def test_a_message_too_long_for_telegram_is_split_at_sentences(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    sentence = "상담원이 안내해 드립니다. "
    await publish(bot.runtime.store.client, CHANNEL,
                  Outgoing(chat_id=str(chat), text=sentence * 700))
    await api.awaits_for(lambda: len(api.messages(chat)) == 3)
    parts = texts(api, chat)
    assert all(len(p) <= 4096 and p.endswith("드립니다.") for p in parts)
    assert "".join(parts).replace(" ", "") == (sentence * 700).replace(" ", "")


async def test_outbound_messages_are_delivered_in_order(api, bot) -> None:  # type: ignore[no-untyped-def]
    chats = [new_chat(), new_chat()]
    for i in range(6):
        await publish(bot.runtime.store.client, CHANNEL,
                      Outgoing(chat_id=str(chats[i % 2]), text=f"상담원 답변 {i}"))
    await api.awaits_for(lambda: sum(len(api.messages(c)) for c in chats) == 6)
    assert texts(api, chats[0]) == ["상담원 답변 0", "상담원 답변 2", "상담원 답변 4"]
    assert texts(api, chats[1]) == ["상담원 답변 1", "상담원 답변 3", "상담원 답변 5"]


async def test_help_privacy_and_unknown_commands(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    for command in ("/help", "/privacy", "/없는명령"):
        api.push_message(chat, command)
    await api.awaits_for(lambda: len(api.messages(chat)) == 3)
    help_text, privacy, unknown = texts(api, chat)
    assert "/reset" in help_text and "109" in help_text
    assert "30일" in privacy and "7일" in privacy
    assert unknown == help_text


async def test_delete_asks_first_and_then_erases(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    cid = f"{CHANNEL}:{chat}"
    conversations = bot.runtime.service.conversations
    api.push_message(chat, "저는 72살이고 혼자 살아요")
    await bot.idle(chat, 1)
    api.push_message(chat, "/delete")
    await api.awaits_for(lambda: len(api.messages(chat)) >= 2 and
                         bool(api.messages(chat)[-1].buttons))
    confirm = api.messages(chat)[-1]
    api.push_callback(chat, confirm.message_id, "tg:delete:no")
    await api.awaits_for(lambda: "지우지 않았어요" in api.messages(chat)[-1].text)
    assert (await conversations.load(cid, State)) is not None
    api.push_message(chat, "/delete")
    await api.awaits_for(lambda: api.messages(chat)[-1].text == confirm.text and
                         api.messages(chat)[-1].message_id != confirm.message_id)
    api.push_callback(chat, api.messages(chat)[-1].message_id, "tg:delete:yes")
    await api.awaits_for(lambda: "모두 지웠어요" in api.messages(chat)[-1].text)
    await bot.settled(chat)
    assert await conversations.load(cid, State) is None
    assert await conversations.transcript(cid) == []
    assert not await bot.runtime.store.client.exists(keys.tg_chat(chat, "keyboard"))


async def test_human_opens_a_case_and_reset_starts_over(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    api.push_message(chat, "/human")
    await bot.idle(chat, 1)
    assert "handoff:normal" in bot.turns[chat][-1].actions
    assert await bot.runtime.service.queue.case_of(f"{CHANNEL}:{chat}") is not None
    api.push_message(chat, "/reset")
    await bot.idle(chat, 2)
    assert "restart" in bot.turns[chat][-1].actions


async def test_a_crisis_gets_the_hotline_in_the_first_reply_and_a_case(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    api.push_message(chat, "요즘 너무 힘들어서 그냥 죽고 싶어요")
    await bot.idle(chat, 1)
    assert "109" in api.messages(chat)[0].text
    case_id = await bot.runtime.service.queue.case_of(f"{CHANNEL}:{chat}")
    case = await bot.runtime.service.queue.get(case_id)
    assert case is not None and case.priority == "critical" and case.channel == CHANNEL


async def test_the_same_update_twice_is_handled_once(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    update = api.make_message_update(chat, "기초연금이 뭐예요?")
    assert await bot.worker.receive(update) is True
    assert await bot.worker.receive(update) is False
    await bot.idle(chat, 1)
    await asyncio.sleep(0.3)
    assert len(bot.turns[chat]) == 1


async def test_flooding_gets_one_warning_but_a_crisis_still_gets_through(api, dialogue,  # type: ignore[no-untyped-def]
                                                                         redis_url) -> None:
    settings = fast_settings(rate_limit={"messages": 3, "per_seconds": 60})
    async with running_worker(api, dialogue, redis_url, settings) as bot:
        chat = new_chat()
        for i in range(7):
            api.push_message(chat, f"기초연금 {i}")
        api.push_message(chat, "죽고 싶어요")
        await bot.idle(chat, 4)
        await bot.settled(chat)
        warnings = [t for t in texts(api, chat) if "너무 빨리" in t]
        assert len(warnings) == 1
        assert len(bot.turns[chat]) == 4
        assert bot.turns[chat][-1].urgent


async def test_flood_control_and_bad_gateway_are_retried(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    api.fail_next("sendMessage", 429, retry_after=1, chat_id=chat)
    api.fail_next("sendMessage", 502, times=2, chat_id=chat)
    api.push_message(chat, "기초연금이 뭐예요?")
    await bot.idle(chat, 1)
    sends = [c for c in api.calls("sendMessage") if c.params.get("chat_id") == chat]
    assert [c.status for c in sends[:3]] == [429, 502, 502]
    assert sends[3].status == 200
    delivered = texts(api, chat)
    assert len(delivered) == len(bot.turns[chat][0].replies)
    assert len(set(delivered)) == len(delivered), "nothing sent twice"


async def test_telegram_down_longer_than_the_retries_is_delivered_later(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    api.fail_next("sendMessage", 502, times=12, chat_id=chat)
    api.push_message(chat, "기초연금이 뭐예요?")
    await bot.idle(chat, 1, timeout=30)
    assert len(texts(api, chat)) == len(bot.turns[chat][0].replies)


async def test_a_resident_who_blocked_the_bot_is_not_retried(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    api.block(chat)
    api.push_message(chat, "기초연금이 뭐예요?")
    await bot.idle(chat, 1)
    await asyncio.sleep(0.5)  # two sweeps
    attempts = [c for c in api.calls("sendMessage") if c.params.get("chat_id") == chat]
    assert len(attempts) == 1 and attempts[0].status == 403
    assert await bot.runtime.store.client.exists(keys.tg_chat(chat, "blocked"))
    api.push_member_status(chat, "member")
    api.push_message(chat, "다시 왔어요. 기초연금 신청 방법 알려 주세요")
    await bot.idle(chat, 2)
    assert texts(api, chat), "after unblocking, replies arrive again"
    assert not await bot.runtime.store.client.exists(keys.tg_chat(chat, "blocked"))


async def test_a_caseworkers_reply_reaches_the_resident_on_telegram(api, bot) -> None:  # type: ignore[no-untyped-def]
    chat = new_chat()
    queue = bot.runtime.service.queue
    api.push_message(chat, "남편이 때려요 무서워요")
    await bot.idle(chat, 1)
    case_id = await queue.case_of(f"{CHANNEL}:{chat}")
    assert case_id is not None
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(NotAllowed):
        await queue.reply(case_id, "kim", "안녕하세요, 상담원 김입니다.", now)  # not claimed
    await queue.claim(case_id, "kim", now)
    before = len(api.messages(chat))
    answer = "안녕하세요, 상담원 김입니다. 지금 안전한 곳에 계신가요?"
    await queue.reply(case_id, "kim", answer, now)
    await api.awaits_for(lambda: len(api.messages(chat)) == before + 1)
    assert api.messages(chat)[-1].text.startswith("안녕하세요, 상담원 김입니다.")
    transcript = await bot.runtime.service.conversations.transcript(f"{CHANNEL}:{chat}")
    assert transcript[-1].role == "caseworker"
    case = await queue.get(case_id)
    assert case is not None and case.last_reply_at == now
