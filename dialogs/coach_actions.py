"""Coach actions on an athlete's plan — clear walking or running, resume, hold — each named,
confirmed and done once.

A prompt names the athlete and bone and carries a key (callbacks.Confirm: the verb, the
runner and the prompt's time); the first press claims the key (storage.coach_actions) and,
in the same transaction, writes the engine event, the audit entry and the runner's
message. Any later press of that key, or of an action that is already in force, answers who
did it and when. Undo is offered where it is safe: a clearance or hold that no check-in has
read yet (a hold can also be lifted later).
"""

import datetime as dt
from dataclasses import dataclass

from dialogs import coach_words as words
from dialogs.callbacks import STALE, Confirm, Undo, build
from dialogs.checkin import event_date
from dialogs.squad import Found, Keyboard, cleared, linked, resume_waiting
from dialogs.zones import zone
from protocols import Event
from storage import (
    Priority,
    RunnerRow,
    add_event,
    enqueue,
    get_coach,
    latest_decision,
    log_action,
    mark_alert_seen,
    unseen_alerts,
    update_profile,
)
from storage.clearances import confirm_clearance, unconfirm_clearance
from storage.coach_actions import (
    CoachAction,
    action_by_id,
    action_by_key,
    claim_action,
    last_action,
    mark_undone,
    set_action_event,
)
from storage.events import event_date_of, last_event, remove_event

VERBS = {"running": "running_cleared", "walking": "walking_cleared", "resume": "resume", "hold": "hold"}


@dataclass
class PlanState:
    """What a coach action needs to know about the athlete's plan right now."""

    latest: object  # the latest Decision, or None
    stopped: bool
    resumed: bool  # a resume is waiting for the next fully clear check-in
    on_hold: bool
    walking: bool
    running: bool


def plan_state(db, runner: RunnerRow) -> PlanState:
    latest = latest_decision(db, runner.user_id)
    stopped = latest is not None and latest.action == "stop"
    last = last_event(db, runner.user_id, ("hold", "resume"))
    on_hold = last is not None and last[1].type == "hold"
    resumed = resume_waiting(db, runner.user_id, latest)
    walking, running = cleared(runner, latest)
    return PlanState(latest, stopped, resumed, on_hold, walking, running)


def by_whom(db, coach_id: int, action: CoachAction | None, now: dt.datetime,
            at: dt.datetime | None = None) -> str:  # fmt: skip
    """ " by you at 09:14" (or " by Lee on 2 Mar at 09:14") in the asking coach's zone."""
    if action is None:
        return ""
    coach = get_coach(db, coach_id)
    tz = zone(coach.tz if coach else "UTC")
    local = (at or action.at).astimezone(tz)
    today = now.astimezone(tz).date()
    if action.coach_id == coach_id:
        who = "you"
    else:
        other = get_coach(db, action.coach_id)
        who = (other.first_name if other and other.first_name else None) or "another coach"
    when = f"at {local:%H:%M}" if local.date() == today else f"on {words.day(local.date())} at {local:%H:%M}"
    return f" by {who} {when}"


# --- prompts ---------------------------------------------------------------------------------


def prompt(db, coach_id: int, found: Found, verb: str, now: dt.datetime) -> tuple[str, Keyboard | None]:
    """The confirmation for /clear, /resume, /hold (verb "clear" asks which clearance)."""
    if found.runner is None:
        return found.text, found.keyboard
    runner = found.runner
    state = plan_state(db, runner)
    who, label = words.name(runner), words.label(runner)
    stamp = int(now.timestamp())
    rid = runner.user_id
    cancel = ("Cancel", build(Confirm("no", rid, stamp)))
    if verb == "clear":
        options = [k for k, done in (("walking", state.walking), ("running", state.running)) if not done]
        if not options:
            return f"{label} is already cleared for walking and running.", None
        note = (" At this high-risk site only you can clear running." if words.high_risk(runner) else "")
        text = f"Which clearance for {label}? Clear only what {who}'s clinician has cleared.{note}"
        buttons = [[(f"✅ Clear {kind}", build(Confirm(kind, rid, stamp)))] for kind in options]
        return text, [*buttons, [cancel]]
    if verb in ("walking", "running"):
        done = state.walking if verb == "walking" else state.running
        if done:
            return f"{label} is already cleared for {verb}{by_whom(db, coach_id, last_action(db, rid, (VERBS[verb],)), now)}.", None
        text = f"Clear {label} for {verb}? Do it only if {who}'s clinician has cleared {verb}."
        return text, [[(f"✅ Clear {verb} for {who}", build(Confirm(verb, rid, stamp)))], [cancel]]
    refusal = _refusal(db, coach_id, runner, state, verb, now)
    if refusal:
        return refusal, None
    if verb == "resume":
        stage = state.latest.stage if state.latest else "?"
        if state.stopped:
            text = (f"Resume {label}'s plan? It was stopped at {stage}; it restarts one stage below "
                    f"at {who}'s next check-in, once that check-in is fully clear.")  # fmt: skip
        else:
            text = f"Lift the hold on {label}? {who} can step up again from the next check-in."
        return text, [[(f"▶️ Resume {who}'s plan", build(Confirm("resume", rid, stamp)))], [cancel]]
    stage = _stage(runner, state)
    if state.stopped:
        text = f"Keep {label} stopped until you resume the plan?"
    else:
        text = f"Hold {label} at {stage}? Sessions go on, but no step up until you resume."
    return text, [[(f"⏸ Hold {who}", build(Confirm("hold", rid, stamp)))], [cancel]]


