"""Leases: Redis locks that expire, so a worker that dies holding one cannot block others forever.

One primitive serves every "only one at a time" in the bot: a resident's conversation (one
message handled at a time), a Telegram chat's mailbox (handled in order by one worker), and the
singletons among several workers (the getUpdates poller, the outbound stream reader). A lease
is a key set with NX and a random token; only the holder's token can renew or release it, so a
lease that expired and was taken by another worker is never released by the first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aredis

log = logging.getLogger("bokji.store")

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""


class Busy(Exception):
    """Someone else holds the lease and did not let go in time."""


class Lease:
    def __init__(self, redis: aredis.Redis, key: str, seconds: float) -> None:
        self.redis = redis
        self.key = key
        self.ms = max(1, int(seconds * 1000))
        self.token = secrets.token_hex(8)
        self.lost = False  # set when a renewal found the lease gone (work under it should stop)
        self._release = redis.register_script(_RELEASE)
        self._renew = redis.register_script(_RENEW)

    async def try_acquire(self) -> bool:
        return bool(await self.redis.set(self.key, self.token, nx=True, px=self.ms))

    async def acquire(self, wait: float) -> None:
        """Wait for the lease up to `wait` seconds, then give up with Busy."""
        deadline = time.monotonic() + wait
        delay = 0.005
        while not await self.try_acquire():
            if time.monotonic() > deadline:
                raise Busy(self.key)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)

    async def renew(self) -> bool:
        """Extend the lease; False when it was lost (expired and perhaps taken by another)."""
        return bool(await self._renew(keys=[self.key], args=[self.token, self.ms]))

    async def release(self) -> None:
        await self._release(keys=[self.key], args=[self.token])

    @asynccontextmanager
    async def kept(self) -> AsyncIterator[None]:
        """Renew the held lease in the background until the block ends, then release it.

        Work under a lease may wait on Telegram's flood control for longer than the lease
        lives; renewing keeps it ours while this process is alive, and a killed process stops
        renewing, so the lease expires and another worker takes over.
        """
        stop = asyncio.Event()

        async def renew_forever() -> None:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.ms / 3000)
                    return
                try:
                    if not await self.renew():
                        log.warning("lease %s was lost", self.key.rsplit(":", 1)[-1])
                        self.lost = True
                        return
                except Exception as exc:  # Redis hiccup: try again at the next tick
                    log.warning("lease renewal failed: %s", type(exc).__name__)

        # The renewer is stopped by an event, not by cancelling it: redis-py's asyncio client
        # can swallow a cancellation that arrives during a command, and a renewer that lives
        # on keeps the lease forever (found by bench/telegram.py: a chat stuck for good).
        task = asyncio.create_task(renew_forever())
        try:
            yield
        finally:
            stop.set()
            _, running = await asyncio.wait({task}, timeout=self.ms / 1000)
            for late in running:
                late.cancel()
            with contextlib.suppress(Exception):
                await self.release()
