"""The caseworkers' words for a case's priority and reason: one table for the dashboard and the
Telegram notices, so both always say the same."""

from __future__ import annotations

PRIORITY = {"critical": "위급", "high": "높음", "normal": "보통"}
REASON = {"suicide": "자살 위기", "abuse": "학대·폭력", "livelihood": "생계 위기",
          "request": "상담 요청"}
