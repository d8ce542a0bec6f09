"""Alerts to linked coaches: urgent on a red flag, a calm review on energy-deficiency signs.

`raise_alerts` runs inside the transaction that stores the check-in and its decision, so an
answer acknowledged to the runner always has its alert rows and outbox messages with it.
Urgent alerts go at once; a review waits for the coach's daytime (08:00–21:00 in their zone).
The texts speak of the athlete by name, in the third person (dialogs/coach_words.py).
"""

import datetime as dt

from dialogs import coach_words as words
from dialogs.callbacks import AlertPress, Pick, build
from dialogs.zones import zone
from protocols import Checkin, Decision
from protocols.messages import REASONS
from storage import (
    CoachRow,
    Priority,
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
from storage.clearances import clearance_reports

RESEND_AFTER = dt.timedelta(hours=12)
DAY_STARTS, DAY_ENDS = dt.time(8, 0), dt.time(21, 0)  # [product] a coach's daytime
SEP = "\n\n▸ "  # what follows is the alert's state, rewritten as the coach acts
URGENT_HEADING = "🚨 Urgent: "  # an urgent alert's heading
STILL_UNSEEN = "🚨 Still unseen — urgent: "  # the 12-hour repeat's heading, until someone presses Seen
PRESS_SEEN = "Please press Seen once you have been in touch with "
# An urgent alert not delivered within this long is given up on and the runner told to
# contact their coach and clinician themselves (the outbox's maximum age for urgent rows).
URGENT_MAX_AGE_S = 30 * 60


def runner_label(runner: RunnerRow) -> str:
    return words.label(runner)


def urgent_text(runner: RunnerRow, checkin: Checkin, decision: Decision) -> str:
    reds = tuple(r for r in decision.rules if r.startswith("RF"))
    who = words.name(runner)
    lines = [
        URGENT_HEADING + words.label(runner),
        f"Stage {decision.stage}, check-in {words.day(decision.date)}.",
        *(f"• {words.rule(runner, r)}" for r in reds),
        f"{who}'s answers: {words.evidence(checkin, reds)}.",
        f"{who} was told to stop running and see {words.pronouns(runner)[1]} clinician; the plan "
        "stays stopped until you resume it.",
    ]
    return "\n".join(lines)


def seen_button(alert_id: int) -> tuple[str, str]:
    return "Seen", build(AlertPress("seen", alert_id))


def athlete_card(runner_id: int) -> tuple[str, str]:
    return "Athlete card", build(Pick("card", runner_id))


def urgent_keyboard(alert_id: int, runner_id: int | None = None) -> list:
    rows = [[list(seen_button(alert_id))],
            [["Resume plan", build(AlertPress("resume", alert_id))],
             ["Keep on hold", build(AlertPress("hold", alert_id))]]]  # fmt: skip
    if runner_id is not None:
        rows.append([list(athlete_card(runner_id))])
    return rows


def review_text(runner: RunnerRow, decision: Decision) -> str:
    who = words.name(runner)
    lines = [f"Worth a conversation: {words.label(runner)}", f"Stage {decision.stage}."]
    lines += [f"• {words.rule(runner, r)}" for r in decision.reviews]
    lines.append(f"Not urgent — {who}'s plan goes on; a chat about fuelling and recovery may help.")
    return "\n".join(lines)


def daytime(coach: CoachRow, now: dt.datetime) -> dt.datetime:
    """`now` if it is daytime for the coach, else their next 08:00 (as UTC)."""
    tz = zone(coach.tz)
    local = now.astimezone(tz)
    if DAY_STARTS <= local.time() < DAY_ENDS:
        return now
    day = local.date() if local.time() < DAY_STARTS else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, DAY_STARTS, tzinfo=tz).astimezone(dt.UTC)


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
            payload = {"text": urgent_text(runner, checkin, decision),
                       "keyboard": urgent_keyboard(alert_id, runner.user_id)}  # fmt: skip
            enqueue(db, coach.chat_id, "alert", payload, f"alert:{alert_id}",
                    runner_id=runner.user_id, priority=Priority.URGENT)  # fmt: skip
    if decision.reviews:
        for coach in coaches:
            alert_id = add_alert(db, runner.user_id, coach.user_id, "review", decision.reviews,
                                 "; ".join(REASONS[r] for r in decision.reviews), at=now)  # fmt: skip
            payload = {"text": review_text(runner, decision),
                       "keyboard": [[list(seen_button(alert_id)), list(athlete_card(runner.user_id))]]}
            enqueue(db, coach.chat_id, "review", payload, f"review:{alert_id}", daytime(coach, now),
                    runner_id=runner.user_id, priority=Priority.REVIEW)  # fmt: skip
    for coach in coaches:
        waiting_on_clearance(db, runner, coach, decision, now)
    return len(coaches)


