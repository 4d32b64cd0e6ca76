"""Every Redis key the bot uses, built here and nowhere else, with how long it lives.

`cid` is the channel and the channel's chat id, e.g. `console:local`, `telegram:12345`.

- `bokji:conv:{cid}:state` (string, JSON): the conversation: profile so far, pending
  question. TTL `dialogue.idle_days` (30 days), renewed by every message.
- `bokji:conv:{cid}:log` (list of JSON): the transcript, personal numbers masked, newest
  `dialogue.transcript_max` entries. TTL as the state.
- `bokji:conv:{cid}:lock` (string): token of the worker handling this resident's message.
  TTL `store.lock_seconds` (30 s), deleted as soon as the message is handled.
- `bokji:conv:{cid}:case` (string): the open case of the conversation, so a second crisis
  message joins it. No TTL while the case is open.
- `bokji:case:{case_id}` (hash): a handoff case: reason, priority, profile, results,
  transcript, notes, history. No TTL while open: an open case is never dropped; once closed,
  TTL `handoff.closed_retention_days` (365 days).
- `bokji:cases:open` (sorted set): open case ids, scored by priority, then time. No TTL.
- `bokji:cases:waits:{priority}` (list): seconds the latest 50 claimed cases of a priority
  waited, for the estimate a waiting resident is told. No TTL (bounded by its length).
- `bokji:audit` (stream): who did what to which case and when (every view, claim, reply,
  close, login), append-only: never trimmed, no TTL. Holds no message text.
- `bokji:web:session:{sid}` (hash): a dashboard login. TTL `web.idle_minutes` (30 min),
  renewed by every request, so an idle session ends by itself; deleted at logout.
- `bokji:web:login:{name}` and `bokji:web:login-ip:{address}` (counters): failed logins in the
  current window. TTL `web.login_window_minutes` (15 min).
- `bokji:handoff:watch` (string): lease of the one process running the SLA check and the
  caseworker notices. TTL three times `handoff.check_seconds` (90 s), renewed every round.
- `bokji:handoff:notified` (string): id of the last handoff-stream entry the notices covered.
  No TTL (the position must survive restarts).
- `bokji:console:{chat}:cursor` (string): id of the last caseworker message the console chat
  printed. TTL `dialogue.idle_days`.
- `bokji:handoff` (stream): one entry per case event for the caseworker side. No TTL;
  trimmed to about the newest 100,000 entries.
- `bokji:outbox:{channel}` (stream): messages to residents that do not answer their own
  message (a caseworker's reply), read in order by the channel's workers. No TTL; trimmed to
  about the newest 100,000 entries.

- `bokji:accounts` (hash): caseworker and supervisor accounts, name → JSON with an argon2id
  password hash (`bot/handoff/accounts.py`). No TTL; disabled accounts are kept.

Telegram channel (`bot/channels/telegram/`), `chat` being Telegram's chat id:
- `bokji:tg:update:{update_id}` (string): this update was received (duplicates dropped).
  TTL `telegram.dedup_hours` (48 h; Telegram gives up redelivering after 24 h).
- `bokji:tg:chat:{chat}:inbox` (sorted set of update JSON, scored by update id): received,
  not yet handled.
  TTL `telegram.mailbox_days` (7 days), renewed by every update.
- `bokji:tg:chat:{chat}:outbox` (list of JSON): replies and edits not yet confirmed sent by
  Telegram, in order. TTL as the inbox, renewed by every write.
- `bokji:tg:chat:{chat}:lease` (string): the worker handling this chat's mailbox. TTL
  `telegram.lock_seconds` (30 s), renewed while it works, deleted when done.
- `bokji:tg:chat:{chat}:keyboard` (string): id of the last message with buttons, so they
  are removed once used or superseded. TTL `dialogue.idle_days`.
- `bokji:tg:chat:{chat}:blocked` (string): the resident blocked the bot; nothing is sent
  until they write again. TTL `telegram.blocked_days` (180 days).
- `bokji:tg:chat:{chat}:rate:{window}` (counter) and `…:warned:{window}` (flag): messages in
  the current rate-limit window. TTL the window (`telegram.rate_limit.per_seconds`).
- `bokji:tg:active` (set): chats whose inbox or outbox holds work, swept by every worker so
  work left by a stopped worker is finished. No TTL; a chat leaves it when both are empty.
- `bokji:tg:poller`, `bokji:tg:outbox-reader` (strings): leases of the one worker that calls
  getUpdates, and of the one that reads the outbound stream. TTL `telegram.lock_seconds`.
- `bokji:tg:outbox-cursor` (string): id of the last outbound-stream entry moved into a
  chat's outbox. No TTL (the stream's position must survive restarts).
"""

from __future__ import annotations

PREFIX = "bokji"
HANDOFF_STREAM = f"{PREFIX}:handoff"
HANDOFF_STREAM_MAXLEN = 100_000
OPEN_CASES = f"{PREFIX}:cases:open"
ACCOUNTS = f"{PREFIX}:accounts"
AUDIT = f"{PREFIX}:audit"
HANDOFF_WATCH = f"{PREFIX}:handoff:watch"
HANDOFF_NOTIFIED = f"{PREFIX}:handoff:notified"


def claim_waits(priority: str) -> str:
    return f"{PREFIX}:cases:waits:{priority}"


def web_session(sid: str) -> str:
    return f"{PREFIX}:web:session:{sid}"


def web_login_failures(who: str, by: str = "login") -> str:
    """`by`: login (an account name) or login-ip (a client address)."""
    return f"{PREFIX}:web:{by}:{who}"


def console_cursor(chat: str) -> str:
    return f"{PREFIX}:console:{chat}:cursor"


def state(cid: str) -> str:
    return f"{PREFIX}:conv:{cid}:state"


def transcript(cid: str) -> str:
    return f"{PREFIX}:conv:{cid}:log"


def lock(cid: str) -> str:
    return f"{PREFIX}:conv:{cid}:lock"


def conversation_case(cid: str) -> str:
    return f"{PREFIX}:conv:{cid}:case"


def case(case_id: str) -> str:
    return f"{PREFIX}:case:{case_id}"


def outbox_stream(channel: str) -> str:
    return f"{PREFIX}:outbox:{channel}"


TG = f"{PREFIX}:tg"
TG_ACTIVE = f"{TG}:active"
TG_POLLER = f"{TG}:poller"
TG_OUTBOX_READER = f"{TG}:outbox-reader"
TG_OUTBOX_CURSOR = f"{TG}:outbox-cursor"


def tg_update(update_id: int) -> str:
    return f"{TG}:update:{update_id}"


def tg_chat(chat: int | str, what: str) -> str:
    """`what`: inbox, outbox, lease, keyboard, blocked, rate:{window}, warned:{window}."""
    return f"{TG}:chat:{chat}:{what}"


def tg_chat_keys(chat: int | str) -> list[str]:
    """What a deletion request erases on Telegram's side (with the conversation's keys).
    The lease and the mailbox of the message being handled stay until it is done."""
    return [tg_chat(chat, "keyboard"), tg_chat(chat, "blocked")]


def conversation_keys(cid: str) -> list[str]:
    """Everything stored about one resident's conversation (what a deletion request erases)."""
    return [state(cid), transcript(cid), lock(cid), conversation_case(cid)]


def idle_seconds(idle_days: float) -> int:
    return int(idle_days * 86400)


def days(n: float) -> int:
    """A TTL in seconds."""
    return int(n * 86400)
