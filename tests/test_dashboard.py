"""The caseworker dashboard over real HTTP: the production app (bot/web/commands.build) under a
real uvicorn server on a free localhost port, on real Redis, driven with httpx like a browser.
No mocks: what is checked is what Redis holds and what the pages say."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import re
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from bot.dialogue.runtime import Runtime
from bot.handoff import audit
from bot.handoff.accounts import Accounts
from bot.handoff.cases import Case
from bot.settings import Settings, get_settings
from bot.store import keys
from bot.store.conversations import Entry
from bot.store.outbox import Outgoing
from bot.web.commands import build
from bot.web.sessions import COOKIE, LOGIN_COOKIE

pytestmark = pytest.mark.redis

PASSWORD = "correct horse battery"
HTML = {"Accept": "text/html"}
BACKGROUND = {"X-Background": "1"}
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]*)"')
ROW = re.compile(r'<tr class="p-(\w+)[^"]*" data-case="([^"]+)">\s*'
                 r'<td><span class="badge p-\w+">([^<]+)</span>')
CRISIS = "너무 힘들어서 죽고 싶어요"
OUTBOX = keys.outbox_stream("console")
TIMEOUT = 10.0


# ---- a real server, real clients ----------------------------------------------------------

def settings_with(**web: Any) -> Settings:
    """The configured settings with dashboard options changed. Cookies without Secure (httpx,
    like a browser, sends Secure cookies only over https); failed-login windows of a few
    seconds, so the per-address counter of one test cannot lock out the next."""
    settings = get_settings().model_copy(deep=True)
    settings.web.secure_cookies = False
    settings.web.login_window_minutes = 0.05
    for name, value in web.items():
        setattr(settings.web, name, value)
    return settings


@dataclass
class Worker:
    """A logged-in caseworker's browser."""
    name: str
    client: httpx.AsyncClient
    csrf: str

    @property
    def sid(self) -> str:
        return self.client.cookies[COOKIE]

    async def page(self, path: str) -> httpx.Response:
        return await self.client.get(path, headers=HTML)

    async def post(self, path: str, csrf: str | None = "", **form: str) -> httpx.Response:
        """A form post with the session's CSRF token ("" → the right one, None → none)."""
        data = dict(form)
        if csrf is not None:
            data["csrf"] = csrf or self.csrf
        return await self.client.post(path, data=data)


class Dashboard:
    def __init__(self, redis: Any, settings: Settings) -> None:
        self.redis = redis
        self.settings = settings
        self.accounts = Accounts(redis)
        self.clients: list[httpx.AsyncClient] = []
        self.base = ""

    async def start(self) -> None:
        app, _watch = build(self.settings, self.redis)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
            timeout_graceful_shutdown=3))
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        deadline = time.monotonic() + TIMEOUT
        while not self.server.started:
            if self.task.done():
                self.task.result()  # the reason it did not start
            assert time.monotonic() < deadline, "the dashboard did not start"
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        for client in self.clients:
            await client.aclose()
        self.server.should_exit = True
        await asyncio.wait_for(self.task, TIMEOUT)
        self.sock.close()

    def client(self, **options: Any) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self.base, timeout=TIMEOUT, **options)
        self.clients.append(client)
        return client

    async def account(self, role: str = "caseworker") -> str:
        name = f"cw{secrets.token_hex(3)}"
        await self.accounts.add(name, PASSWORD, role)  # type: ignore[arg-type]
        return name

    async def login(self, client: httpx.AsyncClient, name: str,
                    password: str = PASSWORD) -> httpx.Response:
        """What a browser does: fetch the form (its CSRF cookie and field), post it."""
        form = await client.get("/login", headers=HTML)
        assert form.status_code == 200
        token = CSRF_FIELD.search(form.text)
        assert token is not None
        return await client.post("/login", data={"name": name, "password": password,
                                                 "csrf": token.group(1)})

    async def worker(self, role: str = "caseworker") -> Worker:
        name = await self.account(role)
        client = self.client()
        response = await self.login(client, name)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/"
        queue = await client.get("/", headers=HTML)
        assert queue.status_code == 200
        token = CSRF_FIELD.search(queue.text)
        assert token is not None
        assert token.group(1) == await self.redis.hget(keys.web_session(client.cookies[COOKIE]),
                                                       "csrf")
        return Worker(name, client, token.group(1))


