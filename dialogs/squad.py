"""A coach's squad: athletes found by a stable reference (number or name, never a position),
the /athletes list as buttons, and one athlete's card.

Athlete numbers are given at linking and never reused (storage.coaches.link_coach), so
"#2" keeps meaning the same athlete when someone before them leaves; a number that is no
longer linked is refused, never shifted onto someone else.
"""

import datetime as dt
import html
from dataclasses import dataclass

from dialogs import coach_words as words
from dialogs import history as history_view
from dialogs.callbacks import Pick, build
from dialogs.zones import zone
from storage import RunnerRow, get_coach, history, latest_decision, unseen_alerts
from storage.clearances import clearance_reports
from storage.coaches import athlete_by_ref, athlete_ref, squad
from storage.events import last_event

NOT_A_COACH = "This is for coaches: send /coach to sign up and get your invite link."
LEGEND = ("🟢 on track · 🟠 worth a look (hold, scale-back, review, or no check-in for 3 days) "
          "· 🔴 stopped or an urgent alert open")  # fmt: skip
Keyboard = list[list[tuple[str, str]]]


@dataclass
class Found:
    """The result of looking an athlete up: a runner, or what to say (and buttons) instead."""

    runner: RunnerRow | None = None
    ref: int | None = None
    text: str = ""
    keyboard: Keyboard | None = None


def find(db, coach_id: int, text: str | None, purpose: str) -> Found:
    """The linked athlete meant by `text` ("2", "#2", "Bob", "bob"); `purpose` is the button
    prefix for a choice ("card", "clear", "resume", "hold")."""
    if get_coach(db, coach_id) is None:
        return Found(text=NOT_A_COACH)
    athletes = squad(db, coach_id)
    if not athletes:
        return Found(text="No runners linked yet. Send /coach to see your invite link.")
    query = (text or "").strip().lstrip("#").strip()
    if not query:
        return Found(text=f"Which athlete? Tap one, or add a name or number, e.g. /{_command(purpose)} "
                          f"{words.name(athletes[0][1])}.", keyboard=choices(athletes, purpose))  # fmt: skip
    if query.isdigit():
        ref = int(query) if len(query) < 10 else -1
        runner = athlete_by_ref(db, coach_id, ref)
        if runner is None:
            return Found(text=f"No athlete #{query} is linked to you now. Numbers never move to "
                              "another athlete; /athletes shows who is linked.")  # fmt: skip
        return Found(runner, ref)
    folded = query.casefold()
    exact = [(r, a) for r, a in athletes if (a.first_name or "").casefold() == folded]
    matches = exact or [(r, a) for r, a in athletes if (a.first_name or "").casefold().startswith(folded)]
    if len(matches) == 1:
        return Found(matches[0][1], matches[0][0])
    if not matches:
        return Found(text=f"No athlete called “{query[:40]}” is linked to you. /athletes lists them.")
    return Found(text=f"More than one athlete is called {query[:40]}. Which one?",
                 keyboard=choices(matches, purpose))  # fmt: skip


def _command(purpose: str) -> str:
    return "athlete" if purpose == "card" else purpose


def choices(athletes: list[tuple[int, RunnerRow]], purpose: str) -> Keyboard:
    return [[(f"#{ref} {words.label(runner)}", build(Pick(purpose, runner.user_id)))] for ref, runner in athletes]


def linked(db, coach_id: int, runner_id: int) -> Found:
    """A button's athlete (by user id), only while linked to this coach."""
    if get_coach(db, coach_id) is None:
        return Found(text=NOT_A_COACH)
    ref = athlete_ref(db, coach_id, runner_id)
    if ref is None:
        return Found(text="That athlete is no longer linked to you.")
    runner = next(r for n, r in squad(db, coach_id) if n == ref)
    return Found(runner, ref)


def light(db, coach_id: int, runner: RunnerRow, today: dt.date) -> str:
    """Traffic light: 🔴 stopped or an urgent alert open; 🟠 hold, scale-back or review in
    the last 7 days, or no check-in for 3 days; 🟢 otherwise."""
    latest = latest_decision(db, runner.user_id)
    open_urgent = any(a.kind == "urgent" and a.runner_id == runner.user_id for a in unseen_alerts(db, coach_id))
    if open_urgent or (latest is not None and latest.action == "stop"):
        return "🔴"
    recent = [day.decision for day in history(db, runner.user_id, limit=7) if (today - day.date).days < 7]
    if latest is None or (today - latest.date).days >= 3:
        return "🟠"
    if on_hold(db, runner.user_id) or any(d.action in ("repeat", "regress") or d.escalation == "review" for d in recent):
        return "🟠"
    return "🟢"


def resume_waiting(db, runner_id: int, latest) -> bool:
    """Stopped, and a resume waits for the next fully clear check-in: one dated after the
    last decision, or one the engine holds pending (a later check-in was not clear yet)."""
    if latest is None or latest.action != "stop":
        return False
    if latest.state.resume_pending:
        return True
    last = last_event(db, runner_id, ("hold", "resume"))
    return last is not None and last[1].type == "resume" and last[1].date > latest.date


def on_hold(db, runner_id: int) -> bool:
    """A coach's hold is in force (the engine applies it from its date, H9)."""
    last = last_event(db, runner_id, ("hold", "resume"))
    return last is not None and last[1].type == "hold"


