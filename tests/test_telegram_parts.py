"""The Telegram channel's pure parts: message splitting, buttons, reading updates, wording."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import Update

from bot.channels.telegram.replies import (
    MAX_CALLBACK_DATA,
    keyboard,
    send_ops,
    split_text,
)
from bot.channels.telegram.updates import Me, chat_of, read
from bot.channels.telegram.wording import load_wording
from bot.dialogue.state import QuickReply, Reply
from bot.eligibility.profile import BENEFIT_IDS
from bot.yamlio import Problem, Problems

ROOT = Path(__file__).resolve().parent.parent
ME = Me(id=123456, username="bokji_test_bot")


# ---- splitting ------------------------------------------------------------------------------

def test_short_text_is_one_message() -> None:
    assert split_text("안녕하세요.") == ["안녕하세요."]


def test_long_text_splits_at_sentence_ends() -> None:
    sentence = "기초연금은 만 65세 이상 어르신께 드려요. "
    text = sentence * 300  # about 7,000 characters
    parts = split_text(text)
    assert len(parts) == 2
    assert all(len(p) <= 4096 for p in parts)
    assert all(p.endswith("드려요.") for p in parts)


def test_a_sentence_longer_than_a_message_is_cut_at_a_space() -> None:
    text = "가나다라 " * 2000
    parts = split_text(text)
    assert all(len(p) <= 4096 for p in parts)
    assert "".join(parts).replace(" ", "") == text.replace(" ", "")


@given(st.text(alphabet=st.sampled_from("가나다 .\n요!?ab"), max_size=12000),
       st.integers(min_value=20, max_value=4096))
def test_splitting_keeps_every_character_and_the_limit(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert parts
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join(parts).split() == [] or \
        "".join("".join(parts).split()) == "".join(text.split())


def test_buttons_go_with_the_last_part() -> None:
    reply = Reply(text="안내예요. " * 1000, choices=[QuickReply(label="예", payload="answer:x:0")])
    ops = send_ops(42, reply)
    assert len(ops) > 1
    assert [bool(op.buttons) for op in ops] == [False] * (len(ops) - 1) + [True]


# ---- buttons --------------------------------------------------------------------------------

def test_short_labels_two_to_a_row_long_ones_alone() -> None:
    rows = keyboard([QuickReply(label="예", payload="a"), QuickReply(label="아니요", payload="b"),
                     QuickReply(label="받을 수 있는 복지 찾기 시작", payload="c")])
    assert [[b.label for b in row] for row in rows] == [["예", "아니요"],
                                                         ["받을 수 있는 복지 찾기 시작"]]


def test_every_payload_the_dialogue_makes_fits_telegram(dialogue) -> None:  # type: ignore[no-untyped-def]
    r = dialogue.responses()
    payloads = [f"menu:{key}" for key in r.messages.menu.model_dump()]
    for fact, question in r.questions.items():
        payloads += [f"answer:{fact}:{i}" for i in range(len(question.choices))]
    for bid in BENEFIT_IDS:
        payloads += [f"apply:{bid}", f"info:{bid}", f"check:{bid}"]
    payloads += ["why", "restart", "tg:delete:yes", "tg:delete:no", "used"]
    too_long = [p for p in payloads if len(p.encode()) > MAX_CALLBACK_DATA]
    assert too_long == []


# ---- reading updates ------------------------------------------------------------------------

def _message(text: str | None = None, chat_type: str = "private", **more) -> dict:  # type: ignore[no-untyped-def]
    chat = {"id": 77 if chat_type == "private" else -100, "type": chat_type}
    message = {"message_id": 5, "date": 1700000000, "chat": chat,
               "from": {"id": 77, "is_bot": False, "first_name": "주민"}, **more}
    if text is not None:
        message["text"] = text
    return message


def _read(update: dict):  # type: ignore[no-untyped-def]
    return read(Update.de_json(update, None), ME)


def test_text_commands_and_edits() -> None:
    assert _read({"update_id": 1, "message": _message("혼자 살아요")}).kind == "text"
    edited = _read({"update_id": 2, "edited_message": _message("혼자 살아요", edit_date=1)})
    assert (edited.kind, edited.text) == ("text", "혼자 살아요")
    start = _read({"update_id": 3, "message": _message("/start")})
    assert (start.kind, start.command) == ("command", "start")
    assert _read({"update_id": 4, "message": _message("/delete@bokji_test_bot")}).command == \
        "delete"
    assert _read({"update_id": 5, "message": _message("/foo")}).command == "unknown"


def test_media_gets_its_own_note_kind() -> None:
    voice = _message(voice={"file_id": "v", "file_unique_id": "v", "duration": 3})
    assert _read({"update_id": 1, "message": voice}).media == "voice"
    photo = _message(photo=[{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}])
    assert _read({"update_id": 2, "message": photo}).media == "other"
    captioned = _message(photo=[{"file_id": "p", "file_unique_id": "p", "width": 1,
                                 "height": 1}], caption="이 서류 맞나요?")
    read_caption = _read({"update_id": 3, "message": captioned})
    assert (read_caption.kind, read_caption.text) == ("text", "이 서류 맞나요?")
    location = _message(location={"latitude": 37.5, "longitude": 127.0})
    assert _read({"update_id": 4, "message": location}).media == "location"


def test_groups_only_when_addressed() -> None:
    assert _read({"update_id": 1, "message": _message("다들 안녕", "group")}).kind == "ignore"
    addressed = _read({"update_id": 2, "message": _message("@bokji_test_bot 기초연금 뭐예요",
                                                            "supergroup")})
    assert (addressed.kind, addressed.text) == ("group", "기초연금 뭐예요")
    bot_message = _message("무엇을 도와드릴까요?", "group")
    bot_message["from"] = {"id": ME.id, "is_bot": True, "first_name": "복지 길잡이"}
    reply = _read({"update_id": 3, "message": _message("네", "group",
                                                        reply_to_message=bot_message)})
    assert reply.kind == "group"


def test_button_press_carries_its_label() -> None:
    bot_message = _message("혼자 사세요?")
    bot_message["reply_markup"] = {"inline_keyboard": [[
        {"text": "예", "callback_data": "answer:lives_alone:0"},
        {"text": "아니요", "callback_data": "answer:lives_alone:1"}]]}
    update = {"update_id": 9, "callback_query": {
        "id": "cb1", "chat_instance": "x", "data": "answer:lives_alone:1",
        "from": {"id": 77, "is_bot": False, "first_name": "주민"}, "message": bot_message}}
    inbound = _read(update)
    assert (inbound.kind, inbound.label, inbound.payload, inbound.message_id) == \
        ("button", "아니요", "answer:lives_alone:1", 5)
    assert chat_of(update) == 77


def test_blocking_is_a_member_update() -> None:
    member = {"update_id": 3, "my_chat_member": {
        "chat": {"id": 77, "type": "private"}, "date": 1,
        "from": {"id": 77, "is_bot": False, "first_name": "주민"},
        "old_chat_member": {"status": "member", "user": {"id": ME.id, "is_bot": True,
                                                          "first_name": "b"}},
        "new_chat_member": {"status": "kicked", "until_date": 0,
                            "user": {"id": ME.id, "is_bot": True, "first_name": "b"}}}}
    inbound = _read(member)
    assert (inbound.kind, inbound.member_status) == ("member", "kicked")


def test_updates_without_a_chat_are_not_stored() -> None:
    assert chat_of({"update_id": 1, "inline_query": {"id": "q"}}) is None


# ---- wording --------------------------------------------------------------------------------

def test_shipped_wording_loads() -> None:
    wording = load_wording(ROOT / "responses")
    assert "{idle_days}" in wording.privacy


@pytest.mark.parametrize(("old", "new", "message"), [
    ("help: >-", "helps: >-", "help: Field required"),
    ("{mailbox_days}일까지", "{mailbox_day}일까지", "unknown placeholder {mailbox_day}"),
    ("chosen: \"✔ {label}\"", "chosen: \"✔ {lable}\"", "unknown placeholder {lable}"),
    ("  delete: 내 대화 지우기\n", "", "commands: give a description"),
])
def test_wording_errors_name_file_and_line(tmp_path: Path, old: str, new: str,
                                           message: str) -> None:
    folder = tmp_path / "responses"
    shutil.copytree(ROOT / "responses", folder)
    path = folder / "telegram.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises((Problem, Problems)) as caught:
        load_wording(folder)
    assert message in str(caught.value)
    assert "telegram.yml:" in str(caught.value)
