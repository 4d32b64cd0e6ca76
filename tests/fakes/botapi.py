"""A fake Telegram Bot API server for end-to-end tests of the Telegram channel.

The channel's failure handling (flood limits, gateway errors, blocked residents, a worker
killed in the middle of a send) depends on how python-telegram-bot turns HTTP answers into
exceptions, so the tests must go through PTB's own request stack rather than a mocked `Bot`.
This module therefore speaks real HTTP, with Telegram's envelopes, status codes and error
descriptions.

The server runs under uvicorn on a thread with its own event loop, so that sync tests and async
tests (whose loop belongs to pytest-asyncio) can both drive it. All shared state lives behind one
`threading.Lock`; request handlers hold it only between awaits, never across one. Waiting
(long polls, held sends) is done by polling every `POLL_INTERVAL`, which keeps the handlers free
of cross-thread asyncio plumbing and lets them notice a client that went away.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import inspect
import itertools
import json
import random
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

JSON = dict[str, Any]
Buttons = list[list[tuple[str, str | None]]]

DEFAULT_TOKEN = "123456:TEST-token"
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
POLL_INTERVAL = 0.02
# nginx's "client closed request": what a held send ends with when its client is gone.
CLIENT_CLOSED = 499
# Who speaks in a group when a test does not say; private chats default to the chat's own id.
GROUP_RESIDENT_ID = 4242

MEDIA_KINDS = ("photo", "voice", "sticker", "location", "document", "video", "audio",
               "contact", "video_note", "animation")
MEMBER_STATUSES = ("member", "kicked", "left")
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
# Telegram leaves these out unless a bot asks for them by name in allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
INLINE_BUTTON_ACTIONS = frozenset({
    "callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "callback_game", "pay", "login_url", "web_app",
    "copy_text",
})
# Form values PTB sends as raw strings; every other value is JSON-encoded. Keeping these raw
# means a reply of "1" or "[안내]" stays text instead of turning into a number or a list.
RAW_STRING_PARAMS = frozenset({
    "text", "caption", "url", "secret_token", "callback_query_id", "parse_mode", "action",
    "language_code", "ip_address", "inline_message_id", "business_connection_id",
    "message_effect_id", "data", "description", "short_description", "name", "title", "query",
    "emoji", "phone_number", "first_name", "last_name", "address", "question", "file_id",
    "photo", "voice", "video", "audio", "document", "animation", "video_note", "sticker",
})

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"
QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
TERMINATED = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_PATH = re.compile(r"/bot([^/]+)/([^/]+)/?")
_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


@dataclass
class SentMessage:
    """A message the bot got Telegram to accept, as the resident would now see it."""

    chat_id: int
    message_id: int
    text: str
    reply_markup: JSON | None
    buttons: Buttons
    edits: list[JSON] = field(default_factory=list)
    at: float = field(default_factory=time.monotonic)


@dataclass
class Call:
    """One request the server received; `status` stays 0 while the request is still waiting."""

    method: str
    params: JSON
    status: int
    at: float
    description: str | None = None


@dataclass
class _Fault:
    method: str
    status: int
    retry_after: int
    chat_id: int | None


@dataclass
class _RandomFaults:
    rate_429: float
    rate_502: float
    rng: random.Random
    methods: frozenset[str] | None
    retry_after: int


class _ApiError(Exception):
    """An answer other than ok, carried out of the handlers to become the response."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def envelope(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class _Dropped(Exception):
    """The client left (or the fake was reset or stopped) before the request was answered."""


