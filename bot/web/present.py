"""How cases read on the dashboard: Korean labels, waiting times and SLA state.

Kept apart from the routes so the queue page and its live-updated rows say the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.eligibility.rulebook import RuleSet
from bot.handoff.cases import Case
from bot.settings import HandoffSettings

# Why a change was refused (`NotAllowed.why`), in the caseworker's words
REFUSED = {"taken": "이미 다른 상담원이 받았어요.", "closed": "이미 종료된 상담이에요.",
           "not_yours": "이 상담을 맡은 상담원만 할 수 있어요.",
           "empty_reply": "보낼 내용을 적어 주세요.", "no_note": "종료하려면 메모를 남겨 주세요.",
           "empty_note": "메모 내용을 적어 주세요."}
STATUS = {"waiting": "대기", "claimed": "상담 중", "closed": "종료"}
OUTCOMES = {"helped": "도움 드림", "referred": "다른 기관 연계", "no_contact": "연락 안 됨",
            "not_needed": "도움 필요 없음"}
ROLE = {"resident": "주민", "bot": "복지 길잡이", "caseworker": "상담원", "system": "알림"}
VERDICT = {"eligible": "받을 수 있음", "ineligible": "해당 없음", "unknown": "더 확인 필요"}


@dataclass
class Row:
    case: Case
    waited: str          # "3분", "1시간 5분"
    sla: str             # ok | soon | late | escalated
    sla_text: str


def minutes_text(delta: dt.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}분"
    hours, rest = divmod(minutes, 60)
    return f"{hours}시간 {rest}분" if rest else f"{hours}시간"


def sla_state(case: Case, now: dt.datetime, policy: HandoffSettings) -> tuple[str, str]:
    """Against the unclaimed SLA while waiting, the reply SLA once claimed."""
    if case.status == "waiting":
        limit = dt.timedelta(minutes=policy.unclaimed_minutes[case.priority])
        since = case.created_at
    else:
        limit = dt.timedelta(minutes=policy.reply_minutes[case.priority])
        since = case.last_reply_at or case.claimed_at or case.created_at
    left = since + limit - now
    if case.escalated and case.status == "waiting":
        return "escalated", f"기한 초과 {minutes_text(-left)} · 관리자 알림"
    if left <= dt.timedelta(0):
        return "late", f"기한 초과 {minutes_text(-left)}"
    if left <= limit / 4:
        return "soon", f"{minutes_text(left)} 남음"
    return "ok", f"{minutes_text(left)} 남음"


def row(case: Case, now: dt.datetime, policy: HandoffSettings) -> Row:
    sla, text = sla_state(case, now, policy)
    return Row(case, minutes_text(now - case.created_at), sla, text)


def profile_lines(case: Case, rules: RuleSet) -> list[tuple[str, str]]:
    """(label, value) for each fact, in the rule files' words; bands as "low~high"."""
    out = []
    for name, value in case.profile.items():
        spec = rules.facts.get(name)
        label = spec.label if spec else name
        out.append((label, _value_text(value, spec.unit if spec else "none")))
    return out


def _value_text(value: Any, unit: str) -> str:
    if isinstance(value, bool):
        return "예" if value else "아니요"
    if isinstance(value, list) and len(value) == 2:
        low, high = value
        high_text = "" if high is None or high == float("inf") else _number(high, unit)
        return f"{_number(low, unit)}~{high_text}"
    if isinstance(value, int | float):
        return _number(value, unit)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _number(value: Any, unit: str) -> str:
    if not isinstance(value, int | float):
        return str(value)
    if unit == "won":
        return f"{int(value):,}원"
    if value == int(value):
        return f"{int(value):,}"
    return str(value)


def result_lines(case: Case, rules: RuleSet) -> list[dict[str, Any]]:
    """Each benefit's verdict with its reasons, eligible first."""
    order = {"eligible": 0, "unknown": 1, "ineligible": 2}
    out = []
    for bid, result in case.results.items():
        benefit = rules.benefits.get(bid)
        out.append({"id": bid, "name": benefit.spec.name if benefit else bid,
                    "status": result.get("status", "unknown"),
                    "verdict": VERDICT.get(result.get("status", ""), result.get("status", "")),
                    "amount": result.get("amount"), "reasons": result.get("reasons", [])})
    return sorted(out, key=lambda r: (order.get(r["status"], 3), r["name"]))
