"""/plan: the runner's next 7 days, as the real engine would prescribe them on green days.

The forecast runs `protocols.decide` forward on synthetic fully-green check-ins (session
done in full, no bone pain, soreness gone within a day, 8 h sleep); it never re-implements
a rule. Pure: no Telegram, no clock, no database — the caller passes the history, the
runner's local date and the coach events the engine has not seen yet.
"""

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from protocols import Checkin, Day, Decision, Event, Profile, decide
from protocols.ladder import LADDER
from protocols.messages import REASONS

FORECAST_DAYS = 7
MAX_CHARS = 1500
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip
GREEN_SLEEP_HOURS = 8

FORECAST_NOTE = (
    "This is a forecast if every day stays clear: sessions done in full, no bone pain, "
    "soreness gone within a day, 8 h of sleep. Each morning's check-in decides the real plan."
)
PAUSED_NOTE = (
    "⏸ Your plan is paused after a warning sign: rest days only until it is resumed — by "
    "your coach, or by you after seeing your clinician if no coach is linked."
)

REMINDERS_PAUSED = "Reminders are paused (/resume turns them back on); check in whenever you train."


def day_label(d: dt.date) -> str:
    """'Tue 3 Mar' (English names, whatever the server's locale)."""
    return f"{WEEKDAY_NAMES[d.weekday()]} {d.day} {MONTH_NAMES[d.month - 1]}"


def green_checkin(d: dt.date, after_loading: bool) -> Checkin:
    """A fully green check-in; the session fields only when yesterday had a loading session."""
    return Checkin(
        date=d,
        pain_rest=0,
        night_pain=False,
        pain_session=0 if after_loading else None,
        pain_morning=0,
        soreness_hours=0,
        tenderness=False,
        swelling=False,
        limp=False,
        hip_groin_pain=False,
        session_done="full" if after_loading else None,
        sleep_hours=GREEN_SLEEP_HOURS,
    )


def forecast(
    profile: Profile, days: Sequence[Day], start: dt.date, count: int, events: Iterable[Event] = ()
) -> list[Decision]:
    """Decisions for `count` days from `start` (after the last real check-in), all green.

    Each event is applied on the first forecast day on or after its date (events dated
    before `start` on the first day), as the check-in handler would pass it.
    """
    history = list(days)
    waiting = sorted(events, key=lambda e: e.date)
    decisions = []
    for n in range(count):
        d = start + dt.timedelta(days=n)
        todays = [e for e in waiting if e.date <= d]
        waiting = [e for e in waiting if e.date > d]
        prev = history[-1] if history else None
        after_loading = (
            prev is not None
            and prev.date == d - dt.timedelta(days=1)
            and prev.decision.session.loading
        )
        checkin = green_checkin(d, after_loading)
        decision = decide(profile, history, checkin, todays)
        history.append(Day(checkin, decision))
        decisions.append(decision)
    return decisions


def short_structure(stage: str) -> str:
    """'jog 2 min, walk 4 min — 5 times' → 'jog 2, walk 4 ×5' (from the ladder's own text)."""
    text = LADDER[stage].structure
    alterg = re.search(r"at (\d+)% body weight: run (.+? min), (\d+) times", text)
    if alterg:
        percent, bout, times = alterg.groups()
        return f"{percent}% body weight, run {bout} ×{times}"
    text = re.sub(r" — (\d+) times", r" ×\1", text)
    return re.sub(r" min\b", "", text)


