"""The caseworker dashboard: log in, see the queue live, claim, answer, close.

Pages are rendered on the server (Jinja2) and work without JavaScript; a small script only
refreshes the queue rows and the open case's transcript when the handoff stream says
something changed (server-sent events). Every form carries the session's CSRF token; every
route asks bot/web/access.py whether this caseworker may; every view and change goes to the
audit log. A logged-out visitor gets the login page and nothing else.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any

import redis.asyncio as aredis
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.responses import StreamingResponse

from bot.dialogue.state import Reply
from bot.eligibility.rulebook import RuleSet
from bot.handoff import audit, labels
from bot.handoff.accounts import Accounts
from bot.handoff.cases import Case, CaseMissing, HandoffQueue, NotAllowed
from bot.settings import Settings
from bot.store import keys
from bot.web import access, present
from bot.web.sessions import COOKIE, LOGIN_COOKIE, Session, Sessions

HERE = Path(__file__).parent
SSE_BLOCK_MS = 1000          # one XREAD wait; the stream ends within this of a disconnect
SSE_SESSION_CHECK = 15       # seconds between checks that the session still exists

Text = Annotated[str, Form()]


class LoginRequired(Exception):
    """No live session: pages redirect to the login page, everything else gets 401."""


def create_app(redis: aredis.Redis, settings: Settings, rules: Callable[[], RuleSet],
               closed_notice: Callable[[], Reply],
               clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> FastAPI:
    app = FastAPI(title="복지 길잡이 상담원", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals.update(PRIORITY=labels.PRIORITY, REASON=labels.REASON,
                                 STATUS=present.STATUS, OUTCOMES=present.OUTCOMES,
                                 ROLE=present.ROLE)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    queue = HandoffQueue(redis, settings.handoff)
    accounts = Accounts(redis)
    sessions = Sessions(redis, settings.web)
    secure = settings.web.secure_cookies

    # ---- plumbing ------------------------------------------------------------------------

    @app.middleware("http")
    async def headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
            "form-action 'self'; base-uri 'none'")
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if not request.url.path.startswith("/static"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.method == "GET" and "text/html" in request.headers.get("accept", "") \
                and not request.headers.get("x-background"):
            return RedirectResponse("/login", status_code=303)
        return PlainTextResponse("로그인이 필요해요.", status_code=401)

    async def session_of(request: Request, renew: bool = True) -> Session:
        """The caseworker behind the request. Background refreshes (the live queue) do not
        count as activity, so an open but unused tab still reaches the idle timeout."""
        renew = renew and not request.headers.get("x-background")
        session = await sessions.get(request.cookies.get(COOKIE), renew=renew)
        if session is None:
            raise LoginRequired()
        account = await accounts.get(session.name)
        if account is None or not account.active:  # disabled while logged in: out at once
            await sessions.end(session.sid)
            raise LoginRequired()
        return session

    async def session_bg(request: Request) -> Session:
        return await session_of(request, renew=False)

    async def posted(request: Request) -> tuple[Session, dict[str, Any]]:
        """A form post: a live session and the right CSRF token, or nothing happens."""
        session = await session_of(request)
        form = dict(await request.form())
        if not session.csrf_ok(str(form.get("csrf", ""))):
            raise HTTPException(403, "CSRF 토큰이 맞지 않아요. 페이지를 새로 고쳐 주세요.")
        return session, form

    async def load(case_id: str, session: Session) -> Case:
        case = await queue.get(case_id)
        if case is None:
            raise HTTPException(404, "상담 요청을 찾을 수 없어요.")
        if not access.can_read(session, case):
            await audit.record(redis, session.name, "denied", case_id, what="read")
            raise HTTPException(403, "다른 상담원이 맡은 상담이에요.")
        return case

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    # ---- login ---------------------------------------------------------------------------

    @app.get("/healthz")
    async def healthz() -> PlainTextResponse:
        await redis.ping()
        return PlainTextResponse("ok")

    @app.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request) -> HTMLResponse:
        token = secrets.token_urlsafe(32)
        response = page(request, "login.html", csrf=token)
        response.set_cookie(LOGIN_COOKIE, token, httponly=True, secure=secure,
                            samesite="strict", max_age=3600, path="/login")
        return response

    @app.post("/login")
    async def login(request: Request, name: Text, password: Text, csrf: Text = "") -> Response:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(expected, csrf):
            return page(request, "login.html", 403, csrf=expected,
                        error="페이지가 오래되었어요. 다시 시도해 주세요.")
        address = request.client.host if request.client else "unknown"
        name = name.strip()[:40]
        wait = await sessions.refused(name, address)
        if wait:
            await audit.record(redis, name, "login_refused", address=address)
            return page(request, "login.html", 429, csrf=expected,
                        error="로그인 시도가 너무 많았어요. "
                              f"{-(-wait // 60)}분 뒤에 다시 해 주세요.")
        account = await accounts.verify(name, password)
        if account is None:
            await sessions.failed(name, address)
            await audit.record(redis, name, "login_failed", address=address)
            return page(request, "login.html", 401, csrf=expected,
                        error="이름이나 비밀번호가 맞지 않아요.")
        await sessions.succeeded(name)
        session = await sessions.create(account.name, account.role)
        await audit.record(redis, account.name, "login", address=address)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, session.sid, httponly=True, secure=secure,
                            samesite="strict", path="/")
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        session, _ = await posted(request)
        await sessions.end(session.sid)
        await audit.record(redis, session.name, "logout")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # ---- the queue -----------------------------------------------------------------------

    async def rows(session: Session) -> list[present.Row]:
        now = clock()
        return [present.row(case, now, settings.handoff) for case in await queue.open_cases()
                if access.visible_in_queue(session, case)]

    @app.get("/", response_class=HTMLResponse)
    async def queue_page(request: Request) -> HTMLResponse:
        session = await session_of(request)
        await audit.record(redis, session.name, "view_queue")
        return page(request, "queue.html", session=session, rows=await rows(session))

    @app.get("/queue/rows", response_class=HTMLResponse)
    async def queue_rows(request: Request) -> HTMLResponse:
        session = await session_bg(request)
        return page(request, "_rows.html", session=session, rows=await rows(session))

    @app.get("/events")
    async def events(request: Request) -> StreamingResponse:
        """The handoff stream as server-sent events: the page refreshes what changed."""
        session = await session_bg(request)
        start = request.headers.get("last-event-id") or ""
        if not start:
            last = await redis.xrevrange(keys.HANDOFF_STREAM, count=1)
            start = last[0][0] if last else "0-0"

        async def stream() -> AsyncIterator[str]:
            cursor = start
            checked = clock()
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                if (clock() - checked).total_seconds() > SSE_SESSION_CHECK:
                    checked = clock()
                    if not await redis.exists(keys.web_session(session.sid)):
                        yield "event: logout\ndata: {}\n\n"
                        return
                found = await redis.xread({keys.HANDOFF_STREAM: cursor}, block=SSE_BLOCK_MS,
                                          count=100)
                if not found:
                    yield ": keep-alive\n\n"
                    continue
                for entry_id, fields in found[0][1]:
                    cursor = entry_id
                    data = {"case_id": fields.get("case_id"), "event": fields.get("event"),
                            "priority": fields.get("priority")}
                    yield f"id: {entry_id}\nevent: handoff\ndata: {json.dumps(data)}\n\n"
        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"X-Accel-Buffering": "no"})

    # ---- one case ------------------------------------------------------------------------

    def case_context(session: Session, case: Case, **more: Any) -> dict[str, Any]:
        ruleset = rules()
        return {"session": session, "case": case, "row": present.row(case, clock(),
                                                                      settings.handoff),
                "profile": present.profile_lines(case, ruleset),
                "results": present.result_lines(case, ruleset),
                "can": {what: getattr(access, f"can_{what}")(session, case)
                        for what in ("claim", "reply", "close", "release", "note", "reassign")},
                **more}

    @app.get("/cases/{case_id}", response_class=HTMLResponse)
    async def case_page(request: Request, case_id: str) -> HTMLResponse:
        session = await session_of(request)
        case = await load(case_id, session)
        await audit.record(redis, session.name, "view", case_id)
        more: dict[str, Any] = {}
        if session.supervisor:
            more["caseworkers"] = [a.name for a in await accounts.all() if a.active]
            more["audit"] = await audit.read(redis, case_id, count=200)
        return page(request, "case.html", **case_context(session, case, **more))

    @app.get("/cases/{case_id}/transcript", response_class=HTMLResponse)
    async def transcript(request: Request, case_id: str) -> HTMLResponse:
        session = await session_bg(request)
        case = await load(case_id, session)
        # the live refresh reads the conversation again: a view like any other
        await audit.record(redis, session.name, "view", case_id, part="transcript")
        return page(request, "_transcript.html", case=case)

    async def act(request: Request, case_id: str,
                  work: Callable[[Session, Case, dict[str, Any]], Any]) -> Response:
        """Run one change; back to the case (or the queue), or the case page with why not."""
        session, form = await posted(request)
        case = await load(case_id, session) if work is not claim_work else \
            await queue.get(case_id)
        if case is None:
            raise HTTPException(404, "상담 요청을 찾을 수 없어요.")
        try:
            target = await work(session, case, form)
        except (NotAllowed, CaseMissing) as exc:
            fresh = await queue.get(case_id)
            if fresh is None or not access.can_read(session, fresh):
                return RedirectResponse("/?error=taken", status_code=303)
            return page(request, "case.html", 409, **case_context(
                session, fresh, error=_why(exc)))
        return RedirectResponse(target or f"/cases/{case_id}", status_code=303)

    async def claim_work(session: Session, case: Case, form: dict[str, Any]) -> None:
        await queue.claim(case.case_id, session.name, clock())

    async def release_work(session: Session, case: Case, form: dict[str, Any]) -> str:
        await queue.release(case.case_id, session.name, clock(), supervisor=session.supervisor)
        return "/"

    async def reply_work(session: Session, case: Case, form: dict[str, Any]) -> None:
        if not access.can_reply(session, case):
            raise NotAllowed("답장은 이 상담을 맡은 상담원만 보낼 수 있어요.")
        text = str(form.get("text", "")).strip()
        if len(text) > 4000:
            raise NotAllowed("답장은 4,000자까지 보낼 수 있어요.")
        await queue.reply(case.case_id, session.name, text, clock())

    async def note_work(session: Session, case: Case, form: dict[str, Any]) -> None:
        if case.status != "closed" and not access.can_note(session, case):  # closed: queue says so
            raise NotAllowed("이 상담을 맡은 상담원만 메모를 남길 수 있어요.")
        await queue.add_note(case.case_id, session.name, str(form.get("note", ""))[:4000],
                             clock(), supervisor=session.supervisor)

    async def close_work(session: Session, case: Case, form: dict[str, Any]) -> str:
        outcome = str(form.get("outcome", ""))
        if outcome not in present.OUTCOMES:
            raise NotAllowed("결과를 골라 주세요.")
        await queue.close(case.case_id, session.name, outcome,  # type: ignore[arg-type]
                          str(form.get("note", ""))[:4000], clock(),
                          supervisor=session.supervisor, notice=closed_notice())
        return "/"

    async def reassign_work(session: Session, case: Case, form: dict[str, Any]) -> None:
        if not session.supervisor:
            raise NotAllowed("다른 상담원에게 넘기기는 관리자만 할 수 있어요.")
        to = str(form.get("to", ""))
        account = await accounts.get(to)
        if account is None or not account.active:
            raise NotAllowed(f"{to} 상담원 계정이 없거나 사용 중지되었어요.")
        await queue.reassign(case.case_id, to, session.name, clock())

    for path, work in (("claim", claim_work), ("release", release_work),
                       ("reply", reply_work), ("note", note_work), ("close", close_work),
                       ("reassign", reassign_work)):
        app.add_api_route(f"/cases/{{case_id}}/{path}", _route(act, work), methods=["POST"],
                          name=path)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    return app


def _route(act, work):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request, case_id: str) -> Response:
        return await act(request, case_id, work)
    return endpoint


def _why(exc: Exception) -> str:
    """A caseworker's words for a refused change (the dashboard's own refusals are worded
    already)."""
    if isinstance(exc, CaseMissing):
        return "상담 요청을 찾을 수 없어요."
    return present.REFUSED.get(getattr(exc, "why", ""), str(exc))