@pytest.fixture
async def dashboard(runtime: Runtime) -> AsyncIterator[Callable[..., Awaitable[Dashboard]]]:
    """Start a dashboard (settings.web changed by keyword); all are stopped afterwards."""
    started: list[Dashboard] = []

    async def start(**web: Any) -> Dashboard:
        board = Dashboard(runtime.store.client, settings_with(**web))
        await board.start()
        started.append(board)
        return board

    yield start
    for board in started:
        await board.stop()


# ---- cases and what was sent ---------------------------------------------------------------

async def open_case(runtime: Runtime, text: str = CRISIS) -> Case:
    chat = f"dash-{secrets.token_hex(6)}"
    turn = await runtime.service.handle("console", chat, text)
    assert turn.state.case_id, turn.actions
    case = await runtime.service.queue.get(turn.state.case_id)
    assert case is not None
    return case


async def stored(runtime: Runtime, case_id: str) -> Case:
    case = await runtime.service.queue.get(case_id)
    assert case is not None
    return case


async def outbox_mark(redis: Any) -> str:
    last = await redis.xrevrange(OUTBOX, count=1)
    return last[0][0] if last else "0-0"


async def sent_since(redis: Any, mark: str, chat_id: str) -> list[Outgoing]:
    """Messages queued for the console chat after `mark`."""
    entries = await redis.xrange(OUTBOX, min=mark)
    out = [Outgoing.from_fields(fields) for entry_id, fields in entries if entry_id != mark]
    return [o for o in out if o.chat_id == chat_id]


async def case_audit(redis: Any, case_id: str) -> list[tuple[str, str]]:
    return [(line.who, line.action) for line in await audit.read(redis, case_id)]


# ---- 1. logged out: the login page and nothing else ----------------------------------------

async def test_a_logged_out_visitor_gets_nothing(runtime: Runtime, dashboard) -> None:
    redis = runtime.store.client
    board = await dashboard()
    case = await open_case(runtime)
    mark = await outbox_mark(redis)
    cid = case.case_id
    secret_bits = [cid, "죽고 싶어요", "자살 위기", case.chat_id]

    async def probe(client: httpx.AsyncClient) -> None:
        for path, headers in [("/", HTML), (f"/cases/{cid}", HTML)]:
            response = await client.get(path, headers=headers)
            assert response.status_code == 303, path
            assert response.headers["location"] == "/login"
            assert not any(bit in response.text for bit in secret_bits), path
        for path, headers in [("/", {}), (f"/cases/{cid}", {}),
                              (f"/cases/{cid}/transcript", BACKGROUND),
                              (f"/cases/{cid}/transcript", {}), ("/queue/rows", BACKGROUND),
                              ("/queue/rows", {}), ("/events", {})]:
            response = await client.get(path, headers=headers)
            assert response.status_code == 401, path
            assert not any(bit in response.text for bit in secret_bits), path
        for action, form in [("claim", {}), ("reply", {"text": "안녕하세요"}),
                             ("close", {"outcome": "helped", "note": "끝"}),
                             ("note", {"note": "메모"}), ("release", {}),
                             ("reassign", {"to": "someone"})]:
            response = await client.post(f"/cases/{cid}/{action}",
                                         data={"csrf": "x" * 43, **form})
            assert response.status_code == 401, action
            assert not any(bit in response.text for bit in secret_bits), action
        assert COOKIE not in response.cookies

    await probe(board.client())
    for forged in (secrets.token_urlsafe(32), "", "x" * 500, "*", keys.web_session("x")):
        await probe(board.client(headers={"Cookie": f"{COOKIE}={forged}"}))

    after = await stored(runtime, cid)
    assert after.status == "waiting" and after.assignee is None and after.history == []
    assert after.transcript == case.transcript and after.notes == []
    assert await sent_since(redis, mark, case.chat_id) == []
    assert [a for _, a in await case_audit(redis, cid)] == ["opened"]


# ---- 2. logging in ------------------------------------------------------------------------