def session_label(decision: Decision) -> str:
    """One compact line for a day's prescription."""
    s = decision.session
    stage = decision.stage
    if decision.action == "stop":
        return "rest (plan paused)"
    if s.kind == "rest":
        return "rest day (easy non-impact cross-training is fine)"
    if s.kind == "strength":
        return f"strength, {s.minutes} min: {', '.join(s.strength)}"
    if s.kind == "cross_train":
        return f"{stage} pain-free non-impact cross-training ({s.surface}), {s.minutes} min"
    if s.kind == "walk":
        line = f"{stage} brisk walk, {s.minutes} min"
        return line + (f" + strength: {', '.join(s.strength)}" if s.strength else "")
    if s.kind == "readiness":
        return f"{stage} readiness tests, about {s.minutes} min (all must be pain-free)"
    if s.kind == "alterg":
        return f"{stage} AlterG, {s.minutes} min ({short_structure(stage)})"
    if s.kind == "run_walk":
        return f"{stage} run/walk, {s.minutes} min ({short_structure(stage)})"
    return f"{stage} easy run, {s.minutes} min"


def day_line(d: dt.date, decision: Decision | None, today: dt.date, checked_in: bool) -> str:
    label = day_label(d)
    if d == today:
        label += " (today)" if checked_in else " (today, after your check-in)"
    if decision is None:
        return f"{label} — no check-in"
    line = f"{label} — {session_label(decision)}"
    if decision.action == "advance":
        line += " ⬆ new stage"
    elif decision.action == "regress" and decision.stage_before != decision.stage:
        line += " ⬇ one stage down"
    return line


def first_advance(decisions: Sequence[Decision]) -> Decision | None:
    return next((x for x in decisions if x.action == "advance"), None)


def next_text(latest: Decision | None, predicted: list[Decision], checked_in: bool) -> str:
    """What must happen to reach the next stage (Decision.next_step), and when, if all stays
    clear. Before today's check-in, today's forecast speaks for today ("today's session")."""
    base = latest if checked_in or not predicted else predicted[0]
    if base is None:
        return ""
    text = f"Next: {base.next_step}"
    up = first_advance(predicted)
    if up is not None:
        text += f" If all stays clear: {up.stage} from {day_label(up.date)}."
    holds = [r for r in ("H9",) if predicted and r in predicted[-1].rules]
    text += "".join(f" {REASONS[r]}" for r in holds)
    return text


def plan_text(
    profile: Profile,
    days: list[Day],
    today: dt.date,
    tz_name: str,
    events: Iterable[Event] = (),
) -> str:
    """The next 7 days from `today` (the runner's local date in `tz_name`), one line a day.

    `days` is the stored history, oldest first (`storage.history` pairs as `Day`s); `events`
    are the coach and runner events the engine has not seen yet — the ones the check-in
    handler would pass with the next check-in (dated after the last check-in).
    """
    days = sorted(days, key=lambda x: x.date)
    real = {x.date: x.decision for x in days}
    last = days[-1].date if days else None
    checked_in = today in real
    window = [today + dt.timedelta(days=n) for n in range(FORECAST_DAYS)]
    start = max(today, last + dt.timedelta(days=1)) if last else today
    count = (window[-1] - start).days + 1
    predicted = forecast(profile, days, start, count, events) if count > 0 else []
    by_date = {**real, **{x.date: x for x in predicted}}
    latest = days[-1].decision if days else None
    first = predicted[0] if predicted else latest
    paused = first is not None and first.action == "stop"
    header = f"Your next 7 days ({day_label(window[0])} – {day_label(window[-1])}, {tz_name} time)"
    lines = [header]
    if paused:
        lines.append(PAUSED_NOTE)
    if first is not None and getattr(first.state, "paused_from", None) is not None:
        lines.append(REMINDERS_PAUSED)
    lines.append("")
    lines += [day_line(d, by_date.get(d), today, checked_in) for d in window]
    lines.append("")
    nxt = next_text(latest, predicted, checked_in)
    if nxt:
        lines.append(nxt)
    if not paused:
        lines.append(FORECAST_NOTE)
    return fit("\n".join(lines))


def fit(text: str, limit: int = MAX_CHARS) -> str:
    """Keep the message under `limit` characters (long strength lists are shortened first)."""
    if len(text) < limit:
        return text
    text = re.sub(r"(strength(?:, \d+ min)?): [^\n]*?(?=\n|$)", r"\1", text)
    return text if len(text) < limit else text[: limit - 2] + "…"
