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
  transcript. No TTL while open: a case is never dropped (issue 6 sets retention once closed).
- `bokji:cases:open` (sorted set): open case ids, scored by priority, then time. No TTL.
- `bokji:handoff` (stream): one entry per case event for the caseworker side. No TTL;
  trimmed to about the newest 100,000 entries.
"""

from __future__ import annotations

PREFIX = "bokji"
HANDOFF_STREAM = f"{PREFIX}:handoff"
HANDOFF_STREAM_MAXLEN = 100_000
OPEN_CASES = f"{PREFIX}:cases:open"


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


def conversation_keys(cid: str) -> list[str]:
    """Everything stored about one resident's conversation (what a deletion request erases)."""
    return [state(cid), transcript(cid), lock(cid), conversation_case(cid)]


def idle_seconds(idle_days: float) -> int:
    return int(idle_days * 86400)