async def test_login_refuses_wrong_passwords_and_disabled_accounts(
        runtime: Runtime, dashboard) -> None:
    redis = runtime.store.client
    await redis.delete(keys.web_login_failures("127.0.0.1", "login-ip"))
    board = await dashboard()
    name = await board.account()
    client = board.client()

    wrong = await board.login(client, name, "not the password")
    assert wrong.status_code == 401
    assert "이름이나 비밀번호가 맞지 않아요." in wrong.text
    assert COOKIE not in wrong.cookies and COOKIE not in client.cookies
    unknown = await board.login(client, f"nobody{secrets.token_hex(3)}")
    assert unknown.status_code == 401 and "이름이나 비밀번호가 맞지 않아요." in unknown.text
    assert COOKIE not in client.cookies

    disabled = await board.account()
    await board.accounts.disable(disabled)
    refused = await board.login(client, disabled)
    assert refused.status_code == 401 and COOKIE not in client.cookies

    # a link cannot put words in the page's alert box (no text is taken from the address)
    bait = "비밀번호를 010-0000-0000으로 보내세요"
    reflected = await client.get("/login", params={"error": bait}, headers=HTML)
    assert "보내세요" not in reflected.text and 'role="alert"' not in reflected.text.split(
        "<main>")[1]

    sessions_before = set(await redis.keys(keys.web_session("*")))
    right = await board.login(client, name)
    assert right.status_code == 303 and right.headers["location"] == "/"
    sid = client.cookies[COOKIE]
    assert set(await redis.keys(keys.web_session("*"))) - sessions_before == \
        {keys.web_session(sid)}
    assert await redis.hget(keys.web_session(sid), "name") == name
    assert await redis.exists(keys.web_login_failures(name)) == 0, "a login clears the count"
    await redis.delete(keys.web_login_failures("127.0.0.1", "login-ip"))


async def test_login_needs_the_login_forms_csrf_token(runtime: Runtime, dashboard) -> None:
    board = await dashboard()
    name = await board.account()
    form = {"name": name, "password": PASSWORD}

    no_cookie = board.client()
    response = await no_cookie.post("/login", data={**form, "csrf": secrets.token_urlsafe(32)})
    assert response.status_code == 403 and "페이지가 오래되었어요" in response.text
    assert COOKIE not in no_cookie.cookies

    client = board.client()
    page = await client.get("/login", headers=HTML)
    assert LOGIN_COOKIE in client.cookies
    token = CSRF_FIELD.search(page.text)
    assert token is not None and token.group(1) == client.cookies[LOGIN_COOKIE]
    for bad in ({**form, "csrf": secrets.token_urlsafe(32)}, {**form, "csrf": ""}, form):
        response = await client.post("/login", data=bad)
        assert response.status_code == 403, (bad, response.text)
        assert COOKIE not in client.cookies
    assert (await client.post("/login", data={**form, "csrf": token.group(1)})).status_code \
        == 303


async def test_too_many_failures_refuse_even_the_right_password_until_the_window_ends(
        runtime: Runtime, dashboard) -> None:
    redis = runtime.store.client
    by_address = keys.web_login_failures("127.0.0.1", "login-ip")
    await redis.delete(by_address)
    board = await dashboard(login_max_failures=3, login_window_minutes=0.05)  # 3 s
    name = await board.account()
    by_name = keys.web_login_failures(name)
    client = board.client()
    for _ in range(3):
        assert (await board.login(client, name, "guessing wrong")).status_code == 401
    assert await redis.get(by_name) == "3"
    assert 0 < await redis.ttl(by_name) <= 3

    refused = await board.login(client, name)
    assert refused.status_code == 429 and "로그인 시도가 너무 많았어요." in refused.text
    assert COOKIE not in client.cookies
    assert await redis.get(by_name) == "3", "a refusal is not a new failure"
    other = await board.account()  # the same address is refused too
    assert (await board.login(board.client(), other)).status_code == 429

    deadline = time.monotonic() + 8
    while await redis.exists(by_name, by_address):
        assert time.monotonic() < deadline, "the failure counts never expired"
        await asyncio.sleep(0.1)
    allowed = await board.login(client, name)
    assert allowed.status_code == 303 and COOKIE in client.cookies
    assert "login_refused" in [e.action for e in await audit.read(redis, count=200)
                               if e.who == name]


