"""Caseworker and supervisor accounts: who may log in to the dashboard, with what role.

Passwords are kept only as argon2id hashes (argon2-cffi's defaults). A login for a name that
does not exist is checked against a dummy hash, so the answer takes as long as for a real
account and does not tell which names exist. A disabled account stays (its name is in case
histories and the audit log) but cannot log in.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import redis.asyncio as aredis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, Field

from bot.store import keys

Role = Literal["caseworker", "supervisor"]
MIN_PASSWORD = 10
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not-a-real-password")


class AccountError(Exception):
    """A one-line reason an account change was refused."""


class Account(BaseModel):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{2,40}$")
    role: Role = "caseworker"
    active: bool = True
    created_at: dt.datetime
    password_hash: str

    def public(self) -> dict[str, object]:
        """What `bokji caseworkers list` shows: never the hash."""
        return {"name": self.name, "role": self.role, "active": self.active,
                "created_at": self.created_at.isoformat()}


class Accounts:
    def __init__(self, redis: aredis.Redis) -> None:
        self.redis = redis

    async def add(self, name: str, password: str, role: Role = "caseworker") -> Account:
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
        try:
            account = Account(name=name, role=role, created_at=dt.datetime.now(dt.UTC),
                              password_hash=_hasher.hash(password))
        except ValueError:
            raise AccountError("a name is 2-40 letters, digits, '_', '.' or '-'") from None
        if not await self.redis.hsetnx(keys.ACCOUNTS, name, account.model_dump_json()):
            raise AccountError(f"an account {name!r} exists already")
        return account

    async def get(self, name: str) -> Account | None:
        raw = await self.redis.hget(keys.ACCOUNTS, name)
        return None if raw is None else Account.model_validate_json(raw)

    async def all(self) -> list[Account]:
        raws = await self.redis.hvals(keys.ACCOUNTS)
        return sorted((Account.model_validate_json(r) for r in raws), key=lambda a: a.name)

    async def disable(self, name: str) -> Account:
        account = await self.get(name)
        if account is None:
            raise AccountError(f"no account {name!r}")
        account.active = False
        await self.redis.hset(keys.ACCOUNTS, name, account.model_dump_json())
        return account

    async def verify(self, name: str, password: str) -> Account | None:
        """The account if the password is right and the account active; None otherwise."""
        account = await self.get(name)
        try:
            _hasher.verify(account.password_hash if account else _DUMMY, password)
        except (VerificationError, InvalidHashError):
            return None
        return account if account is not None and account.active else None
