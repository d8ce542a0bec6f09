"""The daily check-in (/checkin): docs/PROTOCOL.md §3 as buttons, then the engine's answer."""

import datetime as dt

import dataclasses

from dialogs import changes, exits, render, standing, stop
from dialogs.alerts import raise_alerts
from dialogs.chat import Chat
from dialogs.forms import SENT, Form, FormContext, Question, show_yes_no
from dialogs.parsing import (
    SERVINGS_UP_TO,
    Invalid,
    calcium,
    calcium_mg,
    clean,
    hours,
    protein,
    protein_g,
    understood,
    weight_kg,
    whole_number,
    yes_no,
)
from dialogs.runner import END, register, start
from dialogs.stop import STOP_SHOWN, STOPPED
from dialogs.zones import zone
from protocols import Checkin, Decision, decide
from protocols.codes import HIGH_RISK_SITES
from protocols.early import BONE_FIELDS, GREEN, NOT_GREEN
from protocols.words import short_name
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
SORENESS = {"none": 0.0, "a few hours": 4.0, "under 24 h": 12.0, "24 h or more": 24.0,
            "2 days or more": 48.0}  # fmt: skip
KIND_WORDS = {"walk": "walk", "readiness": "readiness tests", "alterg": "AlterG session",
              "run_walk": "run/walk", "run": "run"}  # fmt: skip
SKIP = "Skip"
RESUME_SELF = "resume:self"


BONES_PROMPT = (
    "Bone check this morning — is all of this true?\n"
    "• no bone pain now, at rest or walking around\n"
    "• no bone pain in the night\n"
    "• no bone pain when you got up\n"
    "• no tender spot when you press on the bone\n"
    "• no new swelling\n"
    "• no limp or change in your stride\n"
    "• no pain in the groin or front of the hip"
)
ALL_CLEAR, NOT_RIGHT = "✅ All clear", "Something's not right"
FINISH_HERE = "Finish here"
FINISHED = "__finished__"  # the value of a question answered with "Finish here"
# Yesterday's session in one answer: done / partial / skipped, and bone pain during it
# (":?" asks how much).
SESSION = {"✅ Done, no bone pain": "full:0", "Done, some bone pain": "full:?",
           "Part of it, no bone pain": "partial:0", "Part of it, some bone pain": "partial:?",
           "Skipped it": "none"}  # fmt: skip
SESSION_TYPED = {"yes": "full:?", "all": "full:?", "yes, all of it": "full:?", "full": "full:?",
                 "done": "full:?", "part": "partial:?", "partial": "partial:?",
                 "part of it": "partial:?", "no": "none", "none": "none", "skipped": "none",
                 "skip": "none"}  # fmt: skip


def _pain(what: str):
    return lambda text, ctx: whole_number(text, 0, 10, what)


def _yes_no(text: str, ctx: FormContext) -> bool:
    return yes_no(text)


def _bones(text: str, ctx: FormContext) -> bool:
    t = clean(text)
    if t in (clean(ALL_CLEAR), "all clear", "clear", "yes", "all good", "fine"):
        return True
    if t in (clean(NOT_RIGHT), "no", "not right", "something"):
        return False
    raise Invalid(f"Please answer with a button: {ALL_CLEAR} or {NOT_RIGHT}.")


def _session(text: str, ctx: FormContext) -> str:
    for label, value in SESSION.items():
        if clean(label) == clean(text):
            return value
    value = SESSION_TYPED.get(clean(text))
    if value is None:
        raise Invalid("Please answer with a button: done, part of it, or skipped.")
    return value


def _soreness(text: str, ctx: FormContext) -> float:
    preset = SORENESS.get(clean(text))
    return preset if preset is not None else hours(text, 0, 240, "soreness")


def _sleep(text: str, ctx: FormContext) -> float:
    return 9.0 if clean(text) == "9+" else hours(text, 0, 24, "sleep")


def _calcium(text: str, ctx: FormContext) -> float:
    return calcium_mg(text)


def _protein(text: str, ctx: FormContext) -> float:
    return protein_g(text)


def _calcium_echo(text: str, value: float) -> str:
    return understood(*calcium(text), "mg", "serving")


def _protein_echo(text: str, value: float) -> str:
    return understood(*protein(text), "g", "portion")


def _optional(parse):
    def wrapped(text: str, ctx: FormContext):
        return None if clean(text) == SKIP.lower() else parse(text)

    return wrapped


def _cycles(text: str) -> int:
    return whole_number(text.replace("+", ""), 0, 24, "missed periods")


def _fact(name: str):
    return lambda ctx: bool(ctx.answers.get(name))


def _one_by_one(ctx: FormContext) -> bool:
    return ctx.answers.get("bones") is False


