"""The daily check-in (/checkin): docs/PROTOCOL.md §3 as buttons, then the engine's answer."""

import datetime as dt

from dialogs import render
from dialogs.alerts import raise_alerts
from dialogs.chat import Chat
from dialogs.forms import Form, FormContext, Question, show_yes_no
from dialogs.parsing import (
    Invalid,
    calcium_mg,
    clean,
    hours,
    protein_g,
    weight_kg,
    whole_number,
    yes_no,
)
from dialogs.runner import register, start
from dialogs.zones import zone
from protocols import Checkin, Decision, decide
from protocols.codes import HIGH_RISK_SITES
from storage import (
    Store,
    checkins_between,
    clear_draft,
    decision_on,
    events_between,
    get_runner,
    history,
    latest_decision,
    save_checkin_and_decision,
)

HISTORY_DAYS = 30  # the rules look back at most 7 check-ins; the rest is in Decision.state
PAIN_GRID = (("0", "1", "2", "3", "4", "5"), ("6", "7", "8", "9", "10"))
NO_YES = (("No", "Yes"),)
DONE = {"yes, all of it": "full", "all": "full", "full": "full", "yes": "full",
        "part of it": "partial", "partial": "partial", "part": "partial",
        "no": "none", "none": "none"}  # fmt: skip
SORENESS = {"none": 0.0, "a few hours": 4.0, "under 24 h": 12.0, "24 h or more": 24.0,
            "2 days or more": 48.0}  # fmt: skip
KIND_WORDS = {"walk": "walk", "readiness": "readiness tests", "alterg": "AlterG session",
              "run_walk": "run/walk", "run": "run"}  # fmt: skip
SKIP = "Skip"
RESUME_SELF = "resume:self"


def _pain(what: str):
    return lambda text, ctx: whole_number(text, 0, 10, what)


def _yes_no(text: str, ctx: FormContext) -> bool:
    return yes_no(text)


def _done(text: str, ctx: FormContext) -> str:
    value = DONE.get(clean(text))
    if value is None:
        raise Invalid("Please answer: all of it, part of it, or no.")
    return value


def _soreness(text: str, ctx: FormContext) -> float:
    preset = SORENESS.get(clean(text))
    return preset if preset is not None else hours(text, 0, 240, "soreness")


def _sleep(text: str, ctx: FormContext) -> float:
    return 9.0 if clean(text) == "9+" else hours(text, 0, 24, "sleep")


def _calcium(text: str, ctx: FormContext) -> float:
    return calcium_mg(text.replace("+", ""))


def _protein(text: str, ctx: FormContext) -> float:
    return protein_g(text.replace("+", ""))


def _optional(parse):
    def wrapped(text: str, ctx: FormContext):
        return None if clean(text) == SKIP.lower() else parse(text)

    return wrapped


def _cycles(text: str) -> int:
    return whole_number(text.replace("+", ""), 0, 24, "missed periods")


def _fact(name: str):
    return lambda ctx: bool(ctx.answers.get(name))


QUESTIONS: tuple[Question, ...] = (
    Question("pain_rest", "Bone pain right now, at rest or walking around? 0 = none, 10 = worst.",
             _pain("bone pain"), buttons=PAIN_GRID),  # fmt: skip
    Question("night_pain", "Did bone pain wake you or keep you up last night?", _yes_no,
             buttons=NO_YES, show=show_yes_no),  # fmt: skip
    Question("session_done", lambda ctx: f"Did you do yesterday's session ({ctx.answers['_session']})?",
             _done, buttons=(("Yes, all of it",), ("Part of it", "No")), ask_if=_fact("_loaded")),  # fmt: skip
    Question("pain_session", "Worst bone pain during that session? 0 = none.", _pain("session pain"),
             buttons=PAIN_GRID,
             ask_if=lambda ctx: ctx.answers.get("_loaded") and ctx.answers.get("session_done") != "none"),  # fmt: skip
    Question("pain_morning", "Bone pain when you got up this morning?", _pain("morning pain"),
             buttons=PAIN_GRID),  # fmt: skip
    Question("soreness_hours", "How long did muscle soreness from your last session last "
             "(or has it lasted so far)? Or type hours.", _soreness,
             buttons=(("None", "A few hours"), ("Under 24 h",), ("24 h or more", "2 days or more")),
             ask_if=_fact("_any_loading"), show=lambda v: f"{v:g} h"),  # fmt: skip
    Question("tenderness", "Does pressing on the bone hurt at one spot?", _yes_no,
             buttons=NO_YES, show=show_yes_no),  # fmt: skip
    Question("swelling", "Any new swelling where the injury is?", _yes_no, buttons=NO_YES,
             show=show_yes_no),  # fmt: skip
    Question("limp", "Are you limping or changing your stride?", _yes_no, buttons=NO_YES,
             show=show_yes_no),  # fmt: skip
    Question("hip_groin_pain", "Any pain in the groin or front of the hip when you stand or walk "
             "on the leg?", _yes_no, buttons=NO_YES, show=show_yes_no),  # fmt: skip
    Question("sleep_hours", "How many hours did you sleep last night? Or type e.g. 7h30.", _sleep,
             buttons=(("5", "6", "7"), ("7.5", "8", "9+")), show=lambda v: f"{v:g} h"),  # fmt: skip
    Question("calcium_mg", "Calcium yesterday: servings of milk, yogurt, cheese or fortified "
             "foods? (A glass of milk ≈ 300 mg.) Or type mg, e.g. 1200 mg.", _calcium,
             buttons=(("0", "1", "2"), ("3", "4", "5+")), show=lambda v: f"≈ {v:g} mg"),  # fmt: skip
    Question("protein_g", "Protein yesterday: palm-sized portions of meat, fish, eggs, tofu, or "
             "a shake? (Each ≈ 25 g.) Or type grams, e.g. 100 g.", _protein,
             buttons=(("1", "2", "3"), ("4", "5", "6+")), show=lambda v: f"≈ {v:g} g"),  # fmt: skip
    Question("weight_kg", "Weekly question: your body weight today? Type kg or lb (e.g. 62 kg), or skip.",
             _optional(weight_kg), buttons=((SKIP,),), ask_if=_fact("_weekly"),
             show=lambda v: "skipped" if v is None else f"{v:g} kg"),  # fmt: skip
    Question("missed_cycles", "Weekly question: how many periods in a row have you missed? "
             "(0 if none; skip if it does not apply.)", _optional(_cycles),
             buttons=(("0", "1", "2", "3+"), (SKIP,)),
             ask_if=lambda ctx: ctx.answers.get("_cycles") and ctx.answers.get("_female"),
             show=lambda v: "skipped" if v is None else str(v)),  # fmt: skip
)

