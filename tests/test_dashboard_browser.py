"""The handoff end to end in a real browser: Debian's chromium driven by Playwright, the real
dashboard under uvicorn, the real Telegram worker talking to the fake Bot API over HTTP, and
a Redis of its own (so the queue holds only this test's case and "at the top" means it).

A resident's crisis message on Telegram opens a case; a caseworker, already on the queue page,
sees it appear at the top without reloading, claims it, replies; the resident receives the
reply on Telegram; the resident's answer appears in the case view live; the caseworker closes
the case and the bot answers the resident again. Screenshots go to reports/dashboard/.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import uvicorn

from bot.handoff.accounts import Accounts
from bot.store.connection import start_embedded
from tests.fakes.botapi import FakeBotAPI
from tests.telegram_helpers import (
    Running,
    fast_settings,
    first_update_id,
    free_port,
    new_chat,
    running_worker,
)

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parent.parent / "reports" / "dashboard"
PASSWORD = "a-long-test-password"

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                                reason="Debian's chromium is installed by `make test`")


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    server = start_embedded(tmp_path_factory.mktemp("browser-redis"))
    yield f"unix://{server.socket_file}"
    server.shutdown(save=False)


@pytest_asyncio.fixture
async def telegram(fake: FakeBotAPI, dialogue, own_redis: str) -> AsyncIterator[Running]:  # type: ignore[no-untyped-def]
    fake.reset(first_update_id=first_update_id())
    async with running_worker(fake, dialogue, own_redis) as running:
        yield running


@pytest_asyncio.fixture
async def dashboard(telegram: Running) -> AsyncIterator[str]:
    from bot.web.commands import build

    settings = fast_settings()
    settings.web.secure_cookies = True  # as deployed: chromium keeps them on localhost
    redis = telegram.runtime.store.client
    app, _watch = build(settings, redis)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        yield f"http://localhost:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 15)


async def test_a_crisis_on_telegram_is_answered_by_a_caseworker_in_the_browser(
        fake: FakeBotAPI, telegram: Running, dashboard: str) -> None:
    from playwright.async_api import async_playwright, expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    name = f"kim{secrets.token_hex(3)}"
    await Accounts(telegram.runtime.store.client).add(name, PASSWORD)
    queue = telegram.runtime.service.queue
    chat = new_chat()

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"])
        try:
            page = await browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)

            # a caseworker logs in; a logged-out visitor is sent to the login page
            await page.goto(dashboard + "/")
            await expect(page).to_have_url(dashboard + "/login")
            await page.get_by_label("이름").fill(name)
            await page.get_by_label("비밀번호").fill(PASSWORD)
            await page.get_by_role("button", name="로그인").click()
            await expect(page.get_by_role("heading", name="상담 대기열")).to_be_visible()
            await expect(page.locator("#rows")).to_contain_text("기다리는 상담 요청이 없어요")

            # the resident writes on Telegram: the hotline first, and a case
            fake.push_message(chat, "요즘 너무 힘들어서 그냥 죽고 싶어요")
            await telegram.idle(chat, 1)
            assert "109" in fake.messages(chat)[0].text
            case_id = await queue.case_of(f"telegram:{chat}")
            assert case_id is not None

            # it appears at the top of the open queue page by itself (server-sent events)
            top = page.locator("#rows tr").first
            await expect(top).to_have_attribute("data-case", case_id)
            await expect(top).to_contain_text("위급")
            await expect(top).to_contain_text("자살 위기")
            await page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)

            # claim it from the queue: the case view, with the transcript as chat bubbles
            await top.get_by_role("button", name="받기").click()
            await expect(page).to_have_url(f"{dashboard}/cases/{case_id}")
            await expect(page.locator(".facts")).to_contain_text(f"상담 중 · {name}")
            await expect(page.locator(".bubble.resident").first).to_contain_text("죽고 싶어요")
            await expect(page.locator(".bubble.bot").first).to_contain_text("109")

            # reply: the resident receives it on Telegram
            answer = "안녕하세요, 복지상담사입니다. 지금 안전한 곳에 계세요?"
            seen = len(fake.messages(chat))
            await page.get_by_label("주민에게 답장").fill(answer)
            await page.get_by_role("button", name="보내기", exact=True).click()
            await fake.awaits_for(lambda: len(fake.messages(chat)) > seen
                                  and fake.messages(chat)[-1].text == answer,
                                  what="the caseworker's reply on Telegram")
            await expect(page.locator(".bubble.caseworker").last).to_contain_text(answer)

            # the resident answers: to the caseworker, not the bot, shown live in the case
            fake.push_message(chat, "네 집이에요. 혼자 있어요")
            await telegram.idle(chat, 2)
            assert telegram.turns[chat][-1].actions == ["handoff:relay"]
            await expect(page.locator(".bubble.resident").last).to_contain_text("혼자 있어요")
            await page.screenshot(path=str(SHOTS / "case.png"), full_page=True)

            # close with an outcome and a note: off the queue, and the bot is back
            seen = len(fake.messages(chat))
            await page.get_by_label("결과").select_option("helped")
            await page.get_by_label("종료 메모").fill("안전 확인, 정신건강복지센터 연계 안내")
            await page.get_by_role("button", name="종료하고 봇에게 넘기기").click()
            await expect(page).to_have_url(dashboard + "/")
            await expect(page.locator(f"#rows tr[data-case='{case_id}']")).to_have_count(0)
            await fake.awaits_for(lambda: len(fake.messages(chat)) > seen,
                                  what="the closing notice on Telegram")
            assert "다시 복지 길잡이가 도와드릴게요" in fake.messages(chat)[-1].text
            assert fake.messages(chat)[-1].buttons, "the notice offers the bot's menu"
        finally:
            await browser.close()

    fake.push_message(chat, "기초연금이 뭐예요?")
    await telegram.idle(chat, 3)
    turn = telegram.turns[chat][-1]
    assert not any(a.startswith("handoff") for a in turn.actions), turn.actions
    assert "기초연금" in fake.messages(chat)[-1].text
    case = await queue.get(case_id)
    assert case is not None and case.status == "closed" and case.outcome == "helped"
    assert (SHOTS / "queue.png").stat().st_size > 10_000
    assert (SHOTS / "case.png").stat().st_size > 10_000