def stop_words(db, runner_id: int, latest) -> str:
    return "stopped · resumed, restarts at the next clear check-in" if resume_waiting(db, runner_id, latest) else "stopped"


def coach_today(db, coach_id: int, now: dt.datetime) -> dt.date:
    coach = get_coach(db, coach_id)
    return now.astimezone(zone(coach.tz if coach else "UTC")).date()


def athletes_view(db, coach_id: int, now: dt.datetime) -> tuple[str, Keyboard | None]:
    """/athletes: one button per athlete (light, name, bone, stage, last check-in)."""
    if get_coach(db, coach_id) is None:
        return NOT_A_COACH, None
    athletes = squad(db, coach_id)
    if not athletes:
        return "No runners linked yet. Send /coach to see your invite link.", None
    today = coach_today(db, coach_id, now)
    lines, keyboard = ["Your athletes:"], []
    for ref, runner in athletes:
        latest = latest_decision(db, runner.user_id)
        colour = light(db, coach_id, runner, today)
        if latest is None:
            where = "no check-in yet"
        else:
            stopped = f" ({stop_words(db, runner.user_id, latest)})" if latest.action == "stop" else ""
            where = f"{words.stage_words(latest.stage)}{stopped}; last check-in {words.day(latest.date)}"
        lines.append(f"#{ref} {colour} {words.label(runner)} — {where}")
        short = f"{latest.stage}{' stopped' if latest.action == 'stop' else ''} · {words.day(latest.date)}" if latest else "no check-in"  # noqa: E501
        keyboard.append([(f"{colour} {words.name(runner)} · {words.site(runner)} · {short}", build(Pick("card", runner.user_id)))])
    lines += ["", LEGEND, "Tap an athlete for their card. Commands take a name or number, "
              f"e.g. /clear {words.name(athletes[0][1])} or /hold {athletes[0][0]}."]  # fmt: skip
    return "\n".join(lines), keyboard


def card(db, coach_id: int, runner: RunnerRow, ref: int, now: dt.datetime) -> tuple[str, Keyboard]:
    """One athlete's card as HTML: stage, clearances, what they reported, next step, open
    alerts, the last 14 check-ins, and the actions that make sense now."""
    today = coach_today(db, coach_id, now)
    coach = get_coach(db, coach_id)
    tz = zone(coach.tz)
    days = history(db, runner.user_id, limit=14)
    latest = days[-1].decision if days else None
    who = words.name(runner)
    lines = [f"#{ref} {light(db, coach_id, runner, today)} {words.label(runner)}"]
    if words.high_risk(runner):
        lines.append("High-risk site: only you can clear running; 3 clean sessions per stage.")
    if latest is None:
        lines.append(f"{who} has not checked in yet.")
    else:
        held = on_hold(db, runner.user_id)
        status = f" — {stop_words(db, runner.user_id, latest)}" if latest.action == "stop" else (" — on hold" if held else "")
        lines.append(f"Stage: {words.stage_words(latest.stage)}{status}. Last check-in {words.day(latest.date)}.")
        lines.append(f"Next: {words.next_words(runner, latest, held, resume_waiting(db, runner.user_id, latest))}")
    walking, running = cleared(runner, latest)
    lines.append(f"Walking cleared: {'yes' if walking else 'no'} · running cleared: {'yes' if running else 'no'}.")
    keyboard: Keyboard = []
    for report in clearance_reports(db, runner.user_id):
        done = walking if report.kind == "walking" else running
        if report.confirmed_at is None and not done:
            _, her = words.pronouns(runner)
            lines.append(f"{who} says {her} clinician cleared {report.kind} "
                         f"(reported {words.day(report.reported_at.astimezone(tz).date())}).")  # fmt: skip
            keyboard.append([(f"✅ Confirm {report.kind} clearance for {who}", build(Pick(f"clear_{report.kind}", runner.user_id)))])
    alerts = [a for a in unseen_alerts(db, coach_id) if a.runner_id == runner.user_id]
    if alerts:
        lines.append("Open alerts: " + "; ".join(
            f"{a.kind} {words.day(a.created_at.astimezone(tz).date())} ({', '.join(a.rules)})" for a in alerts))  # fmt: skip
    keyboard += action_buttons(runner, latest, walking, running, on_hold(db, runner.user_id))
    text = html.escape("\n".join(lines))
    if days:
        table = history_view.history_table(days)
        text += "\n\n" + (table if table.startswith("<pre>") else html.escape(table))
    return text, keyboard


def cleared(runner: RunnerRow, latest) -> tuple[bool, bool]:
    profile = runner.profile
    walking = bool(profile and profile.walking_cleared) or bool(latest and latest.state.walking_cleared)
    running = bool(profile and profile.running_cleared) or bool(latest and latest.state.running_cleared)
    return walking, running


def action_buttons(runner: RunnerRow, latest, walking: bool, running: bool, held: bool) -> Keyboard:
    rid = runner.user_id
    row: list[tuple[str, str]] = []
    if not (walking and running):
        row.append(("Clear…", build(Pick("clear", rid))))
    stopped = latest is not None and latest.action == "stop"
    if stopped or held:
        row.append(("Resume plan", build(Pick("resume", rid))))
    if not held:
        row.append(("Hold", build(Pick("hold", rid))))
    return [row] if row else []