FIELDS = ("pain_rest", "night_pain", "pain_session", "pain_morning", "soreness_hours",
          "tenderness", "swelling", "limp", "hip_groin_pain", "session_done", "sleep_hours",
          "calcium_mg", "protein_g", "weight_kg", "missed_cycles")  # fmt: skip


def local_today(now: dt.datetime, tz: str) -> dt.date:
    return now.astimezone(zone(tz)).date()


def _facts(db, user_id: int, today: dt.date) -> dict:
    """What decides which questions apply, fixed when the check-in starts."""
    runner = get_runner(db, user_id)
    before = latest_decision(db, user_id, before=today)
    yesterday = today - dt.timedelta(days=1)
    loaded = before is not None and before.date == yesterday and before.session.loading
    recent = checkins_between(db, user_id, today - dt.timedelta(days=6), yesterday)
    facts = {
        "_date": today.isoformat(),
        "_loaded": loaded,
        "_any_loading": before is not None and before.state.last_loading is not None,
        # weekly questions: weight a week after onboarding's, then weekly; cycles from day 1
        "_weekly": (today - runner.profile.start_date).days >= 7
        and not any(c.weight_kg is not None for c in recent),
        "_cycles": not any(c.missed_cycles is not None for c in recent),
        "_female": runner.profile.sex == "female",
    }
    if loaded:
        s = before.session
        facts["_session"] = f"{before.stage} {KIND_WORDS[s.kind]}, {s.minutes} min"
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
            [[("Correct today's answers", "checkin:correct")], [("Show today's plan", "checkin:today")]],
        )
        return
    facts = await store.run(_facts, user_id, today)
    ctx = FormContext(user_id, chat.chat_id, first_name, today, now, facts)
    note = "Correcting today's check-in." if correcting else None
    await start(store, chat, FORM, ctx, note)


def checkin_from(answers: dict) -> Checkin:
    values = {name: answers.get(name) for name in FIELDS}
    if values["soreness_hours"] is None:
        values["soreness_hours"] = 0
    return Checkin(date=answers["_date"], **values)


def decide_and_save(db, user_id: int, checkin: Checkin, now: dt.datetime) -> tuple[Decision, bool, int]:
    """Run the engine on today's answers; store the check-in, the decision and the coach
    alerts, with the draft cleared, in one transaction.

    Returns the decision, whether the runner may resume a stop themself (a low-risk site
    with no coach linked, docs/DESIGN.md commands), and how many coaches were told.
    """
    runner = get_runner(db, user_id)
    days = [day for day in history(db, user_id, limit=HISTORY_DAYS) if day.date < checkin.date]
    since = days[-1].date + dt.timedelta(days=1) if days else None
    events = events_between(db, user_id, since, checkin.date)
    decision = decide(runner.profile, days, checkin, events)
    with db.atomic():
        save_checkin_and_decision(db, user_id, checkin, decision)
        told = raise_alerts(db, runner, checkin, decision, now)
        clear_draft(db, user_id)
    self_resume = runner.profile.site not in HIGH_RISK_SITES and not told
    return decision, self_resume, told


def event_date(db, runner_id: int, now: dt.datetime) -> dt.date:
    """The date an event of `now` takes: the runner's today, or tomorrow once today's check-in
    is decided — so the engine applies it before the next decision (§7 Timing), never lost."""
    runner = get_runner(db, runner_id)
    today = local_today(now, runner.tz)
    if decision_on(db, runner_id, today) is not None:
        return today + dt.timedelta(days=1)
    return today


def notify_outbox(chat: Chat) -> None:
    """Wake the outbox sender so an alert goes out now, not at its next poll."""
    if chat.wake is not None:
        chat.wake()


def decision_keyboard(decision: Decision, self_resume: bool):
    if decision.action == "stop" and self_resume:
        return [[("I have seen my clinician", RESUME_SELF)]]
    return None


async def finish(ctx: FormContext, chat: Chat, store: Store) -> None:
    checkin = checkin_from(ctx.answers)
    decision, self_resume, told = await store.run(decide_and_save, ctx.user_id, checkin, ctx.now)
    await chat.send(render.decision_text(decision, coaches_told=told),
                    decision_keyboard(decision, self_resume))  # fmt: skip
    if told and (decision.alert or decision.reviews):
        notify_outbox(chat)


def expired(ctx: FormContext) -> str | None:
    """A check-in begun on an earlier local day is not finished today."""
    if ctx.answers.get("_date") != ctx.today.isoformat():
        return "That check-in was for an earlier day, so I set it aside. Send /checkin for today's."
    return None


FORM = register(Form("checkin", QUESTIONS, finish, expired))