async def test_the_session_cookie_is_secure_httponly_and_strict(
        runtime: Runtime, dashboard) -> None:
    board = await dashboard(secure_cookies=True)
    name = await board.account()
    client = board.client()
    form = await client.get("/login", headers=HTML)
    login_cookie = next(c for c in form.headers.get_list("set-cookie")
                        if c.startswith(f"{LOGIN_COOKIE}="))
    token = login_cookie.split(";")[0].split("=", 1)[1]
    response = await client.post("/login", headers={"Cookie": f"{LOGIN_COOKIE}={token}"},
                                 data={"name": name, "password": PASSWORD, "csrf": token})
    assert response.status_code == 303
    for header in (login_cookie, next(c for c in response.headers.get_list("set-cookie")
                                       if c.startswith(f"{COOKIE}="))):
        attributes = {a.strip().lower() for a in header.split(";")[1:]}
        assert {"secure", "httponly", "samesite=strict"} <= attributes, header
    session_cookie = next(c for c in response.headers.get_list("set-cookie")
                          if c.startswith(f"{COOKIE}="))
    sid = session_cookie.split(";")[0].split("=", 1)[1]
    assert await runtime.store.client.hget(keys.web_session(sid), "name") == name
    page = await client.get("/", headers={**HTML, "Cookie": f"{COOKIE}={sid}"})
    assert page.status_code == 200 and name in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


# ---- 3. CSRF ------------------------------------------------------------------------------

async def test_posts_without_the_sessions_csrf_token_change_nothing(
        runtime: Runtime, dashboard) -> None:
    redis = runtime.store.client
    board = await dashboard()
    kim, lee = await board.worker(), await board.worker()
    case = await open_case(runtime)
    path = f"/cases/{case.case_id}"
    mark = await outbox_mark(redis)

    for csrf in (None, "wrong", lee.csrf):  # none, a made-up one, another session's
        response = await kim.post(f"{path}/claim", csrf=csrf)
        assert response.status_code == 403 and "CSRF" in response.text
    assert (await stored(runtime, case.case_id)).status == "waiting"

    assert (await kim.post(f"{path}/claim")).status_code == 303
    before = await stored(runtime, case.case_id)
    assert before.status == "claimed" and before.assignee == kim.name
    for csrf in (None, "wrong", lee.csrf):
        replied = await kim.post(f"{path}/reply", csrf=csrf, text="보내지면 안 되는 답장")
        closed = await kim.post(f"{path}/close", csrf=csrf, outcome="helped", note="끝")
        noted = await kim.post(f"{path}/note", csrf=csrf, note="메모")
        released = await kim.post(f"{path}/release", csrf=csrf)
        assert [r.status_code for r in (replied, closed, noted, released)] == [403] * 4
    after = await stored(runtime, case.case_id)
    assert after == before
    assert await sent_since(redis, mark, case.chat_id) == []
    assert await redis.zscore(keys.OPEN_CASES, case.case_id) is not None

    for csrf in (None, "wrong", lee.csrf):
        assert (await kim.post("/logout", csrf=csrf)).status_code == 403
    assert await redis.exists(keys.web_session(kim.sid)) == 1
    assert (await kim.page("/")).status_code == 200


# ---- 4. sessions: idle timeout, logout, disabled accounts -----------------------------------

async def test_an_idle_session_ends_and_background_refreshes_do_not_keep_it(
        runtime: Runtime, dashboard) -> None:
    redis = runtime.store.client
    board = await dashboard(idle_minutes=0.05)  # 3 s
    kim = await board.worker()
    key = keys.web_session(kim.sid)
    assert 0 < await redis.pttl(key) <= 3000

    await asyncio.sleep(1.8)
    assert (await kim.page("/")).status_code == 200          # activity: renewed
    assert await redis.pttl(key) > 2500
    await asyncio.sleep(1.8)                                  # 3.6 s after login: still here
    assert (await kim.page("/")).status_code == 200
    assert await redis.pttl(key) > 2500

    await asyncio.sleep(1.5)
    rows = await kim.client.get("/queue/rows", headers=BACKGROUND)
    assert rows.status_code == 200 and "<tr" in rows.text
    assert await redis.pttl(key) < 1600, "a background refresh renewed the session"
    await asyncio.sleep(2.0)
    assert await redis.exists(key) == 0
    assert (await kim.client.get("/queue/rows", headers=BACKGROUND)).status_code == 401
    gone = await kim.page("/")
    assert gone.status_code == 303 and gone.headers["location"] == "/login"