def _session_pain(ctx: FormContext) -> bool:
    return bool(ctx.answers.get("_loaded")) and str(ctx.answers.get("session", "")).endswith(":?")


QUESTIONS: tuple[Question, ...] = (
    Question("bones", BONES_PROMPT, _bones, buttons=((ALL_CLEAR,), (NOT_RIGHT,)),
             show=lambda v: ALL_CLEAR if v else NOT_RIGHT),  # fmt: skip
    Question("pain_rest", "Bone pain right now, at rest or walking around? 0 = none, 10 = worst.",
             _pain("bone pain"), buttons=PAIN_GRID, ask_if=_one_by_one),  # fmt: skip
    Question("night_pain", "Did bone pain wake you or keep you up last night?", _yes_no,
             buttons=NO_YES, show=show_yes_no, ask_if=_one_by_one),  # fmt: skip
    Question("pain_morning", "Bone pain when you got up this morning?", _pain("morning pain"),
             buttons=PAIN_GRID, ask_if=_one_by_one),  # fmt: skip
    Question("tenderness", "Does pressing on the bone hurt at one spot?", _yes_no,
             buttons=NO_YES, show=show_yes_no, ask_if=_one_by_one),  # fmt: skip
    Question("swelling", "Any new swelling where the injury is?", _yes_no, buttons=NO_YES,
             show=show_yes_no, ask_if=_one_by_one),  # fmt: skip
    Question("limp", "Are you limping or changing your stride?", _yes_no, buttons=NO_YES,
             show=show_yes_no, ask_if=_one_by_one),  # fmt: skip
    Question("hip_groin_pain", "Any pain in the groin or front of the hip when you stand or walk "
             "on the leg?", _yes_no, buttons=NO_YES, show=show_yes_no, ask_if=_one_by_one),  # fmt: skip
    Question("session", lambda ctx: f"Yesterday's session ({ctx.answers['_session']}): did you do "
             "it, and was there any bone pain during it?", _session,
             buttons=tuple((label,) for label in SESSION), ask_if=_fact("_loaded"),
             show=lambda v: next((k for k, x in SESSION.items() if x == v), v)),  # fmt: skip
    Question("pain_session", "Worst bone pain during that session? 0 = none, 10 = worst.",
             _pain("session pain"), buttons=PAIN_GRID, ask_if=_session_pain),  # fmt: skip
    Question("soreness_hours", "How long did muscle soreness from your last session last "
             "(or has it lasted so far)? Or type hours.", _soreness,
             buttons=(("None", "A few hours"), ("Under 24 h",), ("24 h or more", "2 days or more")),
             ask_if=_fact("_any_loading"), show=lambda v: f"{v:g} h"),  # fmt: skip
    Question("sleep_hours", "How many hours did you sleep last night? Or type e.g. 7h30.", _sleep,
             buttons=(("5", "6", "7"), ("7.5", "8", "9+")), show=lambda v: f"{v:g} h",
             echo=lambda t, v: f"{v:g} h"),  # fmt: skip
    Question("calcium_mg", "Calcium yesterday: servings of milk, yogurt, cheese or fortified "
             f"foods? (A glass of milk ≈ 300 mg.) A number up to {SERVINGS_UP_TO} counts servings; "
             "more is mg, e.g. 1200.", _calcium,
             buttons=(("0", "1", "2"), ("3", "4", "5+")), show=lambda v: f"≈ {v:g} mg",
             echo=_calcium_echo),  # fmt: skip
    Question("protein_g", "Protein yesterday: palm-sized portions of meat, fish, eggs, tofu, or "
             f"a shake? (Each ≈ 25 g.) A number up to {SERVINGS_UP_TO} counts portions; more is "
             "grams, e.g. 100.", _protein,
             buttons=(("1", "2", "3"), ("4", "5", "6+")), show=lambda v: f"≈ {v:g} g",
             echo=_protein_echo),  # fmt: skip
    Question("weight_kg", "Weekly question: your body weight today? Type kg or lb (e.g. 62 kg), or skip.",
             _optional(weight_kg), buttons=((SKIP,),), ask_if=_fact("_weekly"),
             show=lambda v: "skipped" if v is None else f"{v:g} kg"),  # fmt: skip
    Question("missed_cycles", "Weekly question: how many periods in a row have you missed? "
             "(0 if none; skip if it does not apply.)", _optional(_cycles),
             buttons=(("0", "1", "2", "3+"), (SKIP,)),
             ask_if=lambda ctx: ctx.answers.get("_cycles") and ctx.answers.get("_female"),
             show=lambda v: "skipped" if v is None else str(v)),  # fmt: skip
)