def _fault_error(status: int, retry_after: int) -> _ApiError:
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return _ApiError(status, f"Too Many Requests: retry after {retry_after}",
                         {"retry_after": retry_after})
    descriptions = {
        400: "Bad Request: scripted failure",
        401: "Unauthorized",
        403: BLOCKED,
        404: "Not Found",
        409: "Conflict: scripted failure",
    }
    try:
        fallback = HTTPStatus(status).phrase
    except ValueError:
        fallback = f"Error {status}"
    return _ApiError(status, descriptions.get(status, fallback))


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units, not code points."""
    return len(text.encode("utf-16-le")) // 2


def _decode(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in RAW_STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _buttons(markup: JSON | None) -> Buttons:
    """Rows of (label, callback data); reply-keyboard and URL buttons have no data."""
    if not markup:
        return []
    if "inline_keyboard" in markup:
        return [[(str(b.get("text", "")), b.get("callback_data")) for b in row]
                for row in markup["inline_keyboard"]]
    if "keyboard" in markup:
        return [[(b if isinstance(b, str) else str(b.get("text", "")), None) for b in row]
                for row in markup["keyboard"]]
    return []


def _inline(markup: JSON | None) -> JSON | None:
    """Telegram shows only inline keyboards on a message; reply keyboards belong to the chat."""
    return markup if markup and "inline_keyboard" in markup else None


def _update_type(update: JSON) -> str:
    return next((key for key in update if key != "update_id"), "")


def _now() -> int:
    return int(time.time())


class FakeBotAPI:
    """The Telegram Bot API as seen by one bot token, over real HTTP on 127.0.0.1."""

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self._token = token
        self._bot_user: JSON = {"id": int(token.split(":", 1)[0]) if ":" in token else 123456,
                                "is_bot": True, "first_name": "복지 길잡이",
                                "username": "bokji_test_bot"}
        self._lock = threading.Lock()
        self._port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._generation = 0
        self._poller = 0
        self._tickets = itertools.count(1)
        self._handlers: dict[str, tuple[str, Callable[[JSON], Any]]] = {
            name.lower(): (name, handler) for name, handler in (
                ("getMe", self._get_me),
                ("sendMessage", self._send_message),
                ("answerCallbackQuery", self._answer_callback_query),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("editMessageText", self._edit_message_text),
                ("setWebhook", self._set_webhook),
                ("deleteWebhook", self._delete_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("setMyCommands", self._set_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("sendChatAction", self._send_chat_action),
                ("close", self._true),
                ("logOut", self._true),
                ("getUpdates", self._true),  # served by _get_updates, which has to wait
            )
        }
        self._app = Starlette(routes=[
            Route("/{path:path}", self._endpoint, methods=["GET", "POST"]),
        ])
        self._clear_locked()

    def _clear_locked(self, first_update_id: int = 1) -> None:
        """Forget everything a test could have caused; the port and the thread stay."""
        self._generation += 1
        self._next_update = first_update_id
        self._updates: list[JSON] = []
        self._allowed: frozenset[str] | None = None
        self._sent: list[SentMessage] = []
        self._sent_count: dict[int, int] = {}
        self._listeners: list[Callable[[int], None]] = []
        self._bot_messages: dict[tuple[int, int], JSON] = {}
        self._by_key: dict[tuple[int, int], SentMessage] = {}
        self._last_bot_message: dict[int, int] = {}
        self._last_resident_message: dict[int, int] = {}
        self._message_ids: dict[int, int] = {}
        self._chats: dict[int, JSON] = {}
        self._member_status: dict[int, str] = {}
        self._calls: list[Call] = []
        self._callbacks_pending: set[str] = set()
        self._callbacks_answered: dict[str, JSON] = {}
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._webhook: JSON | None = None
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._scripted: list[_Fault] = []
        self._random: _RandomFaults | None = None
        self._blocked: set[int] = set()
        self._held: set[int] = set()
        self._waiting: dict[int, list[int]] = {}
        self._delay = 0.0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotAPI:
        """Serve until stop(); returns once the port accepts connections."""
        if self._thread is not None:
            return self
        # The explicit IPPROTO_TCP matters: asyncio turns on TCP_NODELAY only for sockets whose
        # proto says TCP, and without it every answer waits ~40 ms on Nagle + delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # A restarted fake keeps its port, so a bot configured with base_url can reconnect.
        sock.bind(("127.0.0.1", self._port))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app, host="127.0.0.1", port=self._port, loop="asyncio", http="h11",
            ws="none", lifespan="off", access_log=False, log_config=None, log_level="warning",
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                  name="fake-botapi", daemon=True)
        with self._lock:
            self._stopping = False
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError(f"fake Bot API did not start on port {self._port}")
            time.sleep(0.005)
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop serving; waiting requests are let go first so shutdown does not hang on them."""
        if self._server is None or self._thread is None:
            return
        with self._lock:
            self._stopping = True
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def reset(self, first_update_id: int = 1) -> None:
        """Back to a fresh server between tests; requests still waiting are dropped. Update
        ids start at `first_update_id` (a bot remembers ids it has seen, across test runs)."""
        with self._lock:
            self._clear_locked(first_update_id)

    @property
    def token(self) -> str:
        return self._token

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the fake Bot API has not been started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def bot_user(self) -> JSON:
        return dict(self._bot_user)

    # ------------------------------------------------------------------ residents' side

    def next_update_id(self) -> int:
        """Reserve an update id, for updates a test delivers to a webhook itself."""
        with self._lock:
            return self._take_update_id_locked()

    def make_message_update(self, chat_id: int, text: str, *, chat_type: str = "private",
                            user_id: int | None = None, edited: bool = False,
                            reply_to_bot: bool = False,
                            entities: list[JSON] | None = None) -> JSON:
        with self._lock:
            return self._message_update_locked(chat_id, text, chat_type, user_id, edited,
                                               reply_to_bot, entities)

    def push_message(self, chat_id: int, text: str, *, chat_type: str = "private",
                     user_id: int | None = None, edited: bool = False,
                     reply_to_bot: bool = False, entities: list[JSON] | None = None) -> int:
        with self._lock:
            update = self._message_update_locked(chat_id, text, chat_type, user_id, edited,
                                                 reply_to_bot, entities)
            return self._enqueue_locked(update)

    def make_media_update(self, chat_id: int, kind: str, *, caption: str | None = None,
                          chat_type: str = "private", user_id: int | None = None,
                          **fields: Any) -> JSON:
        with self._lock:
            return self._media_update_locked(chat_id, kind, caption, chat_type, user_id, fields)

    def push_media(self, chat_id: int, kind: str, *, caption: str | None = None,
                   chat_type: str = "private", user_id: int | None = None,
                   **fields: Any) -> int:
        """Queue a non-text message; `fields` override the media object's defaults.

        For photos they apply to the largest size; a contact's user_id is the sender's, as when
        a resident shares their own number through a request_contact button.
        """
        with self._lock:
            update = self._media_update_locked(chat_id, kind, caption, chat_type, user_id, fields)
            return self._enqueue_locked(update)

    def make_callback_update(self, chat_id: int, message_id: int, data: str, *,
                             user_id: int | None = None) -> JSON:
        with self._lock:
            return self._callback_update_locked(chat_id, message_id, data, user_id)

    def push_callback(self, chat_id: int, message_id: int, data: str, *,
                      user_id: int | None = None) -> int:
        with self._lock:
            update = self._callback_update_locked(chat_id, message_id, data, user_id)
            return self._enqueue_locked(update)

    def make_member_update(self, chat_id: int, status: str, *,
                           user_id: int | None = None) -> JSON:
        with self._lock:
            return self._member_update_locked(chat_id, status, user_id)

    def push_member_status(self, chat_id: int, status: str, *,
                           user_id: int | None = None) -> int:
        """Queue a my_chat_member update.

        "kicked" also blocks the chat and "member" unblocks it, because on Telegram these are
        one event: a resident who blocks the bot both produces the update and makes sends fail.
        """
        with self._lock:
            update = self._member_update_locked(chat_id, status, user_id)
            return self._enqueue_locked(update)

    def push_raw(self, update: JSON) -> int:
        with self._lock:
            return self._enqueue_locked(copy.deepcopy(update))

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by a getUpdates offset."""
        with self._lock:
            return copy.deepcopy(self._updates)

    # ------------------------------------------------------------------ what the bot did

    def messages(self, chat_id: int | None = None) -> list[SentMessage]:
        with self._lock:
            return [copy.deepcopy(m) for m in self._sent
                    if chat_id is None or m.chat_id == chat_id]

    def on_sent(self, listener: Callable[[int], None]) -> None:
        """Call `listener(chat_id)` (in the server's thread, so it must only hand over, e.g.
        with loop.call_soon_threadsafe) whenever a message is recorded: a load generator then
        waits for replies without polling."""
        with self._lock:
            self._listeners.append(listener)

    def sent_count(self, chat_id: int) -> int:
        """How many messages a chat has received: cheap enough to poll under load (bench)."""
        with self._lock:
            return self._sent_count.get(chat_id, 0)

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [dataclasses.replace(c, params=copy.deepcopy(c.params)) for c in self._calls
                    if method is None or c.method.lower() == method.lower()]

    def answered_callbacks(self) -> dict[str, JSON]:
        with self._lock:
            return copy.deepcopy(self._callbacks_answered)

    def unanswered_callbacks(self) -> set[str]:
        """Callback queries handed to the bot that it has not answered (the spinner still on)."""
        with self._lock:
            return set(self._callbacks_pending)

    def commands(self, language_code: str = "") -> list[JSON]:
        """The command menu set for the default scope."""
        with self._lock:
            key = (json.dumps({"type": "default"}, sort_keys=True), language_code)
            return copy.deepcopy(self._commands.get(key, []))

    @property
    def webhook(self) -> JSON | None:
        with self._lock:
            return copy.deepcopy(self._webhook)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10, *,
                 what: str | None = None) -> None:
        """Poll until `predicate` holds; an exception from it counts as "not yet"."""
        deadline = time.monotonic() + timeout
        while True:
            ok, error = self._try(predicate)
            if ok:
                return
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_report(predicate, timeout, what, error))
            time.sleep(POLL_INTERVAL)

    async def awaits_for(self, predicate: Callable[[], bool], timeout: float = 10, *,
                         what: str | None = None) -> None:
        """wait_for for async tests: sleeping with asyncio keeps the test's own loop running."""
        deadline = time.monotonic() + timeout
        while True:
            ok, error = self._try(predicate)
            if ok:
                return
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_report(predicate, timeout, what, error))
            await asyncio.sleep(POLL_INTERVAL)

    # ------------------------------------------------------------------ faults

    def fail_next(self, method: str, status: int, times: int = 1, retry_after: int = 1,
                  chat_id: int | None = None) -> None:
        """Script failures, consumed in order by the next matching calls."""
        with self._lock:
            self._scripted.extend(_Fault(method.lower(), status, retry_after, chat_id)
                                  for _ in range(times))

    def random_faults(self, rate_429: float, rate_502: float, seed: int = 0,
                      methods: set[str] | None = None, retry_after: int = 1) -> None:
        """Fail matching calls at random (seeded); `methods=None` means every method.

        One draw per matching call keeps a run reproducible for a given seed and call order.
        """
        with self._lock:
            if rate_429 <= 0 and rate_502 <= 0:
                self._random = None
                return
            wanted = frozenset(m.lower() for m in methods) if methods is not None else None
            self._random = _RandomFaults(rate_429, rate_502, random.Random(seed), wanted,
                                         retry_after)

    def block(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def hold(self, chat_id: int) -> None:
        """Leave sendMessage to this chat unanswered until release()."""
        with self._lock:
            self._held.add(chat_id)

    def release(self, chat_id: int) -> None:
        with self._lock:
            self._held.discard(chat_id)

    def held(self, chat_id: int) -> int:
        """How many sendMessage requests to this chat are waiting."""
        with self._lock:
            return len(self._waiting.get(chat_id, []))

    def delay(self, seconds: float) -> None:
        """Delay every answer, as a slow network would (0 turns it off)."""
        with self._lock:
            self._delay = max(0.0, seconds)

    # ------------------------------------------------------------------ update building

    def _take_update_id_locked(self) -> int:
        update_id = self._next_update
        self._next_update += 1
        return update_id

    def _enqueue_locked(self, update: JSON) -> int:
        if "update_id" not in update:
            update["update_id"] = self._take_update_id_locked()
        else:
            self._next_update = max(self._next_update, int(update["update_id"]) + 1)
        self._updates.append(update)
        self._updates.sort(key=lambda u: int(u["update_id"]))
        return int(update["update_id"])

    def _chat_locked(self, chat_id: int, chat_type: str | None = None) -> JSON:
        if chat_type is not None:
            chat: JSON = {"id": chat_id, "type": chat_type}
            if chat_type == "private":
                chat["first_name"] = "주민"
            else:
                chat["title"] = "주민 모임"
            self._chats[chat_id] = chat
        if chat_id not in self._chats:
            if chat_id > 0:
                guess = "private"
            else:
                guess = "supergroup" if str(chat_id).startswith("-100") else "group"
            return self._chat_locked(chat_id, guess)
        return dict(self._chats[chat_id])

    def _resident(self, chat: JSON, user_id: int | None) -> JSON:
        if user_id is None:
            user_id = chat["id"] if chat["type"] == "private" else GROUP_RESIDENT_ID
        return {"id": user_id, "is_bot": False, "first_name": "주민", "language_code": "ko"}

    def _next_message_id_locked(self, chat_id: int) -> int:
        """One counter per chat shared by both sides, as in a Telegram private chat."""
        message_id = self._message_ids.get(chat_id, 0) + 1
        self._message_ids[chat_id] = message_id
        return message_id

    def _resident_message_locked(self, chat_id: int, chat_type: str, user_id: int | None,
                                 edited: bool) -> JSON:
        chat = self._chat_locked(chat_id, chat_type)
        previous = self._last_resident_message.get(chat_id)
        if edited and previous is not None:
            message_id = previous
        else:
            message_id = self._next_message_id_locked(chat_id)
            self._last_resident_message[chat_id] = message_id
        message: JSON = {"message_id": message_id, "from": self._resident(chat, user_id),
                         "chat": chat, "date": _now()}
        if edited:
            message["edit_date"] = _now()
        return message

    def _message_update_locked(self, chat_id: int, text: str, chat_type: str,
                               user_id: int | None, edited: bool, reply_to_bot: bool,
                               entities: list[JSON] | None) -> JSON:
        message = self._resident_message_locked(chat_id, chat_type, user_id, edited)
        message["text"] = text
        if entities is None:
            entities = [{"type": "bot_command", "offset": _utf16_len(text[:m.start()]),
                         "length": _utf16_len(m.group())} for m in _COMMAND.finditer(text)]
        if entities:
            message["entities"] = copy.deepcopy(entities)
        if reply_to_bot:
            last = self._last_bot_message.get(chat_id)
            if last is None:
                raise LookupError(f"the bot has sent nothing in chat {chat_id} to reply to")
            message["reply_to_message"] = copy.deepcopy(self._bot_messages[(chat_id, last)])
        key = "edited_message" if edited else "message"
        return {"update_id": self._take_update_id_locked(), key: message}

    def _media_locked(self, kind: str, chat: JSON, user_id: int | None,
                      fields: JSON) -> JSON:
        n = next(self._file_ids)

        def file(prefix: str, **extra: Any) -> JSON:
            return {"file_id": f"fake-{prefix}-{n}", "file_unique_id": f"u-{prefix}-{n}",
                    "file_size": 1024 * n, **extra}

        if kind == "photo":
            small = file("photo-s", width=90, height=68)
            small["file_id"] += "s"
            small["file_unique_id"] += "s"
            return {"photo": [small, {**file("photo", width=800, height=600), **fields}]}
        defaults: dict[str, JSON] = {
            "voice": file("voice", duration=3, mime_type="audio/ogg"),
            "sticker": file("sticker", width=512, height=512, is_animated=False,
                            is_video=False, type="regular", emoji="👍"),
            "location": {"latitude": 37.5665, "longitude": 126.978},
            "document": file("document", file_name="서류.pdf", mime_type="application/pdf"),
            "video": file("video", width=640, height=360, duration=5, mime_type="video/mp4"),
            "audio": file("audio", duration=30, mime_type="audio/mpeg", title="녹음"),
            "contact": {"phone_number": "+821012345678", "first_name": "주민",
                        "user_id": self._resident(chat, user_id)["id"]},
            "video_note": file("video_note", length=240, duration=5),
            "animation": file("animation", width=320, height=240, duration=2,
                              mime_type="video/mp4", file_name="animation.mp4"),
        }
        media = {**defaults[kind], **fields}
        if kind == "animation":
            # Telegram sends animations with a duplicate "document" for old clients, so a bot
            # that looks for documents sees GIFs too.
            return {"animation": media,
                    "document": {k: media[k] for k in ("file_id", "file_unique_id", "file_size",
                                                       "mime_type", "file_name") if k in media}}
        return {kind: media}

    def _media_update_locked(self, chat_id: int, kind: str, caption: str | None,
                             chat_type: str, user_id: int | None, fields: JSON) -> JSON:
        if kind not in MEDIA_KINDS:
            raise ValueError(f"unknown media kind {kind!r}; use one of {MEDIA_KINDS}")
        message = self._resident_message_locked(chat_id, chat_type, user_id, edited=False)
        message.update(self._media_locked(kind, message["chat"], user_id, fields))
        if caption is not None:
            message["caption"] = caption
        return {"update_id": self._take_update_id_locked(), "message": message}

    def _callback_update_locked(self, chat_id: int, message_id: int, data: str,
                                user_id: int | None) -> JSON:
        message = self._bot_messages.get((chat_id, message_id))
        if message is None:
            raise LookupError(f"the bot sent no message {message_id} in chat {chat_id}")
        query_id = str(4_000_000_000_000_000 + next(self._callback_ids))
        self._callbacks_pending.add(query_id)
        query = {"id": query_id, "from": self._resident(self._chat_locked(chat_id), user_id),
                 "message": copy.deepcopy(message), "chat_instance": f"-{abs(chat_id)}77",
                 "data": data}
        return {"update_id": self._take_update_id_locked(), "callback_query": query}

    def _member_update_locked(self, chat_id: int, status: str, user_id: int | None) -> JSON:
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status {status!r} is not one of {MEMBER_STATUSES}; "
                             "use push_raw for administrators and restricted members")
        chat = self._chat_locked(chat_id)

        def member(state: str) -> JSON:
            entry: JSON = {"status": state, "user": dict(self._bot_user)}
            if state == "kicked":
                entry["until_date"] = 0  # 0 = for ever, which is what blocking means
            return entry

        old = self._member_status.get(chat_id, "member")
        self._member_status[chat_id] = status
        if status == "kicked":
            self._blocked.add(chat_id)
        elif status == "member":
            self._blocked.discard(chat_id)
        update = {"chat": chat, "from": self._resident(chat, user_id), "date": _now(),
                  "old_chat_member": member(old), "new_chat_member": member(status)}
        return {"update_id": self._take_update_id_locked(), "my_chat_member": update}

    # ------------------------------------------------------------------ HTTP

    async def _endpoint(self, request: Request) -> Response:
        arrived = time.monotonic()
        match = _PATH.fullmatch(request.url.path)
        token, raw_method = match.groups() if match else ("", request.url.path.rsplit("/")[-1])
        known = self._handlers.get(raw_method.lower())
        method = known[0] if known else raw_method
        call = Call(method=method, params={}, status=0, at=arrived)
        with self._lock:
            generation = self._generation
            self._calls.append(call)
        body: JSON
        try:
            if not match or not _TOKEN_SHAPE.fullmatch(token):
                raise _ApiError(404, "Not Found")
            if token != self._token:
                raise _ApiError(401, "Unauthorized")
            if known is None:
                raise _ApiError(404, "Not Found")
            params = await self._read_params(request)
            with self._lock:
                call.params = params
                delay = self._delay
            if delay:
                await asyncio.sleep(delay)
            result, description = await self._dispatch(method, params, request, generation)
            status, body = 200, {"ok": True, "result": result}
            if description:
                body["description"] = description
        except _ApiError as error:
            status, body, description = error.status, error.envelope(), error.description
        except _Dropped:
            status, description = CLIENT_CLOSED, "client went away before the answer"
            body = {"ok": False, "error_code": status, "description": description}
        with self._lock:
            call.status = status
            call.description = description
        return JSONResponse(body, status_code=status)

    async def _read_params(self, request: Request) -> JSON:
        """Query string, then form or JSON body, decoded the way Telegram reads them."""
        raw: JSON = dict(request.query_params)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        if content_type == "application/json" and body.strip():
            try:
                parsed = json.loads(body)
            except ValueError as error:
                raise _ApiError(400, "Bad Request: can't parse JSON request body") from error
            if not isinstance(parsed, dict):
                raise _ApiError(400, "Bad Request: JSON request body must be an object")
            raw.update(parsed)
        elif content_type == "application/x-www-form-urlencoded":
            raw.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        elif content_type.startswith("multipart/"):
            raise _ApiError(400, "Bad Request: the fake Bot API does not accept file uploads")
        return {name: _decode(name, value) for name, value in raw.items()}

    async def _dispatch(self, method: str, params: JSON, request: Request,
                        generation: int) -> tuple[Any, str | None]:
        chat_id = _as_int(params.get("chat_id"))
        with self._lock:
            self._check_faults_locked(method, chat_id)
            if chat_id is not None and chat_id in self._blocked:
                raise _ApiError(403, BLOCKED)
            ticket = None
            if method == "sendMessage" and chat_id is not None and \
                    (chat_id in self._held or self._waiting.get(chat_id)):
                ticket = next(self._tickets)
                self._waiting.setdefault(chat_id, []).append(ticket)
        if method == "getUpdates":
            return await self._get_updates(params, request, generation), None
        if ticket is None:
            return self._handle(method, params)
        assert chat_id is not None
        try:
            await self._wait_for_turn(chat_id, ticket, request, generation)
            return self._handle(method, params)
        finally:
            with self._lock:
                queue = self._waiting.get(chat_id, [])
                if ticket in queue:
                    queue.remove(ticket)
                if not queue:
                    self._waiting.pop(chat_id, None)

    def _handle(self, method: str, params: JSON) -> tuple[Any, str | None]:
        with self._lock:
            result = self._handlers[method.lower()][1](params)
        if isinstance(result, tuple):
            return result
        return result, None

    def _check_faults_locked(self, method: str, chat_id: int | None) -> None:
        """Scripted faults first, then random ones; a fault stops the call before any effect."""
        lowered = method.lower()
        for index, fault in enumerate(self._scripted):
            if fault.method == lowered and fault.chat_id in (None, chat_id):
                del self._scripted[index]
                raise _fault_error(fault.status, fault.retry_after)
        faults = self._random
        if faults is None or (faults.methods is not None and lowered not in faults.methods):
            return
        draw = faults.rng.random()
        if draw < faults.rate_429:
            raise _fault_error(429, faults.retry_after)
        if draw < faults.rate_429 + faults.rate_502:
            raise _fault_error(502, faults.retry_after)

    async def _wait_for_turn(self, chat_id: int, ticket: int, request: Request,
                             generation: int) -> None:
        """Wait while the chat is held, then go in arrival order, but only if still wanted."""
        while True:
            with self._lock:
                gone = self._stopping or self._generation != generation
                queue = self._waiting.get(chat_id, [])
                turn = chat_id not in self._held and bool(queue) and queue[0] == ticket
            if gone or await request.is_disconnected():
                raise _Dropped
            if turn:
                return
            await asyncio.sleep(POLL_INTERVAL)

    async def _get_updates(self, params: JSON, request: Request, generation: int) -> list[JSON]:
        offset = _as_int(params.get("offset"))
        limit = min(max(_as_int(params.get("limit")) or 100, 1), 100)
        timeout = params.get("timeout") or 0
        if not isinstance(timeout, int | float) or isinstance(timeout, bool):
            raise _ApiError(400, "Bad Request: wrong parameter timeout")
        with self._lock:
            if self._webhook is not None:
                raise _ApiError(409, WEBHOOK_ACTIVE)
            if "allowed_updates" in params:
                self._set_allowed_locked(params["allowed_updates"])
            self._poller += 1
            mine = self._poller
        deadline = time.monotonic() + max(0.0, float(timeout))
        while True:
            with self._lock:
                superseded = self._poller != mine
                if self._stopping or self._generation != generation:
                    return []
                batch = [] if superseded else self._take_updates_locked(offset, limit)
            # A poll abandoned by its client (PTB cancels it when the updater stops) is not a
            # second bot instance, so only a poller still listening is told about the conflict.
            if (superseded or not batch) and await request.is_disconnected():
                raise _Dropped
            if superseded:
                raise _ApiError(409, TERMINATED)
            if batch or time.monotonic() >= deadline:
                return batch
            await asyncio.sleep(POLL_INTERVAL)

    def _set_allowed_locked(self, allowed: Any) -> None:
        if allowed is None or allowed == []:
            self._allowed = None
        elif isinstance(allowed, list):
            self._allowed = frozenset(str(kind) for kind in allowed)
        else:
            raise _ApiError(400, "Bad Request: can't parse allowed updates")

    def _take_updates_locked(self, offset: int | None, limit: int) -> list[JSON]:
        """Confirm what lies below the offset, drop unwanted kinds, hand out the rest."""
        if offset is not None and offset < 0:
            self._updates = self._updates[offset:]
        elif offset is not None:
            self._updates = [u for u in self._updates if int(u["update_id"]) >= offset]
        if self._allowed is None:
            self._updates = [u for u in self._updates if _update_type(u) not in OPT_IN_UPDATES]
        else:
            self._updates = [u for u in self._updates if _update_type(u) in self._allowed]
        return copy.deepcopy(self._updates[:limit])

    # ------------------------------------------------------------------ methods

    def _true(self, params: JSON) -> bool:
        return True

    def _get_me(self, params: JSON) -> JSON:
        return {**self._bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    def _required_chat_id(self, params: JSON) -> int:
        if params.get("chat_id") in (None, ""):
            raise _ApiError(400, "Bad Request: chat_id is empty")
        chat_id = _as_int(params["chat_id"])
        if chat_id is None:
            raise _ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _checked_text(self, params: JSON) -> str:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _ApiError(400, "Bad Request: message is too long")
        return text

    def _checked_markup(self, params: JSON, inline_only: bool = False) -> JSON | None:
        markup = params.get("reply_markup")
        if markup is None or markup == "":
            return None
        kinds = ("inline_keyboard",) if inline_only else (
            "inline_keyboard", "keyboard", "remove_keyboard", "force_reply")
        if not isinstance(markup, dict) or not any(k in markup for k in kinds):
            raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _ApiError(400, "Bad Request: can't parse inline keyboard button: "
                                         "Text buttons are unallowed in the inline keyboard")
                if not INLINE_BUTTON_ACTIONS & button.keys():
                    raise _ApiError(400, "Bad Request: text buttons are unallowed in the "
                                         "inline keyboard")
                data = button.get("callback_data")
                if data is not None and not (
                        0 < len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES):
                    raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _send_message(self, params: JSON) -> JSON:
        chat_id = self._required_chat_id(params)
        text = self._checked_text(params)
        markup = self._checked_markup(params)
        message_id = self._next_message_id_locked(chat_id)
        message: JSON = {"message_id": message_id, "from": dict(self._bot_user),
                         "chat": self._chat_locked(chat_id), "date": _now(), "text": text}
        if isinstance(params.get("entities"), list):
            message["entities"] = params["entities"]
        if _inline(markup) is not None:
            message["reply_markup"] = markup
        sent = SentMessage(chat_id=chat_id, message_id=message_id, text=text,
                           reply_markup=markup, buttons=_buttons(markup))
        self._sent.append(sent)
        self._sent_count[sent.chat_id] = self._sent_count.get(sent.chat_id, 0) + 1
        for listener in self._listeners:
            listener(chat_id)
        self._by_key[(chat_id, message_id)] = sent
        self._bot_messages[(chat_id, message_id)] = message
        self._last_bot_message[chat_id] = message_id
        return copy.deepcopy(message)

    def _message_to_edit(self, params: JSON) -> tuple[SentMessage, JSON]:
        if params.get("inline_message_id"):
            raise _ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat_id = self._required_chat_id(params)
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        key = (chat_id, message_id)
        if key not in self._by_key:
            raise _ApiError(400, "Bad Request: message to edit not found")
        return self._by_key[key], self._bot_messages[key]

    def _apply_edit(self, sent: SentMessage, message: JSON, text: str,
                    markup: JSON | None, edit: JSON) -> JSON:
        inline = _inline(markup)
        if text == message["text"] and inline == message.get("reply_markup"):
            raise _ApiError(400, NOT_MODIFIED)
        message["text"] = text
        message["edit_date"] = _now()
        if inline is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = inline
        sent.text = text
        # A reply keyboard belongs to the chat, so removing the inline one leaves it alone.
        if inline is not None or _inline(sent.reply_markup) is not None:
            sent.reply_markup = inline
        sent.buttons = _buttons(sent.reply_markup)
        sent.edits.append(edit)
        return copy.deepcopy(message)

    def _edit_message_reply_markup(self, params: JSON) -> JSON:
        sent, message = self._message_to_edit(params)
        markup = self._checked_markup(params, inline_only=True)
        edit = {"method": "editMessageReplyMarkup", "reply_markup": copy.deepcopy(markup)}
        return self._apply_edit(sent, message, message["text"], markup, edit)

    def _edit_message_text(self, params: JSON) -> JSON:
        """Editing text without reply_markup drops the inline keyboard, as Telegram does."""
        sent, message = self._message_to_edit(params)
        text = self._checked_text(params)
        markup = self._checked_markup(params, inline_only=True)
        edit = {"method": "editMessageText", "text": text, "reply_markup": copy.deepcopy(markup)}
        return self._apply_edit(sent, message, text, markup, edit)

    def _answer_callback_query(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._callbacks_pending:
            raise _ApiError(400, QUERY_INVALID)
        self._callbacks_pending.discard(query_id)
        self._callbacks_answered[query_id] = copy.deepcopy(params)
        return True

    def _set_webhook(self, params: JSON) -> tuple[bool, str]:
        url = params.get("url")
        if url in (None, ""):
            return self._delete_webhook(params)
        parts = urlsplit(str(url))
        if parts.scheme != "https" or not parts.hostname:
            raise _ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for "
                                 "webhook")
        if parts.port not in (None, 80, 88, 443, 8443):
            raise _ApiError(400, "Bad Request: bad webhook: Webhook can be set up only on ports "
                                 "80, 88, 443 or 8443")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        if "allowed_updates" in params:
            self._set_allowed_locked(params["allowed_updates"])
        if params.get("drop_pending_updates"):
            self._updates = []
        self._webhook = copy.deepcopy(params)
        return True, "Webhook was set"

    def _delete_webhook(self, params: JSON) -> tuple[bool, str]:
        if params.get("drop_pending_updates"):
            self._updates = []
        was_set = self._webhook is not None
        self._webhook = None
        return True, "Webhook was deleted" if was_set else "Webhook is already deleted"

    def _get_webhook_info(self, params: JSON) -> JSON:
        info: JSON = {"url": "", "has_custom_certificate": False,
                      "pending_update_count": len(self._updates)}
        if self._webhook is not None:
            info["url"] = self._webhook["url"]
            info["max_connections"] = self._webhook.get("max_connections", 40)
            if self._webhook.get("allowed_updates"):
                info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or \
                    not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 0 < len(str(command.get("description", ""))) <= 256:
                raise _ApiError(400, "Bad Request: command description is empty")
        self._commands[self._commands_key(params)] = copy.deepcopy(commands)
        return True

    def _delete_my_commands(self, params: JSON) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _get_my_commands(self, params: JSON) -> list[JSON]:
        return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _send_chat_action(self, params: JSON) -> bool:
        self._required_chat_id(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    # ------------------------------------------------------------------ waiting helpers

    @staticmethod
    def _try(predicate: Callable[[], bool]) -> tuple[bool, BaseException | None]:
        try:
            return bool(predicate()), None
        except Exception as error:
            return False, error

    def _timeout_report(self, predicate: Callable[[], bool], timeout: float,
                        what: str | None, error: BaseException | None) -> str:
        if what is None:
            what = getattr(predicate, "__qualname__", repr(predicate))
            if what.endswith("<lambda>"):
                with contextlib.suppress(OSError, TypeError):
                    what = inspect.getsource(predicate).strip()
        with self._lock:
            sent = [(m.chat_id, m.message_id, m.text[:60]) for m in self._sent[-5:]]
            calls = [(c.method, c.status) for c in self._calls[-10:]]
            pending = len(self._updates)
        lines = [f"fake Bot API: condition not met within {timeout:g}s: {what}"]
        if error is not None:
            lines.append(f"  the condition last raised {error!r}")
        lines.append(f"  last messages sent (chat, id, text): {sent}")
        lines.append(f"  last calls (method, status): {calls}")
        lines.append(f"  updates not yet confirmed: {pending}")
        return "\n".join(lines)