async def test_logging_out_or_being_disabled_ends_the_session(
        runtime: Runtime, dashboard) -> None:
    redis = runtime.store.client
    board = await dashboard()
    kim = await board.worker()
    sid = kim.sid
    key = keys.web_session(sid)
    out = await kim.post("/logout")
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert await redis.exists(key) == 0
    assert any(c.startswith(f"{COOKIE}=") and "Max-Age=0" in c
               for c in out.headers.get_list("set-cookie"))
    replayed = await board.client(headers={"Cookie": f"{COOKIE}={sid}"}).get("/", headers=HTML)
    assert replayed.status_code == 303 and replayed.headers["location"] == "/login"

    lee = await board.worker()
    case = await open_case(runtime)
    key = keys.web_session(lee.sid)
    await board.accounts.disable(lee.name)
    assert await redis.exists(key) == 1
    claim = await lee.post(f"/cases/{case.case_id}/claim")
    assert claim.status_code == 401
    assert await redis.exists(key) == 0, "disabling ends the session at the next request"
    assert (await stored(runtime, case.case_id)).status == "waiting"
    gone = await lee.page("/")
    assert gone.status_code == 303 and gone.headers["location"] == "/login"
    assert (await board.login(board.client(), lee.name)).status_code == 401


# ---- 5. who may see and do what -------------------------------------------------------------

async def test_a_claimed_case_belongs_to_its_caseworker_and_supervisors(
        runtime: Runtime, dashboard) -> None:
    redis = runtime.store.client
    board = await dashboard()
    kim, lee = await board.worker(), await board.worker()
    boss = await board.worker("supervisor")
    case = await open_case(runtime)
    cid, path = case.case_id, f"/cases/{case.case_id}"

    # a waiting case is everyone's to triage
    assert "죽고 싶어요" in (await lee.page(path)).text
    claimed = await kim.post(f"{path}/claim")
    assert claimed.status_code == 303 and claimed.headers["location"] == path
    assert (await stored(runtime, cid)).assignee == kim.name

    mark = await outbox_mark(redis)
    denied = await lee.page(path)
    assert denied.status_code == 403 and "다른 상담원이 맡은 상담이에요." in denied.text
    assert "죽고 싶어요" not in denied.text
    peek = await lee.client.get(f"{path}/transcript", headers=BACKGROUND)
    assert peek.status_code == 403 and "죽고 싶어요" not in peek.text
    for action, form in [("reply", {"text": "이건 보내지면 안 돼요"}),
                         ("close", {"outcome": "helped", "note": "남의 상담"}),
                         ("note", {"note": "남의 메모"}), ("release", {}),
                         ("reassign", {"to": lee.name})]:
        response = await lee.post(f"{path}/{action}", **form)
        assert response.status_code in (403, 409), action
        assert "죽고 싶어요" not in response.text, action
    after = await stored(runtime, cid)
    assert after.status == "claimed" and after.assignee == kim.name
    assert after.transcript == case.transcript and after.notes == []
    assert await sent_since(redis, mark, case.chat_id) == []
    assert (lee.name, "denied") in await case_audit(redis, cid)

    assert cid not in (await lee.page("/")).text
    assert cid not in (await lee.client.get("/queue/rows", headers=BACKGROUND)).text
    mine = await kim.page("/")
    assert re.search(rf'<tr class="p-critical mine" data-case="{cid}">', mine.text)
    assert cid in (await boss.page("/")).text
    seen = await boss.page(path)
    assert seen.status_code == 200 and "죽고 싶어요" in seen.text
    assert f"<option>{lee.name}</option>" in seen.text, "the reassign form lists caseworkers"

    # only a supervisor reassigns, and only to an active account
    refused = await kim.post(f"{path}/reassign", to=lee.name)
    assert refused.status_code == 409 and "관리자만" in refused.text
    nobody = await boss.post(f"{path}/reassign", to=f"nobody{secrets.token_hex(3)}")
    assert nobody.status_code == 409
    assert (await stored(runtime, cid)).assignee == kim.name

    moved = await boss.post(f"{path}/reassign", to=lee.name)
    assert moved.status_code == 303
    after = await stored(runtime, cid)
    assert after.assignee == lee.name and after.status == "claimed"
    assert after.history[-1]["action"] == "reassign" and after.history[-1]["who"] == boss.name

    assert (await lee.page(path)).status_code == 200
    assert (await lee.post(f"{path}/reply", text="상담원 이입니다. 도와드릴게요.")).status_code \
        == 303
    late = await kim.post(f"{path}/reply", text="김이 보내는 답장")
    assert late.status_code == 403
    assert (await kim.page(path)).status_code == 403
    sent = await sent_since(redis, mark, case.chat_id)
    assert [(o.text, o.case_id) for o in sent] == [("상담원 이입니다. 도와드릴게요.", cid)]
    texts = [e.text for e in (await stored(runtime, cid)).transcript if e.role == "caseworker"]
    assert texts == ["상담원 이입니다. 도와드릴게요."]


