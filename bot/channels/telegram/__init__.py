"""The Telegram channel: python-telegram-bot 22, long polling or webhook, several workers.

Stages, one module each: `updates` (what a Telegram update is, for us), `mailbox` (Redis:
each update once, in order, nothing lost), `replies` (our replies as Telegram messages),
`sender` (delivery with Telegram's errors handled), `worker` (one chat's messages handled
under a lease), `webhook` (the ASGI app), `commands` (`bokji telegram`).
"""

import os

# python-telegram-bot 22 gives RetryAfter.retry_after as a timedelta when asked to (the type
# its next major version uses); the sender reads both, so opt in and skip the deprecation.
os.environ.setdefault("PTB_TIMEDELTA", "1")
