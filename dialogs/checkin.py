"""The daily check-in (/checkin): docs/PROTOCOL.md §3 as buttons, then the engine's answer."""

import datetime as dt
from typing import NamedTuple

from dialogs import changes, exits, render, standing, stop
from dialogs.alerts import raise_alerts
from dialogs.callbacks import CheckinOffer, build
from dialogs.chat import Chat
from dialogs.checkin_questions import (  # re-exported: the form's questions live there
    ANSWER_FIELDS,
    FIELDS,
    FINISHED,
    KIND_WORDS,
    QUESTIONS,
    SKIP,
    session_words,
)
from dialogs.forms import SENT, Form, FormContext, Question
from dialogs.runner import register, start
from dialogs.stop import STOP_SHOWN, STOPPED
from dialogs.zones import zone
from protocols import Checkin, Day, Decision, decide
from protocols.codes import HIGH_RISK_SITES
from protocols.early import BONE_FIELDS, GREEN, NOT_GREEN
from storage import (
    Store,
    checkins_between,
    clear_draft,
    decision_on,
    get_runner,
    latest_decision,
    load_draft,
    save_checkin_and_decision,
)
from storage.apart import WorkerLost

__all__ = ["FIELDS", "FINISHED", "FORM", "KIND_WORDS", "QUESTIONS", "SKIP",
           "begin", "checkin_from", "decide_and_save", "event_date", "local_today"]  # fmt: skip


def local_today(now: dt.datetime, tz: str) -> dt.date:
    return now.astimezone(zone(tz)).date()


def _facts(db, user_id: int, today: dt.date) -> dict:
    """What decides which questions apply, fixed when the check-in starts."""
    runner = get_runner(db, user_id)
    before = latest_decision(db, user_id, before=today)
    yesterday = today - dt.timedelta(days=1)
    loaded = before is not None and before.date == yesterday and before.session.loading
    recent = checkins_between(db, user_id, today - dt.timedelta(days=6), yesterday)
    week_ago = (today - dt.timedelta(days=6)).isoformat()
    asked = {q for q, on in db.execute("SELECT question, asked_on FROM weekly_asked WHERE runner_id = ?",
                                       [user_id]).fetchall() if week_ago <= on < today.isoformat()}  # fmt: skip
    facts = {
        "_date": today.isoformat(),
        "_loaded": loaded,
        "_any_loading": before is not None and before.state.last_loading is not None,
        # weekly questions: weight a week after onboarding's, then weekly; cycles from day 1
        "_weekly": (today - runner.profile.start_date).days >= 7
        and not any(c.weight_kg is not None for c in recent) and "weight_kg" not in asked,
        "_cycles": not any(c.missed_cycles is not None for c in recent) and "missed_cycles" not in asked,
        "_female": runner.profile.sex == "female",
    }
    if loaded:
        s = before.session
        facts["_session"] = session_words(before.stage, s.kind, s.minutes)
    return facts


async def begin(store: Store, chat: Chat, user_id: int, first_name: str, now: dt.datetime,
                *, correcting: bool = False) -> None:  # fmt: skip
    """Start today's check-in, or offer to correct it when it is already done."""
    runner = await store.run(get_runner, user_id)
    today = local_today(now, runner.tz)
    if not correcting and await store.run(decision_on, user_id, today) is not None:
        await chat.send(
            "You have already checked in today. Would you like to correct today's answers? "
            "The plan is worked out again.",
            [[("Correct today's answers", build(CheckinOffer("correct")))],
             [("Show today's plan", build(CheckinOffer("today")))]],
        )
        return
    facts = await store.read(_facts, user_id, today)  # reads only: on the loop, no hand-off
    ctx = FormContext(user_id, chat.chat_id, first_name, today, now, facts)
    note = "Correcting today's check-in." if correcting else None
    await start(store, chat, FORM, ctx, note)


def checkin_from(answers: dict, fill: dict | None = None) -> Checkin:
    """The engine's Checkin from the answers: "All clear" records every bone field green;
    a field not answered takes its value from `fill` (after a stop: not green)."""
    values = {name: answers.get(name) for name in ANSWER_FIELDS}
    values = {k: (None if v == FINISHED else v) for k, v in values.items()}
    if answers.get("bones") is True:
        values.update({name: GREEN[name] for name in BONE_FIELDS})
    for name in BONE_FIELDS:
        if values[name] is None:
            values[name] = (fill or NOT_GREEN)[name]
    if values["soreness_hours"] is None:
        values["soreness_hours"] = 0
    session = answers.get("session") if answers.get("_loaded") else None
    if session is not None and session != FINISHED:
        done, _, pain = session.partition(":")
        values["session_done"] = done
        if done != "none":
            asked = answers.get("pain_session")
            values["pain_session"] = 0 if pain == "0" else (None if asked in (None, FINISHED) else asked)
    return Checkin(date=answers["_date"], **values)


WEEKLY = ("weight_kg", "missed_cycles")