# ---- 6. two caseworkers claim at once ---------------------------------------------------------

async def test_of_two_simultaneous_claims_over_http_exactly_one_wins(
        runtime: Runtime, dashboard) -> None:
    redis = runtime.store.client
    board = await dashboard()
    kim, lee = await board.worker(), await board.worker()
    boss = await board.worker("supervisor")
    rounds = [(kim, lee)] * 5 + [(kim, boss), (boss, lee)]
    outcomes = []
    for first, second in rounds:
        case = await open_case(runtime)
        path = f"/cases/{case.case_id}"
        answers = await asyncio.gather(first.post(f"{path}/claim"),
                                       second.post(f"{path}/claim"))
        won = [w for w, r in zip((first, second), answers, strict=True)
               if r.status_code == 303 and r.headers["location"] == path]
        assert len(won) == 1, [(r.status_code, r.headers.get("location")) for r in answers]
        loser, lost = next((w, r) for w, r in zip((first, second), answers, strict=True)
                           if w is not won[0])
        if loser is boss:  # a supervisor may read the case: told on its page
            assert lost.status_code == 409 and "이미 다른 상담원이 받았어요." in lost.text
        else:
            assert lost.status_code == 303 and lost.headers["location"] == "/?error=taken"
            taken = await loser.page(lost.headers["location"])
            assert "이미 다른 상담원이 받았어요." in taken.text
        after = await stored(runtime, case.case_id)
        assert after.status == "claimed" and after.assignee == won[0].name
        assert [h["action"] for h in after.history] == ["claim"]
        assert [line for line in await case_audit(redis, case.case_id)
                if line[1] == "claimed"] == [(won[0].name, "claimed")]
        outcomes.append(won[0].name)
    assert len(outcomes) == len(rounds)


# ---- 7. reply, close, and the bot answers again ------------------------------------------------

