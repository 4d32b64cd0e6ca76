"""Dashboard logins: server-side sessions in Redis, CSRF tokens and the login rate limit.

The cookie holds only a random session id; the name, role and CSRF token stay in Redis with
the idle timeout as TTL, renewed by each request. So a session ends by itself when unused,
logging out or disabling the account ends it at once, and nothing in the cookie can be
forged or replayed after that.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

import redis.asyncio as aredis

from bot.settings import WebSettings
from bot.store import keys

COOKIE = "bokji_session"
LOGIN_COOKIE = "bokji_login"   # the login form's CSRF token (no session exists yet)


@dataclass
class Session:
    sid: str
    name: str
    role: str
    csrf: str

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"

    def csrf_ok(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.csrf, token)


class Sessions:
    def __init__(self, redis: aredis.Redis, settings: WebSettings) -> None:
        self.redis = redis
        self.idle = max(1, int(settings.idle_minutes * 60))
        self.window = max(1, int(settings.login_window_minutes * 60))
        self.max_failures = settings.login_max_failures

    async def create(self, name: str, role: str) -> Session:
        session = Session(secrets.token_urlsafe(32), name, role, secrets.token_urlsafe(32))
        key = keys.web_session(session.sid)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"name": name, "role": role, "csrf": session.csrf})
            pipe.expire(key, self.idle)
            await pipe.execute()
        return session

    async def get(self, sid: str | None, renew: bool = True) -> Session | None:
        """The live session, its idle timer restarted unless `renew` is off (a background
        refresh is not the caseworker doing something); None when unknown or expired."""
        if not sid or len(sid) > 100:
            return None
        key = keys.web_session(sid)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(key)
            if renew:
                pipe.expire(key, self.idle)
            data = (await pipe.execute())[0]
        if not data:
            return None
        return Session(sid, data["name"], data["role"], data["csrf"])

    async def end(self, sid: str) -> None:
        await self.redis.delete(keys.web_session(sid))

    async def refused(self, name: str, address: str) -> int:
        """Seconds until a login for this name from this address is allowed again: too many
        failures for either in the window (0: allowed)."""
        counters = [keys.web_login_failures(name), keys.web_login_failures(address, "login-ip")]
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in counters:
                pipe.get(key)
                pipe.ttl(key)
            got = await pipe.execute()
        waits = [max(1, int(ttl)) for count, ttl in zip(got[::2], got[1::2], strict=True)
                 if int(count or 0) >= self.max_failures]
        return max(waits, default=0)

    async def failed(self, name: str, address: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in (keys.web_login_failures(name),
                        keys.web_login_failures(address, "login-ip")):
                pipe.set(key, 0, ex=self.window, nx=True)  # the window starts at the first failure
                pipe.incr(key)  # (INCR keeps the TTL; EXPIRE … NX needs Redis 7, embedded is 6.2)
            await pipe.execute()

    async def succeeded(self, name: str) -> None:
        await self.redis.delete(keys.web_login_failures(name))
