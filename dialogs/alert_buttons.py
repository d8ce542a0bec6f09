"""The buttons on a coach's alert: Seen, Resume plan (confirmed on the alert itself), Keep on
hold. Each press is done once (dialogs/coach_actions.py); the alert is then rewritten to
show what has been done — "Seen by Kay 09:12 · resumed 09:14" — with only the buttons that
still make sense."""

import datetime as dt
from dataclasses import dataclass

from dialogs import coach_actions
from dialogs import coach_words as words
from dialogs.alerts import PRESS_SEEN, SEP, STILL_UNSEEN, URGENT_HEADING, athlete_card, seen_button
from dialogs.callbacks import STALE, AlertPress, build
from dialogs.squad import Keyboard
from dialogs.zones import zone
from storage import (
    Priority,
    enqueue,
    get_alert,
    get_coach,
    get_runner,
    is_linked,
    log_action,
    mark_alert_seen,
)
from storage.coach_actions import action_by_key, alert_actions, claim_action


@dataclass
class Press:
    toast: str | None
    text: str | None = None  # the alert's new text (None: leave the message as it is)
    keyboard: Keyboard | None = None


def press(db, coach_id: int, pressed: AlertPress, shown: str | None, now: dt.datetime) -> Press:
    """A press of an alert's button on a message showing `shown`."""
    action = pressed.action
    alert = get_alert(db, pressed.alert_id)
    if alert is None or alert.coach_id != coach_id or not is_linked(db, coach_id, alert.runner_id):
        return Press(STALE)
    runner = get_runner(db, alert.runner_id)
    who = words.name(runner)
    toast: str | None = None
    confirm = False
    if action == "seen":
        toast = _seen(db, coach_id, alert, runner, now)
    elif action == "resume" and alert.kind == "urgent":
        earlier = action_by_key(db, f"a{alert.id}:resume")
        if earlier is not None:
            toast = f"Already resumed{coach_actions.by_whom(db, coach_id, earlier, now)}."
        else:
            confirm = True
    elif action in ("resume!", "hold") and alert.kind == "urgent":
        verb = "resume" if action == "resume!" else "hold"
        outcome = coach_actions.perform(db, coach_id, alert.runner_id, verb, f"a{alert.id}:{verb}", now, alert.id)
        if outcome.done:
            mark_alert_seen(db, alert.id, coach_id, now)
            toast = ("Resumed" if verb == "resume" else "Kept on hold") + f"; {who} has been told."
        else:
            toast = outcome.text
    elif action != "back":
        return Press(STALE)
    text, keyboard = render(db, coach_id, alert.id, shown or "", now)
    if confirm:
        text += (f"\n\nResume {words.label(runner)}'s plan? It restarts one stage below at "
                 f"{who}'s next check-in, once that check-in is fully clear.")  # fmt: skip
        keyboard = [[(f"▶️ Yes, resume {who}'s plan", build(AlertPress("resume!", alert.id)))],
                    [("Back", build(AlertPress("back", alert.id)))]]  # fmt: skip
    return Press(toast, text, keyboard)


def _seen(db, coach_id: int, alert, runner, now: dt.datetime) -> str:
    key = f"a{alert.id}:seen"
    earlier = action_by_key(db, key)
    if earlier is None and alert.seen_at is None:
        with db.atomic():
            if claim_action(db, key, coach_id, runner.user_id, "seen", alert.id, at=now) is not None:
                mark_alert_seen(db, alert.id, coach_id, now)
                log_action(db, "alert_seen", actor_id=coach_id, runner_id=runner.user_id,
                           detail={"alert_id": alert.id})  # fmt: skip
                coach = get_coach(db, coach_id)
                name = f"Your coach {coach.first_name}" if coach and coach.first_name else "Your coach"
                if alert.kind == "urgent":  # a review was never announced to the runner
                    enqueue(db, runner.chat_id, "coach_action",
                            {"text": f"{name} has seen your alert and will be in touch."},
                            runner_id=runner.user_id, priority=Priority.NOTICE)  # fmt: skip
                told = f"; {words.name(runner)} has been told" if alert.kind == "urgent" else ""
                return f"Marked as seen{told}."
        earlier = action_by_key(db, key)
    first = earlier or (alert_actions(db, alert.id) or [None])[0]
    return f"Already marked as seen{coach_actions.by_whom(db, coach_id, first, now) if first else ''}."


def render(db, coach_id: int, alert_id: int, shown: str, now: dt.datetime) -> tuple[str, Keyboard]:
    """The alert's text with its state line, and the buttons that still make sense."""
    alert = get_alert(db, alert_id)
    coach = get_coach(db, coach_id)
    tz = zone(coach.tz)
    base = shown.split(SEP)[0]
    done = alert_actions(db, alert_id)
    kinds = {a.action for a in done}
    today = now.astimezone(tz).date()

    def at(moment: dt.datetime) -> str:  # "09:14" today, "Fri 20:00" on another day
        local = moment.astimezone(tz)
        return f"{local:%H:%M}" if local.date() == today else f"{local:%a %H:%M}"

    parts = []
    first = done[0].at if done else alert.seen_at
    if first is not None and base.startswith(STILL_UNSEEN):  # seen now: the repeat says so no longer
        lines = [line for line in base.split("\n") if not line.startswith(PRESS_SEEN)]
        base = URGENT_HEADING + "\n".join(lines).removeprefix(STILL_UNSEEN)
    if first is not None:
        parts.append(f"Seen by {coach.first_name or 'you'} {at(first)}")
    words_for = {"resume": "resumed", "hold": "kept stopped"}
    parts += [f"{words_for[a.action]} {at(a.at)}" for a in done if a.action in words_for]
    text = base + (SEP + " · ".join(parts) if parts else "")
    card = [athlete_card(alert.runner_id)]
    if alert.kind == "review":
        return text, ([card] if first else [[seen_button(alert_id), *card]])
    runner = get_runner(db, alert.runner_id)
    state = coach_actions.plan_state(db, runner) if runner is not None else None
    if "resume" in kinds or state is None or not state.stopped or state.resumed:
        if "resume" not in kinds and state is not None and (state.resumed or not state.stopped):
            text += (SEP if not parts else " · ") + ("plan resumed" if state.resumed else "plan going on again")
        return text, [card]
    keyboard: Keyboard = []
    if first is None:
        keyboard.append([seen_button(alert_id)])
    keyboard.append([("Resume plan", build(AlertPress("resume", alert_id)))]
                    + ([] if "hold" in kinds else [("Keep on hold", build(AlertPress("hold", alert_id)))]))  # fmt: skip
    return text, [*keyboard, card]