def _finishable(q: Question) -> Question:
    """After a stop the rest is optional: every question also offers "Finish here"."""

    def buttons(ctx: FormContext):
        rows = q.keyboard(ctx)
        return (*rows, (FINISH_HERE,)) if ctx.answers.get(STOPPED) else rows

    def parse(text: str, ctx: FormContext):
        if ctx.answers.get(STOPPED) and clean(text) == clean(FINISH_HERE):
            return FINISHED
        return q.parse(text, ctx)

    def goto(value, ctx: FormContext):
        if value == FINISHED:
            return END
        return q.goto(value, ctx) if q.goto else None

    def show(value):
        return FINISH_HERE if value == FINISHED else q.show(value)

    def echo(text: str, value):
        if value == FINISHED:
            return FINISH_HERE
        return q.echo(text, value) if q.echo else None

    return dataclasses.replace(q, buttons=buttons, parse=parse, goto=goto, show=show,
                               echo=echo if q.echo else None)  # fmt: skip


QUESTIONS = tuple(_finishable(q) for q in QUESTIONS)
# every Checkin field the form stores (session_done and pain_session from "session")
FIELDS = ("pain_rest", "night_pain", "pain_session", "pain_morning", "soreness_hours",
          "tenderness", "swelling", "limp", "hip_groin_pain", "session_done", "sleep_hours",
          "calcium_mg", "protein_g", "weight_kg", "missed_cycles")  # fmt: skip
ANSWER_FIELDS = ("pain_rest", "night_pain", "pain_morning", "tenderness", "swelling", "limp",
                 "hip_groin_pain", "soreness_hours", "sleep_hours", "calcium_mg", "protein_g",
                 "weight_kg", "missed_cycles")  # fmt: skip


def session_words(stage: str, kind: str, minutes: int) -> str:
    return f"{short_name(stage)} {KIND_WORDS[kind]}, {minutes} min"


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
            [[("Correct today's answers", "checkin:correct")], [("Show today's plan", "checkin:today")]],
        )
        return
    facts = await store.run(_facts, user_id, today)
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


def weekly_asked(answers: dict) -> tuple[str, ...]:
    return tuple(q for q in WEEKLY if q in answers)


def decide_and_save(db, user_id: int, checkin: Checkin, now: dt.datetime,
                    already_told: bool = False, asked: tuple[str, ...] = ()) -> tuple[Decision, bool, int]:  # fmt: skip
    """Run the engine on today's answers; store the check-in, the decision and the coach
    alerts, with the draft cleared, in one transaction. `already_told`: the urgent alert
    went out at the first red-flag answer (reviews still go).

    Returns the decision, whether the runner may resume a stop themself (a low-risk site
    with no coach linked, docs/DESIGN.md commands), and how many coaches were told.
    """
    runner, days, events = changes.engine_inputs(db, user_id, checkin.date)
    checkin = changes.with_reported_weight(db, user_id, days, checkin)
    decision = decide(runner.profile, days, checkin, events)
    with db.atomic():
        save_checkin_and_decision(db, user_id, checkin, decision)
        for question in asked:
            db.execute("INSERT INTO weekly_asked (runner_id, question, asked_on) VALUES (?, ?, ?) "
                       "ON CONFLICT (runner_id, question) DO UPDATE SET asked_on = excluded.asked_on",
                       [user_id, question, checkin.date.isoformat()])  # fmt: skip
        alerting = decision.model_copy(update={"alert": False}) if already_told else decision
        told = raise_alerts(db, runner, checkin, alerting, now)
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


async def finish(ctx: FormContext, chat: Chat, store: Store) -> None:
    stopped = ctx.answers.get(STOPPED)
    checkin = checkin_from(ctx.answers)
    decision, self_resume, told = await store.run(decide_and_save, ctx.user_id, checkin, ctx.now,
                                                  bool(stopped), weekly_asked(ctx.answers))  # fmt: skip
    if told and (decision.alert or decision.reviews):
        notify_outbox(chat)
    await chat.send(*await reply(store, ctx.user_id, decision, None if stopped else told,
                                 after_stop=bool(stopped)))  # fmt: skip


async def reply(store: Store, user_id: int, decision: Decision, told: int | None,
                after_stop: bool = False) -> tuple[str, list | None]:
    """A decision as the runner reads it, with where they stand, the milestones and the way
    out of any state they are stuck in (text and buttons). `told`: None when shown again."""
    row = await store.run(get_runner, user_id)
    if after_stop:
        text = stop.after_stop_text(decision)
    else:
        marks = await standing.milestones(store, user_id, decision.date)
        text = render.decision_text(decision, coaches_told=told, profile=row.profile, milestones=marks)
    way_out, keyboard = await store.run(exits.decision_exit, user_id, decision)
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
        notify_outbox(chat)
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
                        asked=weekly_asked(answers))


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


FORM = register(Form("checkin", QUESTIONS, finish, expired, on_answer=on_answer, salvage=salvage))