async def test_reply_and_close_reach_the_resident_and_give_the_chat_back(
        runtime: Runtime, dashboard, dialogue) -> None:
    redis = runtime.store.client
    board = await dashboard()
    kim = await board.worker()
    case = await open_case(runtime)
    cid, path, conversation = case.case_id, f"/cases/{case.case_id}", case.conversation_id
    mark = await outbox_mark(redis)
    assert (await kim.post(f"{path}/claim")).status_code == 303

    empty = await kim.post(f"{path}/reply", text="   ")
    assert empty.status_code == 409 and "보낼 내용을 적어 주세요." in empty.text
    text = "안녕하세요, 상담원 김입니다. <b>지금</b> 어디 계세요?"
    replied = await kim.post(f"{path}/reply", text=text)
    assert replied.status_code == 303 and replied.headers["location"] == path
    last = (await stored(runtime, cid)).transcript[-1]
    assert (last.role, last.text) == ("caseworker", text)
    log = [Entry.model_validate_json(raw) for raw in
           await redis.lrange(keys.transcript(conversation), 0, -1)]
    assert (log[-1].role, log[-1].text) == ("caseworker", text)
    entries = await redis.xrange(OUTBOX, min=mark)
    raw = [json.loads(f["json"]) for i, f in entries if i != mark]
    assert [(m["chat_id"], m["text"], m["case_id"]) for m in raw
            if m["chat_id"] == case.chat_id] == [(case.chat_id, text, cid)]
    shown = await kim.page(path)
    assert "&lt;b&gt;지금&lt;/b&gt;" in shown.text and "<b>지금</b>" not in shown.text

    for form, why in [({"outcome": "helped", "note": ""}, "종료하려면 메모를 남겨 주세요."),
                      ({"outcome": "helped", "note": "  "}, "종료하려면 메모를 남겨 주세요."),
                      ({"outcome": "", "note": "전화로 안내"}, "결과를 골라 주세요."),
                      ({"outcome": "made-up", "note": "전화로 안내"}, "결과를 골라 주세요.")]:
        refused = await kim.post(f"{path}/close", **form)
        assert refused.status_code == 409 and why in refused.text, form
    still = await stored(runtime, cid)
    assert still.status == "claimed" and still.assignee == kim.name
    assert await redis.zscore(keys.OPEN_CASES, cid) is not None

    closed = await kim.post(f"{path}/close", outcome="helped", note="주민센터 방문 안내함")
    assert closed.status_code == 303 and closed.headers["location"] == "/"
    done = await stored(runtime, cid)
    assert (done.status, done.outcome, done.notes) == ("closed", "helped", ["주민센터 방문 안내함"])
    assert await redis.zscore(keys.OPEN_CASES, cid) is None
    assert await redis.exists(keys.conversation_case(conversation)) == 0
    assert 0 < await redis.ttl(keys.case(cid)) <= keys.days(365)
    sent = await sent_since(redis, mark, case.chat_id)
    assert [(o.text, o.source) for o in sent] == [(text, "caseworker"),
                                                  (dialogue.closed().text, "system")]
    assert sent[1].choices == dialogue.closed().choices
    assert cid not in (await kim.page("/")).text
    again = await kim.post(f"{path}/close", outcome="helped", note="또")
    assert again.status_code == 409 and "이미 종료된 상담이에요." in again.text
    late_note = await kim.post(f"{path}/note", note="닫은 뒤에 쓴 메모")
    assert late_note.status_code == 409 and "이미 종료된 상담이에요." in late_note.text
    assert await stored(runtime, cid) == done

    turn = await runtime.service.handle("console", case.chat_id, "안녕하세요")
    assert turn.replies and not {"handoff:waiting", "handoff:relay"} & set(turn.actions)
    assert turn.state.case_id is None
    assert len((await stored(runtime, cid)).transcript) == len(done.transcript)


# ---- 8. the audit log ------------------------------------------------------------------------

async def test_every_view_and_change_is_audited_and_the_log_only_grows(
        runtime: Runtime, dashboard) -> None:
    redis = runtime.store.client
    first = await redis.xrange(keys.AUDIT, count=1)
    length = await redis.xlen(keys.AUDIT)
    board = await dashboard()
    kim = await board.worker()
    case = await open_case(runtime)
    path = f"/cases/{case.case_id}"
    assert (await kim.page(path)).status_code == 200
    assert (await kim.post(f"{path}/claim")).status_code == 303
    reply = "감사 기록에 남으면 안 되는 답장 내용"
    assert (await kim.post(f"{path}/reply", text=reply)).status_code == 303
    assert (await kim.post(f"{path}/close", outcome="referred", note="109 연결")).status_code \
        == 303

    lines = await audit.read(redis, case.case_id)
    assert [(line.who, line.action) for line in lines] == [
        ("bot", "opened"), (kim.name, "view"), (kim.name, "claimed"),
        (kim.name, "replied"), (kim.name, "closed")]
    assert all(a.at <= b.at for a, b in itertools.pairwise(lines))
    assert lines[0].at < lines[-1].at
    assert all(line.at.tzinfo is not None for line in lines)
    assert lines[-1].at - lines[0].at < dt.timedelta(minutes=1)
    raw = await redis.xrange(keys.AUDIT, min=lines[0].id)
    assert not any(reply in value or "109 연결" in value
                   for _, fields in raw for value in fields.values()), "no message text"
    assert any(e.who == kim.name and e.action == "login" for e in await audit.read(redis))

    assert await redis.xlen(keys.AUDIT) >= length + 7  # login, view_queue, the case's five
    assert await redis.xrange(keys.AUDIT, count=1) == first or not first, "never trimmed"
    assert await redis.ttl(keys.AUDIT) == -1


