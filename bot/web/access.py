"""Who may see and do what on the dashboard: the rules in one place, so every route asks the
same questions.

- The queue (waiting cases) is shared: any caseworker may read a waiting case to triage it
  and claim it.
- A claimed or closed case belongs to its caseworker: only they (and supervisors) read it;
  only they reply to it. Supervisors see everything, close and reassign.
"""

from __future__ import annotations

from bot.handoff.cases import Case
from bot.web.sessions import Session


def can_read(session: Session, case: Case) -> bool:
    return session.supervisor or case.status == "waiting" or case.assignee == session.name


def can_claim(session: Session, case: Case) -> bool:
    return case.status == "waiting"


def can_reply(session: Session, case: Case) -> bool:
    return case.status == "claimed" and case.assignee == session.name


def can_close(session: Session, case: Case) -> bool:
    return case.status == "claimed" and (case.assignee == session.name or session.supervisor)


def can_release(session: Session, case: Case) -> bool:
    return can_close(session, case)


def can_note(session: Session, case: Case) -> bool:
    return case.status != "closed" and (case.assignee == session.name or session.supervisor)


def can_reassign(session: Session, case: Case) -> bool:
    return session.supervisor and case.status != "closed"


def visible_in_queue(session: Session, case: Case) -> bool:
    """A caseworker's queue: the waiting cases and their own; a supervisor's: all."""
    return session.supervisor or case.status == "waiting" or case.assignee == session.name