def _refusal(db, coach_id: int, runner: RunnerRow, state: PlanState, verb: str,
             now: dt.datetime) -> str | None:
    label = words.label(runner)
    if verb == "resume":
        if state.resumed:
            done = by_whom(db, coach_id, last_action(db, runner.user_id, ("resume",)), now)
            return f"{label}'s plan was already resumed{done}: it restarts at the next fully clear check-in."
        if not (state.stopped or state.on_hold):
            return f"{label}'s plan is neither stopped nor on hold: nothing to resume."
    if verb == "hold" and state.on_hold:
        done = by_whom(db, coach_id, last_action(db, runner.user_id, ("hold",)), now)
        return f"{label} is already on hold{done}."
    return None


# --- doing it once -----------------------------------------------------------------------


@dataclass
class Outcome:
    text: str  # for the coach (a message, or a toast for a repeated press)
    done: bool  # this press did it
    undo: Keyboard | None = None


def perform(db, coach_id: int, runner_id: int, verb: str, key: str, now: dt.datetime,
            alert_id: int | None = None) -> Outcome:  # fmt: skip
    """Do `verb` for the athlete once per `key`: the event, the audit row and the runner's
    message, together, or nothing and "already done by … at …"."""
    found = linked(db, coach_id, runner_id)
    if found.runner is None:
        return Outcome(found.text, False)
    runner = found.runner
    earlier = action_by_key(db, key)
    if earlier is not None:
        return Outcome(f"Already done{by_whom(db, coach_id, earlier, now)}.", False)
    state = plan_state(db, runner)
    if verb in ("walking", "running") and (state.walking if verb == "walking" else state.running):
        done = by_whom(db, coach_id, last_action(db, runner_id, (VERBS[verb],)), now)
        return Outcome(f"{words.label(runner)} is already cleared for {verb}{done}.", False)
    refusal = _refusal(db, coach_id, runner, state, verb, now) if verb in ("resume", "hold") else None
    if refusal:
        return Outcome(refusal, False)
    coach = get_coach(db, coach_id)
    with db.atomic():
        action = claim_action(db, key, coach_id, runner_id, VERBS[verb], alert_id, at=now)
        if action is None:  # a concurrent press got there first
            return Outcome(f"Already done{by_whom(db, coach_id, action_by_key(db, key), now)}.", False)
        event_id = add_event(db, runner_id, Event(date=event_date(db, runner_id, now), type=VERBS[verb]), coach_id)
        set_action_event(db, action.id, event_id)
        if verb in ("walking", "running") and runner.profile is not None:
            update_profile(db, runner_id, runner.profile.model_copy(update={VERBS[verb]: True}))
            confirm_clearance(db, runner_id, verb, coach_id)
        if verb == "resume":  # resuming means the coach has seen the athlete's alerts
            for alert in unseen_alerts(db, coach_id):
                if alert.runner_id == runner_id:
                    mark_alert_seen(db, alert.id, coach_id, now)
        log_action(db, f"coach_{VERBS[verb]}", actor_id=coach_id, runner_id=runner_id,
                   detail={"key": key, "alert_id": alert_id})  # fmt: skip
        enqueue(db, runner.chat_id, "coach_action", {"text": runner_notice(coach, verb, state)},
                runner_id=runner_id, priority=Priority.NOTICE)  # fmt: skip
    undo = [[("↩️ Undo", build(Undo(action.id)))]] if verb in ("walking", "running", "hold") else None
    return Outcome(coach_done(runner, verb, state), True, undo)


def runner_notice(coach, verb: str, state: PlanState) -> str:
    """What the runner is told (to them, in the second person)."""
    who = (coach.first_name if coach and coach.first_name else None) or "Your coach"
    if verb in ("walking", "running"):
        return (f"{who} has cleared you for {verb}. From your next check-in, {verb} stages can "
                "unlock as your plan allows.")  # fmt: skip
    if verb == "resume":
        if state.stopped:
            return (f"{who} has resumed your plan. It restarts one stage below at your next "
                    "check-in, once that check-in is fully clear.")  # fmt: skip
        return f"{who} has lifted the hold on your plan: you can step up again as your check-ins allow."
    if state.stopped:
        return (f"{who} is keeping your plan stopped for now: rest, with pain-free cross-training "
                f"only if your clinician allows, until {who} resumes it.")  # fmt: skip
    return f"{who} is keeping your plan on hold for now: sessions go on, but no step up until they resume it."