def waiting_on_clearance(db, runner: RunnerRow, coach: CoachRow, decision: Decision,
                         now: dt.datetime) -> None:  # fmt: skip
    """A high-risk athlete held for a clearance only the coach can give: prompt the coach,
    at most once a week per clearance, with what the runner reported."""
    if not words.high_risk(runner) or decision.action == "stop":
        return
    s = decision.state
    if decision.stage == "P0" and not s.walking_cleared:
        kind = "walking"
    elif not s.running_cleared and ("H7" in decision.rules or s.clamped_from is not None):
        kind = "running"
    else:
        return
    who = words.name(runner)
    reports = {r.kind: r for r in clearance_reports(db, runner.user_id) if r.confirmed_at is None}
    lines = [f"⏳ {words.label(runner)} is waiting for {kind} clearance, which only you can give at this site."]
    if kind in reports:
        _, her = words.pronouns(runner)
        said = reports[kind].reported_at.astimezone(zone(coach.tz)).date()
        lines.append(f"{who} says {her} clinician cleared {kind} (reported {words.day(said)}).")
    else:
        lines.append(f"{who} has not reported a {kind} clearance from a clinician yet.")
    lines.append(f"Confirm only what {who}'s clinician has cleared.")
    week = decision.date.isocalendar()
    enqueue(db, coach.chat_id, "coach_notice",
            {"text": "\n".join(lines),
             "keyboard": [[[f"✅ Confirm {kind} clearance for {who}", build(Pick(f"clear_{kind}", runner.user_id))]],
                          [list(athlete_card(runner.user_id))]]},
            f"clearance-wait:{coach.user_id}:{runner.user_id}:{kind}:{week.year}-{week.week}", daytime(coach, now),
            runner_id=runner.user_id, priority=Priority.REVIEW)  # fmt: skip


def resend_unseen(db, now: dt.datetime) -> int:
    """An urgent alert nobody acknowledged is sent once more after 12 hours."""
    count = 0
    for alert in alerts_to_resend(db, now - RESEND_AFTER):
        runner = get_runner(db, alert.runner_id)
        coach = get_coach(db, alert.coach_id)
        if runner is None or coach is None or not is_linked(db, coach.user_id, runner.user_id):
            mark_alert_resent(db, alert.id)
            continue
        raised = alert.created_at.astimezone(zone(coach.tz))
        text = "\n".join([
            STILL_UNSEEN + words.label(runner),
            f"Raised {words.day(raised.date())} at {raised:%H:%M}.",
            *(f"• {words.rule(runner, r)}" for r in alert.rules),
            f"{PRESS_SEEN}{words.name(runner)}.",
        ])  # fmt: skip
        with db.atomic():
            enqueue(db, coach.chat_id, "alert", {"text": text, "keyboard": urgent_keyboard(alert.id, runner.user_id)},
                    f"alert-resend:{alert.id}", runner_id=runner.user_id, priority=Priority.URGENT)  # fmt: skip
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
                     f"undelivered:{message.id}", runner_id=runner.user_id, priority=Priority.URGENT)  # fmt: skip
    return 0 if queued is None else 1