# ---- 9. personal numbers --------------------------------------------------------------------

async def test_personal_numbers_are_masked_on_the_dashboard(runtime: Runtime, dashboard) -> None:
    redis = runtime.store.client
    board = await dashboard()
    kim = await board.worker()
    case = await open_case(runtime, "제 번호는 010-1234-5678 이고 주민번호는 900101-1234567 "
                                    "이에요. 죽고 싶어요")
    path = f"/cases/{case.case_id}"
    clear = ("1234-5678", "1234567", "01012345678")
    raw = await redis.hget(keys.case(case.case_id), "json")
    assert not any(n in raw for n in clear)

    page = await kim.page(path)
    assert page.status_code == 200 and "010-****-5678" in page.text
    fragment = await kim.client.get(f"{path}/transcript", headers=BACKGROUND)
    for body in (page.text, fragment.text):
        assert not any(n in body for n in clear)

    assert (await kim.post(f"{path}/claim")).status_code == 303
    note = "연락처 010-9876-5432, 계좌 110-234-567890 으로 안내"
    assert (await kim.post(f"{path}/note", note=note)).status_code == 303
    noted = (await stored(runtime, case.case_id)).notes
    assert noted == ["연락처 010-****-5432, 계좌 ***-***-****90 으로 안내"]
    page = await kim.page(path)
    assert "9876" not in page.text and "567890" not in page.text
    assert not any(n in page.text for n in clear)
    assert "9876" not in await redis.hget(keys.case(case.case_id), "json")


# ---- 10. live updates ----------------------------------------------------------------------

async def test_the_event_stream_announces_a_new_case(runtime: Runtime, dashboard) -> None:
    board = await dashboard()
    kim = await board.worker()

    async def read(lines: AsyncIterator[str], case_id: str | None) -> dict[str, Any]:
        """Lines until an event block for the case (None: until the first line)."""
        block: dict[str, str] = {}
        async for line in lines:
            if case_id is None:
                return {"line": line}
            if line:
                field, _, value = line.partition(": ")
                block[field] = value
                continue
            if block.get("event") == "handoff" and \
                    json.loads(block.get("data", "{}")).get("case_id") == case_id:
                return block
            block = {}
        raise AssertionError("the stream ended")

    async with kim.client.stream("GET", "/events",
                                 headers={"Accept": "text/event-stream"}) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        first = await asyncio.wait_for(read(lines, None), 5)
        assert first == {"line": "retry: 2000"}
        started = time.monotonic()
        case = await open_case(runtime)
        block = await asyncio.wait_for(read(lines, case.case_id), 5)
        assert time.monotonic() - started < 5
    assert json.loads(block["data"]) == {"case_id": case.case_id, "event": "opened",
                                         "priority": "critical"}
    assert re.fullmatch(r"\d+-\d+", block["id"])


# ---- 11. the queue ---------------------------------------------------------------------------

async def test_the_queue_lists_cases_by_priority_with_korean_labels(
        runtime: Runtime, dashboard) -> None:
    board = await dashboard()
    kim = await board.worker()
    # opened lowest priority first, so the order shown is not the order of arrival
    normal = await open_case(runtime, "상담원 연결해 주세요")
    high = await open_case(runtime, "전기가 끊겼어요 먹을 것도 없어요")
    critical = await open_case(runtime)
    assert (normal.priority, high.priority, critical.priority) == ("normal", "high", "critical")
    mine = [critical.case_id, high.case_id, normal.case_id]
    rank = {"critical": 0, "high": 1, "normal": 2}
    label = {"critical": "위급", "high": "높음", "normal": "보통"}

    for response in (await kim.page("/"),
                     await kim.client.get("/queue/rows", headers=BACKGROUND)):
        assert response.status_code == 200
        rows = ROW.findall(response.text)
        assert [(cid, shown) for _, cid, shown in rows if cid in mine] == \
            [(critical.case_id, "위급"), (high.case_id, "높음"), (normal.case_id, "보통")]
        assert all(shown == label[p] for p, _, shown in rows)
        ranks = [rank[p] for p, _, _ in rows]
        assert ranks == sorted(ranks), "critical before high before normal"