def coach_done(runner: RunnerRow, verb: str, state: PlanState) -> str:
    """What the coach is told once it is done (about the athlete, in the third person)."""
    who, label = words.name(runner), words.label(runner)
    if verb in ("walking", "running"):
        return f"✅ {label} is cleared for {verb}. {who} has been told; it counts from {who}'s next check-in."
    if verb == "resume":
        if state.stopped:
            return (f"▶️ {label}'s plan is resumed: it restarts one stage below at {who}'s next "
                    f"check-in, once that check-in is fully clear. {who} has been told.")  # fmt: skip
        return f"▶️ The hold on {label} is lifted. {who} has been told."
    if state.stopped:
        return f"⏸ {label} stays stopped until you resume the plan. {who} has been told."
    stage = _stage(runner, state)
    return f"⏸ {label} is on hold at {stage}: sessions go on, no step up until you resume. {who} has been told."


def _stage(runner: RunnerRow, state: PlanState) -> str:
    if state.latest is not None:
        return state.latest.stage
    return runner.profile.start_stage if runner.profile else "the start"


# --- undo --------------------------------------------------------------------------------


def undo(db, coach_id: int, action_id: int, now: dt.datetime) -> Outcome:
    """Take back a clearance or hold while no check-in has read it; a hold also later,
    unless the athlete is stopped (lifting it then would resume the stop)."""
    action = action_by_id(db, action_id)
    if action is None or action.coach_id != coach_id:
        return Outcome(STALE, False)
    found = linked(db, coach_id, action.runner_id)
    if found.runner is None:
        return Outcome(found.text, False)
    runner = found.runner
    if action.undone_at is not None:
        return Outcome(f"Already undone{by_whom(db, coach_id, action, now, action.undone_at)}.", False)
    latest = latest_decision(db, runner.user_id)
    event = event_date_of(db, action.event_id)
    unread = event is not None and (latest is None or latest.date < event)
    who, label = words.name(runner), words.label(runner)
    state = plan_state(db, runner)
    coach = get_coach(db, coach_id)
    cname = (coach.first_name if coach and coach.first_name else None) or "Your coach"
    if action.action in ("walking_cleared", "running_cleared"):
        kind = action.action.removesuffix("_cleared")
        if not unread:
            return Outcome(f"{who}'s check-in of {words.day(latest.date)} already used the {kind} clearance, "
                           f"so it cannot be undone here. /hold {who} keeps {who} from stepping up.", False)  # fmt: skip
        with db.atomic():
            if not mark_undone(db, action.id, now):
                return Outcome("Already undone.", False)
            remove_event(db, action.event_id)
            if runner.profile is not None:
                update_profile(db, runner.user_id, runner.profile.model_copy(update={action.action: False}))
            unconfirm_clearance(db, runner.user_id, kind)
            log_action(db, f"coach_undo_{action.action}", actor_id=coach_id, runner_id=runner.user_id)
            enqueue(db, runner.chat_id, "coach_action",
                    {"text": f"{cname} took back the {kind} clearance given a moment ago: {kind} "
                             "stays locked for now."},
                    runner_id=runner.user_id, priority=Priority.NOTICE)  # fmt: skip
        return Outcome(f"↩️ Undone: {label} is not cleared for {kind}. {who} has been told.", True)
    if action.action == "hold":
        if not state.on_hold:
            return Outcome(f"{label} is no longer on hold.", False)
        if not unread and state.stopped:
            return Outcome(f"{label} is stopped: use Resume plan when {who} is ready.", False)
        with db.atomic():
            if not mark_undone(db, action.id, now):
                return Outcome("Already undone.", False)
            if unread:
                remove_event(db, action.event_id)
            else:
                add_event(db, runner.user_id, Event(date=event_date(db, runner.user_id, now), type="resume"), coach_id)
            log_action(db, "coach_undo_hold", actor_id=coach_id, runner_id=runner.user_id)
            enqueue(db, runner.chat_id, "coach_action",
                    {"text": f"{cname} has lifted the hold on your plan: it goes on as your check-ins allow."},
                    runner_id=runner.user_id, priority=Priority.NOTICE)  # fmt: skip
        return Outcome(f"↩️ Undone: {label} is no longer on hold. {who} has been told.", True)
    return Outcome("That cannot be undone.", False)


PROMPT_VALID_S = 1800  # an old confirmation met by chance must not change a plan


def confirm_press(db, coach_id: int, pressed: Confirm | None, now: dt.datetime) -> Outcome:
    """A press of a confirmation (verb "no": cancel); None: data that is not one."""
    if pressed is None:
        return Outcome(STALE, False)
    verb, runner_id, stamp = pressed.verb, pressed.runner_id, pressed.stamp
    if verb == "no":
        return Outcome("Cancelled — nothing changed.", True)
    key = f"k{runner_id}:{verb}:{stamp}"
    earlier = action_by_key(db, key)
    if earlier is not None and earlier.coach_id == coach_id:
        return Outcome(f"Already done{by_whom(db, coach_id, earlier, now)}.", False)
    if not -60 <= now.timestamp() - stamp <= PROMPT_VALID_S:
        return Outcome("That question has expired — nothing changed. Send the command again.", False)
    return perform(db, coach_id, runner_id, verb, key, now)
