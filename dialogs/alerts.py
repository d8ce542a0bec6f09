"""Alerts to linked coaches: urgent on a red flag, a calm review on energy-deficiency signs.

`raise_alerts` runs inside the transaction that stores the check-in and its decision, so an
answer acknowledged to the runner always has its alert rows and outbox messages with it.
"""

import datetime as dt

from dialogs.onboarding import SITE_NAMES
from protocols import Checkin, Decision
from protocols.codes import Site
from protocols.messages import REASONS
from storage import (
    RunnerRow,
    add_alert,
    alerts_to_resend,
    coaches_of,
    enqueue,
    get_coach,
    get_runner,
    is_linked,
    mark_alert_resent,
)

URGENT_PRIORITY, REVIEW_PRIORITY = 10, 5
RESEND_AFTER = dt.timedelta(hours=12)
# An urgent alert not delivered within this long is given up on and the runner told to
# contact their coach and clinician themselves (the outbox's maximum age for urgent rows).
URGENT_MAX_AGE_S = 30 * 60

# The check-in answers behind each red flag, for the coach (docs/PROTOCOL.md §3).
EVIDENCE = {
    "RF1": ("night_pain",), "RF2": ("pain_rest",), "RF3": ("limp",), "RF4": ("tenderness",),
    "RF5": ("hip_groin_pain",), "RF6": ("pain_rest", "pain_morning", "pain_session"),
    "RF7": ("pain_session",), "RF8": ("swelling", "pain_rest", "pain_morning", "pain_session"),
    "RF9": ("pain_morning",),
}  # fmt: skip
FIELD_WORDS = {
    "night_pain": "night pain", "pain_rest": "bone pain at rest", "limp": "limp",
    "tenderness": "tender at one spot", "hip_groin_pain": "groin/hip pain",
    "pain_morning": "bone pain on waking", "pain_session": "bone pain in the session",
    "swelling": "new swelling",
}  # fmt: skip


def evidence(checkin: Checkin, rules: tuple[str, ...]) -> str:
    fields: list[str] = []
    for rule in rules:
        for name in EVIDENCE.get(rule, ()):
            if name not in fields:
                fields.append(name)
    parts = []
    for name in fields:
        value = getattr(checkin, name)
        if value is None:
            continue
        shown = ("yes" if value else "no") if isinstance(value, bool) else f"{value}/10"
        parts.append(f"{FIELD_WORDS[name]}: {shown}")
    return ", ".join(parts)


def runner_label(runner: RunnerRow) -> str:
    site = SITE_NAMES[Site(runner.profile.site)] if runner.profile else "site not set"
    return f"{runner.first_name or 'Runner'} ({site})"


def urgent_text(runner: RunnerRow, checkin: Checkin, decision: Decision, resent: bool = False) -> str:
    reds = tuple(r for r in decision.rules if r.startswith("RF"))
    lines = [
        ("🚨 Still unseen — urgent: " if resent else "🚨 Urgent: ") + runner_label(runner),
        f"Stage {decision.stage}, check-in {decision.date.isoformat()}.",
        *(f"• {REASONS[r]}" for r in reds),
        f"Answers: {evidence(checkin, reds)}.",
        "They were told to stop running and see their clinician.",
    ]
    return "\n".join(lines)


def urgent_keyboard(alert_id: int) -> list:
    return [[["Seen", f"a:seen:{alert_id}"]],
            [["Resume plan", f"a:resume:{alert_id}"], ["Keep on hold", f"a:hold:{alert_id}"]]]  # fmt: skip


def review_text(runner: RunnerRow, decision: Decision) -> str:
    lines = [f"Worth a conversation: {runner_label(runner)}", f"Stage {decision.stage}."]
    lines += [f"• {REASONS[r]}" for r in decision.reviews]
    lines.append("Not urgent — their plan goes on; a chat about fuelling and recovery may help.")
    return "\n".join(lines)


def raise_alerts(db, runner: RunnerRow, checkin: Checkin, decision: Decision,
                 now: dt.datetime) -> int:  # fmt: skip
    """Record and queue the day's alerts; returns how many coaches were told."""
    coaches = coaches_of(db, runner.user_id)
    if decision.alert:
        reds = tuple(r for r in decision.rules if r.startswith("RF"))
        reason = "; ".join(REASONS[r] for r in reds)
        if not coaches:
            add_alert(db, runner.user_id, None, "urgent", reds, reason, at=now)
        for coach in coaches:
            alert_id = add_alert(db, runner.user_id, coach.user_id, "urgent", reds, reason, at=now)
            payload = {"text": urgent_text(runner, checkin, decision), "keyboard": urgent_keyboard(alert_id)}
            enqueue(db, coach.chat_id, "alert", payload, f"alert:{alert_id}",
                    runner_id=runner.user_id, priority=URGENT_PRIORITY)  # fmt: skip
    if decision.reviews:
        for coach in coaches:
            alert_id = add_alert(db, runner.user_id, coach.user_id, "review", decision.reviews,
                                 "; ".join(REASONS[r] for r in decision.reviews), at=now)  # fmt: skip
            enqueue(db, coach.chat_id, "review", {"text": review_text(runner, decision)},
                    f"review:{alert_id}", runner_id=runner.user_id, priority=REVIEW_PRIORITY)  # fmt: skip
    return len(coaches)


def resend_unseen(db, now: dt.datetime) -> int:
    """An urgent alert nobody acknowledged is sent once more after 12 hours."""
    count = 0
    for alert in alerts_to_resend(db, now - RESEND_AFTER):
        runner = get_runner(db, alert.runner_id)
        coach = get_coach(db, alert.coach_id)
        if runner is None or coach is None or not is_linked(db, coach.user_id, runner.user_id):
            mark_alert_resent(db, alert.id)
            continue
        text = "\n".join([
            "🚨 Still unseen — urgent: " + runner_label(runner),
            f"Raised {alert.created_at:%Y-%m-%d %H:%M} UTC.",
            *(f"• {REASONS[r]}" for r in alert.rules),
            "Please press Seen once you have been in touch.",
        ])  # fmt: skip
        with db.atomic():
            enqueue(db, coach.chat_id, "alert", {"text": text, "keyboard": urgent_keyboard(alert.id)},
                    f"alert-resend:{alert.id}", runner_id=runner.user_id, priority=URGENT_PRIORITY)  # fmt: skip
            mark_alert_resent(db, alert.id)
        count += 1
    return count


def alert_undelivered(db, message) -> int:
    """Outbox hook (a row given up on): when an urgent alert could not reach a coach, the
    runner is told, so nobody believes a coach knows what they do not. 1 if queued, else 0."""
    if message.kind != "alert" or message.runner_id is None:
        return 0
    runner = get_runner(db, message.runner_id)
    if runner is None or runner.chat_id == message.chat_id:
        return 0
    coach = next((c for c in coaches_of(db, runner.user_id) if c.chat_id == message.chat_id), None)
    who = coach.first_name if coach is not None and coach.first_name else "your coach"
    text = (f"I could not get today's warning through to {who}. Please contact them yourself, "
            "and see your clinician before you run again — keep resting until then.")  # fmt: skip
    queued = enqueue(db, runner.chat_id, "alert_undelivered", {"text": text},
                     f"undelivered:{message.id}", runner_id=runner.user_id, priority=URGENT_PRIORITY)  # fmt: skip
    return 0 if queued is None else 1
