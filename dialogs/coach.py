"""Coaches and clinicians: sign-up and invites, linking, athlete views and coach actions.

Every coach action checks the link first (a coach only ever sees or acts on runners linked to
them), is written to the audit log, reaches the engine as an event and is told to the runner.
"""

import datetime as dt
import html

from dialogs import history as history_view
from dialogs.alerts import runner_label
from dialogs.checkin import event_date
from dialogs.parsing import Invalid, time_zone
from dialogs.zones import zone
from protocols import Event, Profile
from protocols.codes import HIGH_RISK_SITES
from storage import (
    RunnerRow,
    add_event,
    athletes_of,
    coach_by_invite,
    coaches_of,
    enqueue,
    get_alert,
    get_coach,
    get_runner,
    history,
    is_linked,
    latest_decision,
    link_coach,
    log_action,
    mark_alert_seen,
    rotate_invite_code,
    set_coach_tz,
    unlink_coach,
    unseen_alerts,
    update_profile,
    upsert_coach,
    upsert_runner,
)

NOT_A_COACH = "This is for coaches: send /coach to sign up and get your invite link."
NO_SUCH_ATHLETE = "No athlete with that number. /athletes lists yours."
RUNNER_NOTICE = {
    "running_cleared": "Your coach has cleared you for running. From your next check-in, "
    "running stages can unlock as your plan allows.",
    "resume": "Your coach has resumed your plan. It restarts one stage below at your next "
    "check-in, once that check-in is fully clear.",
    "hold": "Your coach is keeping your plan on hold for now: sessions go on, but no step "
    "up until they resume it.",
}


def invite_text(bot_username: str, code: str) -> str:
    return (
        "Your invite for runners:\n"
        f"https://t.me/{bot_username}?start=c_{code}\n"
        f"or they send: /coach {code}\n\n"
        "Linked runners' red flags reach you at once. /athletes lists them; /coach revoke "
        "replaces this code (the old one stops working); /coach zone Berlin sets your time "
        "zone for the Monday digest."
    )


def sign_up(db, user_id: int, chat_id: int, first_name: str) -> str:
    coach = upsert_coach(db, user_id, chat_id, first_name)
    log_action(db, "coach_signup", actor_id=user_id)
    return coach.invite_code


def revoke(db, user_id: int) -> str | None:
    if get_coach(db, user_id) is None:
        return None
    code = rotate_invite_code(db, user_id)
    log_action(db, "invite_revoked", actor_id=user_id)
    return code


def set_zone(db, user_id: int, text: str) -> str:
    if get_coach(db, user_id) is None:
        return NOT_A_COACH
    try:
        tz = time_zone(text)
    except Invalid as exc:
        return str(exc)
    set_coach_tz(db, user_id, tz)
    return f"Your time zone is {tz}: the digest arrives on Monday mornings there."


def link_by_code(db, runner_id: int, chat_id: int, first_name: str, code: str) -> tuple[str, bool]:
    """A runner links to the coach owning `code`: (what to tell the runner, linked?)."""
    coach = coach_by_invite(db, code.strip()) if code and len(code) <= 64 else None
    if coach is None:
        return "That coach code does not work (it may have been replaced). Ask your coach for a new one.", False
    if coach.user_id == runner_id:
        return "That is your own coach code — share it with your runners.", False
    upsert_runner(db, runner_id, chat_id, first_name)
    with db.atomic():
        if not link_coach(db, coach.user_id, runner_id):
            return f"You are already linked to {coach.first_name or 'this coach'}.", False
        log_action(db, "coach_linked", actor_id=runner_id, runner_id=runner_id,
                   detail={"coach_id": coach.user_id})  # fmt: skip
        enqueue(db, coach.chat_id, "link", {"text": f"{first_name or 'A runner'} linked to you. /athletes lists your runners."},
                runner_id=runner_id, priority=3)  # fmt: skip
    return (
        f"You are linked to your coach {coach.first_name or ''}. They will be told at once if a "
        "check-in shows a warning sign, and can see your check-ins and plan.".replace("  ", " "),
        True,
    )


def unlink(db, runner_id: int, coach_id: int) -> bool:
    runner = get_runner(db, runner_id)
    coach = get_coach(db, coach_id)
    with db.atomic():
        if coach is None or not unlink_coach(db, coach_id, runner_id):
            return False
        log_action(db, "coach_unlinked", actor_id=runner_id, runner_id=runner_id,
                   detail={"coach_id": coach_id})  # fmt: skip
        name = runner.first_name if runner else "A runner"
        enqueue(db, coach.chat_id, "link", {"text": f"{name} unlinked from you."},
                runner_id=runner_id if runner else None, about=(runner_id,), priority=3)  # fmt: skip
    return True


def _athlete(db, coach_id: int, number: str | None) -> RunnerRow | None:
    """The coach's n-th athlete, only if linked (numbers are 1-based, in linking order)."""
    try:
        index = int(number or "") - 1
    except ValueError:
        return None
    athletes = athletes_of(db, coach_id)
    if not 0 <= index < len(athletes):
        return None
    runner = athletes[index]
    return runner if is_linked(db, coach_id, runner.user_id) else None


def light(db, coach_id: int, runner: RunnerRow, today: dt.date) -> str:
    """Traffic light: red — stopped or an urgent alert open; amber — hold, scale-back or
    review in the last 7 days, or no check-in for 3 days; green otherwise."""
    latest = latest_decision(db, runner.user_id)
    open_urgent = any(a.kind == "urgent" and a.runner_id == runner.user_id for a in unseen_alerts(db, coach_id))
    if open_urgent or (latest is not None and latest.action == "stop"):
        return "🔴"
    recent = [day.decision for day in history(db, runner.user_id, limit=7) if (today - day.date).days < 7]
    if latest is None or (today - latest.date).days >= 3:
        return "🟠"
    if any(d.action in ("repeat", "regress") or d.escalation == "review" for d in recent):
        return "🟠"
    return "🟢"