def load_stopped(db, user_id: int) -> list[str]:
    """The red flags today's open check-in stopped at (alerted then)."""
    from storage import load_draft

    draft = load_draft(db, user_id)
    return list(draft.answers.get(STOPPED, [])) if draft is not None else []


def weekly_asked(answers: dict) -> tuple[str, ...]:
    return tuple(q for q in WEEKLY if q in answers)


class Decided(NamedTuple):
    """What decide_and_save did: the decision, whether the runner may resume a stop themself
    (a low-risk site with no coach linked, docs/DESIGN.md commands), how many coaches were
    told, and (when asked for) the milestone forecast's inputs after it."""

    decision: Decision
    self_resume: bool
    told: int
    forecast_inputs: tuple | None = None


def decide_and_save(db, user_id: int, checkin: Checkin, now: dt.datetime,
                    already_told: bool = False, asked: tuple[str, ...] = (),
                    answered: Checkin | None = None, forecast: bool = False) -> Decided:  # fmt: skip
    """Run the engine on today's answers; store the check-in, the decision and the coach
    alerts, with the draft cleared, in one transaction. `already_told`: the urgent alert
    went out at the first red-flag answer (reviews still go). `forecast`: also return the
    forecast's inputs, from the days read here (so the reply reads them no second time).
    """
    runner, stored, events = changes.engine_inputs(db, user_id, checkin.date, withdrawals=False)
    days = changes.apply_withdrawals(db, user_id, stored, checkin.date)
    checkin = changes.with_reported_weight(db, user_id, days, checkin)
    decision = decide(runner.profile, days, checkin, events)
    with db.atomic():
        save_checkin_and_decision(db, user_id, checkin, decision)
        for question in asked:
            db.execute("INSERT INTO weekly_asked (runner_id, question, asked_on) VALUES (?, ?, ?) "
                       "ON CONFLICT (runner_id, question) DO UPDATE SET asked_on = excluded.asked_on",
                       [user_id, question, checkin.date.isoformat()])  # fmt: skip
        alerting, shown = decision, checkin
        if already_told:
            # told at the first red flag; red flags the optional rest showed (answered fields
            # only: unanswered ones read as not green would be flags nobody gave) go too
            alerting, shown = decision.model_copy(update={"alert": False}), checkin
            if answered is not None:
                seen = decide(runner.profile, days, answered, events)
                early = set(load_stopped(db, user_id))
                if seen.alert and {r for r in seen.rules if r.startswith("RF")} - early:
                    alerting, shown = seen, answered
        told = raise_alerts(db, runner, shown, alerting, now)
        clear_draft(db, user_id)
    self_resume = runner.profile.site not in HIGH_RISK_SITES and not told
    inputs = None
    if forecast:
        inputs = standing.inputs_after(db, user_id, runner.profile, [*stored, Day(checkin, decision)])
    return Decided(decision, self_resume, told, inputs)


def event_date(db, runner_id: int, now: dt.datetime) -> dt.date:
    """The date an event of `now` takes: the runner's today, or tomorrow once today's check-in
    is decided — so the engine applies it before the next decision (§7 Timing), never lost."""
    runner = get_runner(db, runner_id)
    today = local_today(now, runner.tz)
    if decision_on(db, runner_id, today) is not None:
        return today + dt.timedelta(days=1)
    return today


class Finished(NamedTuple):
    """A check-in's end as the worker process hands it back: the decision, how many coaches
    were told, and the reply the runner reads (text and buttons)."""

    decision: Decision
    told: int
    text: str
    keyboard: list | None


def decide_and_answer(db, user_id: int, checkin: Checkin, now: dt.datetime, stopped: bool,
                      asked: tuple[str, ...], answered: Checkin | None) -> Finished:  # fmt: skip
    """All of a check-in's end in one call (`Store.apart`: the worker process): decide and
    save, then the reply with the forecast, from the days the decision read."""
    decision, _, told, inputs = decide_and_save(db, user_id, checkin, now, stopped, asked,
                                                answered, forecast=not stopped)  # fmt: skip
    text, keyboard = reply_now(db, user_id, decision, None if stopped else told,
                               after_stop=stopped, inputs=inputs)  # fmt: skip
    return Finished(decision, told, text, keyboard)


async def finish(ctx: FormContext, chat: Chat, store: Store) -> None:
    stopped = ctx.answers.get(STOPPED)
    checkin = checkin_from(ctx.answers)
    answered = checkin_from(ctx.answers, fill=GREEN) if stopped else None
    args = (ctx.user_id, checkin, ctx.now, bool(stopped), weekly_asked(ctx.answers), answered)
    try:
        # one transaction of its own, in the worker process: ~10 ms of CPU that would
        # otherwise hold every other runner's answer on the loop
        done = await store.apart(decide_and_answer, *args)
    except WorkerLost:
        done = await _after_lost_worker(store, chat, args)
    if done.told and (done.decision.alert or done.decision.reviews):
        chat.wake_outbox()
    await chat.send(done.text, done.keyboard)


