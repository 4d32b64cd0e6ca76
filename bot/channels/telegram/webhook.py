"""The webhook: an ASGI app Telegram posts updates to, served by uvicorn.

It answers 200 only once the update is stored in Redis, so Telegram sends again anything a
worker did not keep (Redis away: 503, and a crisis still gets its hotline at once). Requests
without the secret token set with setWebhook are refused: anyone can reach a public URL.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels.telegram.worker import Worker
from bot.store.connection import UNAVAILABLE

log = logging.getLogger("bokji.telegram")

SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_BODY = 1_000_000  # Telegram's updates are a few kilobytes; anything this big is not one


def create_app(worker: Worker, secret: str, path: str = "/telegram") -> Starlette:
    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return JSONResponse({"ok": False, "error": "forbidden"}, status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"ok": False, "error": "too large"}, status_code=413)
        try:
            update = json.loads(body)
            if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
                raise ValueError("no update_id")
        except ValueError:
            return JSONResponse({"ok": False, "error": "not a Telegram update"},
                                status_code=400)
        try:
            await worker.receive(update)
        except (*UNAVAILABLE, RedisError) as exc:
            log.error("update not stored (%s): Telegram will send it again",
                      type(exc).__name__)
            await worker.emergency(update)
            return JSONResponse({"ok": False, "error": "try again"}, status_code=503)
        return JSONResponse({"ok": True})

    async def health(request: Request) -> Response:
        try:
            await worker.redis.ping()
        except (*UNAVAILABLE, RedisError):
            return JSONResponse({"ok": False, "redis": "unavailable"}, status_code=503)
        return JSONResponse({"ok": True})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await worker.start(poll=False)
        try:
            yield
        finally:
            await worker.stop()

    return Starlette(routes=[Route(path, telegram, methods=["POST"]),
                             Route("/healthz", health, methods=["GET"])],
                     lifespan=lifespan)
