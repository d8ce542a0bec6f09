"""Counting the resilience workload: whether everything it waits for was delivered, and the
report's figures from what the people saw and what the database holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.resilience.cast import (
    BONE_FIELDS,
    HOLD_NOTICE,
    MORNING,
    SEEN_NOTICE,
    expected_green,
    expected_value,
    stored_values,
)
from tests.resilience.people import CheckinLog, Coach, Runner

if TYPE_CHECKING:
    from tests.resilience.workload import Report

import datetime as dt
import sqlite3
import time

from bot.sandbox import Sandbox, SandboxUser
from dialogs import checkin as checkin_form
from storage import (
    get_checkin,
    load_draft,
    open_db,
)
from tests.e2e.harness import GREEN


class Delivery:
    """Whether everything the workload waits for has happened (checked on each change)."""

    def __init__(self, sandbox, coach: Coach, runners: dict[int, Runner], reminder_ids, db_path):
        self.sandbox, self.coach, self.runners = sandbox, coach, runners
        self.reminder_ids, self.db_path = reminder_ids, db_path
        self.missing = ""
        self._db_checked = 0.0

    def complete(self, runner_tasks, hold_tasks) -> bool:
        users = self.sandbox.users
        waiting = [
            ("check-ins", sum(not t.done() for t in runner_tasks)),
            ("holds", sum(not t.done() for t in hold_tasks)),
            ("reminders", sum(not has(users[u], MORNING) for u in self.reminder_ids)),
            ("alerts", sum(1 for r in self.runners.values() if r.plan.red and r.plan.coached
                           and r.log.done and r.plan.user_id not in self.coach.alerts())),
            ("seen", sum(1 for uid in self.coach.alerts() if uid not in self.coach.log.seen_acked)),
            ("seen notices", sum(not has(users[u], SEEN_NOTICE) for u in self.coach.log.seen_acked)),
            ("hold notices", sum(not has(users[u], HOLD_NOTICE) for u in self.coach.log.holds_acked)),
        ]  # fmt: skip
        self.missing = ", ".join(f"{n} {what}" for what, n in waiting if n)
        if self.missing:
            return False
        if time.monotonic() - self._db_checked < 0.5:
            return False
        self._db_checked = time.monotonic()
        backlog = outbox_backlog(self.db_path)  # e.g. review alerts nobody waits for
        self.missing = f"{backlog} outbox rows pending"
        return backlog == 0


def has(user: SandboxUser, prefix: str) -> bool:
    return any((m.text or "").startswith(prefix) for m in user.messages)


def starting(user: SandboxUser, prefix: str) -> int:
    return sum(1 for m in user.messages if (m.text or "").startswith(prefix))


def outbox_backlog(db_path: str) -> int:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(
            "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"
        ).fetchone()[0]
    finally:
        conn.close()


def count(report: Report, logs: list[CheckinLog], coach: Coach, sandbox: Sandbox,
          reminder_ids: list[int], db_path: str, today: dt.date) -> None:  # fmt: skip
    """Fill in the report from what the people saw and what the database holds."""
    db = open_db(db_path)
    try:
        _count_answers(report, logs, db, today)
        _count_outbox(report, coach, sandbox, reminder_ids, db)
    finally:
        db.conn.close()


def _count_answers(report: Report, logs: list[CheckinLog], db, today: dt.date) -> None:
    for log in logs:
        plan = log.plan
        report.checkins_done += log.done
        report.answers_acked += len(log.acked)
        report.runner_resends += log.resends
        report.regressions += len(log.regressions)
        if log.regressions:
            report.details.append(f"{plan.name}: asked again after moving on: {log.regressions}")
        if log.error:
            report.errors.append(f"{plan.name}: {log.error}")
        stored = get_checkin(db, plan.user_id, today)
        draft = load_draft(db, plan.user_id)
        if stored is not None:
            values = stored_values(stored.model_dump(), plan.answers)
        elif draft is not None and draft.form == "checkin":
            values = draft.answers
        else:
            values = {}
        for name in sorted(log.acked):
            if name not in values or values[name] != expected_value(plan, name):
                report.answers_lost += 1
                report.details.append(f"{plan.name}: {name} acknowledged as {plan.answers[name]!r}, "
                                      f"stored {values.get(name, '(nothing)')!r}")  # fmt: skip
        for name in checkin_form.FIELDS:
            value = values.get(name)
            if name in log.acked or value is None:
                continue  # checked above, or not asked
            if name == "soreness_hours" and value == 0 and not log.answered[name]:
                continue  # not asked: 0 is what the check-in stores then
            if (name in BONE_FIELDS and log.answered["bones"] and value == expected_green(name)
                    and plan.answers["bones"] == GREEN["bones"]):  # fmt: skip
                continue  # recorded green by "All clear"
            if not log.answered[name] or value != expected_value(plan, name):
                report.answers_inconsistent += 1
                report.details.append(f"{plan.name}: {name} stored as {value!r}, "
                                      f"answered {plan.answers[name]!r} {log.answered[name]}×")  # fmt: skip


def _count_outbox(
    report: Report, coach: Coach, sandbox: Sandbox, reminder_ids: list[int], db
) -> None:
    users, coach_user = sandbox.users, coach.user
    for uid in reminder_ids:
        n = starting(users[uid], MORNING)
        report.reminders_lost += n == 0
        report.reminder_duplicates += max(0, n - 1)
    # every alert stored for a coach reaches them (urgent on red flags, reviews)
    rows = db.execute(
        """SELECT a.kind, r.first_name, count(*) FROM alerts a JOIN runners r ON r.user_id = a.runner_id
           WHERE a.coach_id IS NOT NULL GROUP BY a.kind, r.first_name"""
    ).fetchall()
    for kind, name, stored in rows:
        head = f"🚨 Urgent: {name} (" if kind == "urgent" else f"Worth a conversation: {name} ("
        n = starting(coach_user, head)
        report.alerts += stored
        report.alerts_lost += max(0, stored - n)
        report.alert_duplicates += max(0, n - stored)
        if n < stored:
            report.details.append(f"{kind} alert about {name}: stored {stored}, delivered {n}")
    # a red-flag decision of a linked runner without its alert row would be lost too
    report.alerts_lost += db.execute(
        """SELECT count(*) FROM decisions d JOIN coach_links l ON l.runner_id = d.runner_id
           WHERE d.escalation = 'urgent' AND NOT EXISTS (
             SELECT 1 FROM alerts a WHERE a.runner_id = d.runner_id AND a.kind = 'urgent'
               AND a.coach_id = l.coach_id)"""
    ).fetchone()[0]
    # the coach's actions: each one in the audit log queued one notice to the runner
    for action, prefix, acked in (("alert_seen", SEEN_NOTICE, coach.log.seen_acked),
                                  ("coach_hold", HOLD_NOTICE, coach.log.holds_acked)):  # fmt: skip
        done = dict(db.execute("SELECT runner_id, count(*) FROM audit_log WHERE action = ? "
                               "GROUP BY runner_id", [action]).fetchall())  # fmt: skip
        report.coach_actions_lost += sum(1 for uid in acked if uid not in done)
        for uid, stored in done.items():
            n = starting(users[uid], prefix)
            report.notices += stored
            report.notices_lost += max(0, stored - n)
            report.notice_duplicates += max(0, n - stored)
    report.coach_resends = coach.log.resends
    report.outbox = dict(
        db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall()
    )