async def _after_lost_worker(store: Store, chat: Chat, args: tuple) -> Finished:
    """The worker died with the check-in in it. Its transaction clears the draft, so a draft
    still there means nothing was saved: finish here. Gone: it was saved (and any alert
    queued), so show the stored decision and never decide or alert twice. (Gone with no
    decision stored: nothing of it was saved either, so it is finished here too.)"""
    user_id, checkin = args[0], args[1]
    draft = await store.read(load_draft, user_id)
    decision = await store.read(decision_on, user_id, checkin.date)
    if draft is not None or decision is None:
        return await store.write(decide_and_answer, *args)
    chat.wake_outbox()  # an alert it queued goes out now
    text, keyboard = await reply(store, user_id, decision, None, after_stop=args[3])
    return Finished(decision, 0, text, keyboard)


async def reply(store: Store, user_id: int, decision: Decision, told: int | None,
                after_stop: bool = False, inputs: tuple | None = None) -> tuple[str, list | None]:  # fmt: skip
    """`reply_now` on the loop (reads only)."""
    return await store.read(reply_now, user_id, decision, told, after_stop, inputs)


def reply_now(db, user_id: int, decision: Decision, told: int | None, after_stop: bool = False,
              inputs: tuple | None = None) -> tuple[str, list | None]:  # fmt: skip
    """A decision as the runner reads it, with where they stand, the milestones and the way
    out of any state they are stuck in (text and buttons). `told`: None when shown again;
    `inputs`: the forecast's, when the caller has them (else read here)."""
    if after_stop:
        text = stop.after_stop_text(decision)
    else:
        # with the memo of forecast tails a runner on track costs ~2 ms here
        if inputs is None:
            inputs = standing.inputs(db, user_id, decision.date)
        marks = standing.milestones_text(*inputs)
        text = render.decision_text(decision, coaches_told=told, profile=inputs[0], milestones=marks)
    way_out, keyboard = exits.decision_exit(db, user_id, decision)
    if way_out:
        text += "\n\n" + way_out
    return text, keyboard


async def on_answer(ctx: FormContext, q: Question, chat: Chat, store: Store) -> str | None:
    """The first red-flag answer stops the check-in at once (before any further question)."""
    if ctx.answers.get(STOPPED) and not ctx.answers.get(STOP_SHOWN):
        # stored, alert raised, but the process stopped before the runner saw the stop
        text, keyboard = await store.run(exits.stop_exit, ctx.user_id)
        shown = await store.run(stop.stop_again, ctx.user_id, ctx.answers)
        ctx.answers[STOP_SHOWN] = True
        await chat.send(stop.stop_text(shown, text), keyboard)
        return SENT
    if ctx.answers.get(STOPPED) or not stop.may_raise(q.id, ctx.answers.get(q.id)):
        return None
    partial = checkin_from(ctx.answers, fill=GREEN)
    found = await store.run(stop.raise_early, ctx.user_id, partial, q.id, ctx.answers, ctx.now)
    if found is None:
        return None
    ctx.answers[STOPPED] = list(found.rules)
    if found.told:
        chat.wake_outbox()
    text, keyboard = await store.run(exits.stop_exit, ctx.user_id)
    ctx.answers[STOP_SHOWN] = True  # saved with the next question, after the stop is sent
    await chat.send(stop.stop_text(found, text), keyboard)
    return SENT


def expired(ctx: FormContext) -> str | None:
    """A check-in begun on an earlier local day is not finished today."""
    if ctx.answers.get("_date") != ctx.today.isoformat():
        if ctx.answers.get(STOPPED):
            return ("Yesterday's check-in stopped at a warning sign; I completed it with what "
                    "you told me. Send /checkin for today's.")  # fmt: skip
        return "That check-in was for an earlier day, so I set it aside. Send /checkin for today's."
    return None


def salvage(db, user_id: int, answers: dict, now: dt.datetime) -> None:
    """A stopped check-in left open into the next day: its decision is completed with what
    is known (bone fields not answered read as not green); nothing answered is lost."""
    if answers.get(STOPPED) and decision_on(db, user_id, dt.date.fromisoformat(answers["_date"])) is None:
        decide_and_save(db, user_id, checkin_from(answers), now, already_told=True,
                        asked=weekly_asked(answers), answered=checkin_from(answers, fill=GREEN))


def finish_stale_stops(db, now: dt.datetime) -> int:
    """The minute tick: stopped check-ins still open after their local day ended are completed
    (the day's decision stored); returns how many."""
    done = 0
    for user_id, answers in stop.open_stops(db):
        runner = get_runner(db, user_id)
        if runner is None or answers.get("_date", "") >= local_today(now, runner.tz).isoformat():
            continue
        with db.atomic():
            salvage(db, user_id, answers, now)
            clear_draft(db, user_id)
        done += 1
    return done


async def opens(ctx: FormContext, chat: Chat, store: Store) -> None:
    """Opened when another form names it (the first check-in after onboarding)."""
    await begin(store, chat, ctx.user_id, ctx.first_name, ctx.now)


FORM = register(Form("checkin", QUESTIONS, finish, expired, on_answer=on_answer, salvage=salvage,
                     opens=opens))  # fmt: skip