def athletes_text(db, coach_id: int, now: dt.datetime) -> str:
    coach = get_coach(db, coach_id)
    if coach is None:
        return NOT_A_COACH
    athletes = athletes_of(db, coach_id)
    if not athletes:
        return "No runners linked yet. Send /coach to see your invite link."
    today = now.astimezone(zone(coach.tz)).date()
    lines = ["Your athletes:"]
    for n, runner in enumerate(athletes, 1):
        latest = latest_decision(db, runner.user_id)
        if latest is None:
            lines.append(f"{n}. {light(db, coach_id, runner, today)} {runner_label(runner)} — no check-in yet")
            continue
        on_stage = (today - latest.state.stage_entered).days
        lines.append(
            f"{n}. {light(db, coach_id, runner, today)} {runner_label(runner)} — {latest.stage}, "
            f"last check-in {latest.date:%b %d}, {on_stage} d on this stage"
        )
    lines.append("\n/athlete <n> for details; /clear, /resume or /hold <n> to act.")
    return "\n".join(lines)


def athlete_runner(db, coach_id: int, number: str | None) -> RunnerRow | None:
    """The n-th linked athlete of a coach, or None (not a coach, no such number)."""
    if get_coach(db, coach_id) is None:
        return None
    return _athlete(db, coach_id, number)


def athlete_text(db, coach_id: int, number: str | None) -> tuple[str, bool]:
    """The athlete view as (text, is_html): last 14 days, stage, next step, open alerts."""
    if get_coach(db, coach_id) is None:
        return NOT_A_COACH, False
    runner = _athlete(db, coach_id, number)
    if runner is None:
        return NO_SUCH_ATHLETE, False
    days = history(db, runner.user_id, limit=14)
    latest = days[-1].decision if days else None
    lines = [runner_label(runner)]
    if latest is None:
        lines.append("No check-ins yet.")
        return "\n".join(lines), False
    state = "stopped — waiting for you to resume" if latest.action == "stop" else latest.stage
    lines.append(f"Stage: {state}. Running cleared: {'yes' if latest.state.running_cleared else 'no'}.")
    lines.append(f"Next: {latest.next_step}")
    alerts = [a for a in unseen_alerts(db, coach_id) if a.runner_id == runner.user_id]
    if alerts:
        lines.append("Open alerts: " + "; ".join(f"{a.kind} {a.created_at:%b %d} ({' '.join(a.rules)})" for a in alerts))
    table = history_view.history_table(days)
    return html.escape("\n".join(lines)) + "\n\n" + table, table.startswith("<pre>")


def act(db, coach_id: int, number: str | None, kind: str, now: dt.datetime) -> str:
    """/clear, /resume, /hold <n>: an engine event, an audit entry and a word to the runner."""
    if get_coach(db, coach_id) is None:
        return NOT_A_COACH
    runner = _athlete(db, coach_id, number)
    if runner is None:
        return NO_SUCH_ATHLETE
    return _apply(db, coach_id, runner, kind, now)


def _apply(db, coach_id: int, runner: RunnerRow, kind: str, now: dt.datetime) -> str:
    with db.atomic():
        add_event(db, runner.user_id, Event(date=event_date(db, runner.user_id, now), type=kind), coach_id)
        if kind == "running_cleared" and runner.profile is not None:
            update_profile(db, runner.user_id, runner.profile.model_copy(update={"running_cleared": True}))
        log_action(db, f"coach_{kind}", actor_id=coach_id, runner_id=runner.user_id)
        enqueue(db, runner.chat_id, "coach_action", {"text": RUNNER_NOTICE[kind]},
                runner_id=runner.user_id, priority=3)  # fmt: skip
    done = {"running_cleared": "cleared for running", "resume": "resumed", "hold": "on hold"}[kind]
    return f"{runner.first_name or 'Runner'}: {done}. They have been told."


def alert_button(db, coach_id: int, data: str, now: dt.datetime) -> str:
    """Seen / Resume plan / Keep on hold on an alert; forged or foreign alerts do nothing."""
    try:
        _, action, raw_id = data.split(":", 2)
        alert = get_alert(db, int(raw_id))
    except (ValueError, OverflowError):  # forged: not a number, or beyond SQLite's integers
        return "That button no longer works."
    if alert is None or alert.coach_id != coach_id or not is_linked(db, coach_id, alert.runner_id):
        return "That button no longer works."
    runner = get_runner(db, alert.runner_id)
    if action == "seen":
        with db.atomic():
            if mark_alert_seen(db, alert.id, coach_id):
                log_action(db, "alert_seen", actor_id=coach_id, runner_id=runner.user_id,
                           detail={"alert_id": alert.id})  # fmt: skip
                enqueue(db, runner.chat_id, "coach_action",
                        {"text": "Your coach has seen your alert and will be in touch."},
                        runner_id=runner.user_id, priority=3)  # fmt: skip
                return "Marked as seen; the runner has been told."
        return "Already marked as seen."
    if action in ("resume", "hold"):
        mark_alert_seen(db, alert.id, coach_id)
        return _apply(db, coach_id, runner, action, now)
    return "That button no longer works."


def needs_clearance_by_coach(profile: Profile) -> bool:
    return profile.site in HIGH_RISK_SITES


def coaches_text(db, runner_id: int) -> list[tuple[int, str]]:
    return [(c.user_id, c.first_name or "Coach") for c in coaches_of(db, runner_id)]
