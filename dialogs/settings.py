"""/settings: everything the runner told us, changeable later, from one menu.

The injured bone, walking and running clearance (running only at low-risk bones, PROTOCOL.md
§1), weight, running before the injury, AlterG access, run days, any two strength days, the
reminder time, the time zone (confirmed as at onboarding) and the nudge; and unlinking from a
coach. Each change is saved the moment it is answered: dated, audited, and for clearances an
engine event (dialogs/changes.py), so it takes effect at the next decision.
"""

import datetime as dt

from dialogs import changes, linking
from dialogs.chat import Chat
from dialogs.checkin import event_date
from dialogs.forms import Form, FormContext, Question
from dialogs.parsing import (
    Invalid,
    clean,
    clock_time,
    time_zone,
    weekdays,
    weight_kg,
    yes_no,
)
from dialogs.runner import END, register
from dialogs.vocabulary import (
    SITE_NAMES,
    SITES,
    TZ_OK,
    YES_NO,
    choice,
    site_code,
    tz_confirmed,
    weekly,
)
from dialogs.zones import zone as zone_of
from protocols.codes import HIGH_RISK_SITES, WEEKDAYS, Site
from protocols.ladder import LADDER, Phase
from protocols.words import short_name
from storage import (
    Store,
    clear_draft,
    coaches_of,
    get_runner,
    latest_decision,
    set_checkin_time,
    set_nudge_hours,
    set_tz,
)

MENU = {
    "Injured bone": "site", "Walking clearance": "walking_cleared",
    "Running clearance": "running_cleared", "Weight": "weight_kg",
    "Running before injury": "pre_injury", "AlterG": "has_alterg", "Run days": "run_days",
    "Strength days": "strength_1", "Check-in time": "checkin_time", "Time zone": "tz",
    "Reminder nudge": "nudge_hours", "Coach": "coach", "✅ Done": END,
}  # fmt: skip
NUDGE = {"1 h": 1, "2 h": 2, "3 h": 3, "4 h": 4, "Off": None}
DAY_BUTTONS = (("Mon", "Tue", "Wed", "Thu"), ("Fri", "Sat", "Sun"))
RUN_DAYS = {"Mon Wed Fri": "mon wed fri", "Tue Thu Sat": "tue thu sat",
            "Mon Thu Sat": "mon thu sat", "Tue Fri Sun": "tue fri sun"}  # fmt: skip
KEEP = "Keep as it is"


def _days(values) -> str:
    return " + ".join(d.capitalize() for d in values)


def _menu(text: str) -> str:
    for label, target in MENU.items():
        if clean(label) == clean(text):
            return target
    raise Invalid("Please choose with a button.")


def summary(a: dict) -> str:
    nudge = "off" if a["nudge_hours"] is None else f"{a['nudge_hours']} h later"
    return "\n".join([
        "Your settings:",
        f"• Injured bone: {SITE_NAMES[Site(a['site'])]}",
        f"• Walking cleared: {'yes' if a['walking_cleared'] else 'no'}",
        f"• Running cleared: {'yes' if a['running_cleared'] else 'no'}",
        f"• Weight: {a['weight_kg']:g} kg",
        f"• Running before injury: {a['pre_injury']} min a week",
        f"• AlterG access: {'yes' if a['has_alterg'] else 'no'}",
        f"• Run days: {_days(a['run_days'])}",
        f"• Strength days: {_days(a['strength_days'])}",
        f"• Check-in reminder: {a['checkin_time']} ({a['tz']})",
        f"• Nudge if no check-in: {nudge}",
        f"• Coach: {a['_coaches'] or 'none linked'}",
    ])  # fmt: skip


def _menu_prompt(ctx: FormContext) -> str:
    return summary(ctx.answers) + "\n\nWhat would you like to change?"


def _menu_buttons(ctx: FormContext):
    labels = [k for k in MENU if k != "✅ Done" and (k != "Coach" or ctx.answers.get("_coaches"))]
    rows = [tuple(labels[i : i + 2]) for i in range(0, len(labels), 2)]
    return (*rows, ("✅ Done",))


def _back(value, ctx: FormContext) -> str:
    return "menu"


def _running_prompt(ctx: FormContext) -> str:
    if Site(ctx.answers["site"]) in HIGH_RISK_SITES:
        return ("At this bone only your coach or clinician can confirm running clearance in the "
                "bot (they send /clear). Tap Back; “Invite your clinician” on your plan sends "
                "them a link if no coach is linked.")  # fmt: skip
    return "Has your clinician cleared you to start running?"


def _running_buttons(ctx: FormContext):
    return (("Back",),) if Site(ctx.answers["site"]) in HIGH_RISK_SITES else YES_NO


def _running(text: str, ctx: FormContext):
    if Site(ctx.answers["site"]) in HIGH_RISK_SITES:
        if clean(text) in ("back", "yes", "no"):
            return ctx.answers["running_cleared"]
        raise Invalid("Please tap Back.")
    return yes_no(text)


def _tz_confirm_prompt(ctx: FormContext) -> str:
    local = ctx.now.astimezone(zone_of(ctx.answers["_tz_new"]))
    return f"I understood {ctx.answers['_tz_new']} — it is {local:%H:%M} there now. Is that right?"


def _run_days(text: str) -> list[str]:
    return weekdays(RUN_DAYS.get(text.strip(), text))


def _tz_goto(value, ctx: FormContext) -> str:
    return "menu" if value else "tz"


def _strength_1_goto(value, ctx: FormContext) -> str:
    return "menu" if len(value) == 2 else "strength_2"


def _strength_1_parse(text: str) -> list[str]:
    days = weekdays(text)
    if len(days) > 2:
        raise Invalid("Please choose two days for strength work.")
    return days


def _strength_2_buttons(ctx: FormContext):
    first = ctx.answers.get("strength_1", [""])[0]
    labels = [d.capitalize() for d in WEEKDAYS if d != first]
    return (tuple(labels[:3]), tuple(labels[3:]))


def _strength_2(text: str, ctx: FormContext) -> list[str]:
    day = weekdays(text, count=1)[0]
    first = ctx.answers["strength_1"][0]
    if day == first:
        raise Invalid("Please choose a different second day.")
    return sorted([first, day], key=WEEKDAYS.index)


def _coach_prompt(ctx: FormContext) -> str:
    return (f"You are linked to {ctx.answers['_coaches']}. Unlink? They would no longer see your "
            "check-ins or get your alerts.")  # fmt: skip


QUESTIONS = (
    Question("menu", _menu_prompt, _menu, buttons=_menu_buttons, goto=lambda v, ctx: v,
             show=lambda v: next(k for k, t in MENU.items() if t == v)),  # fmt: skip
    Question("site", "Which bone was injured? Pick the closest description.", site_code,
             buttons=tuple((label,) for label in SITES), goto=_back,
             show=lambda v: SITE_NAMES[Site(v)]),  # fmt: skip
    Question("walking_cleared", "Has your clinician said you can walk for exercise?",
             yes_no, buttons=YES_NO, goto=_back),  # fmt: skip
    Question("running_cleared", _running_prompt, _running, buttons=_running_buttons, goto=_back),
    Question("weight_kg", "Your body weight now? Type kg or lb, e.g. 62 kg or 137 lb.",
             weight_kg, goto=_back, show=lambda v: f"{v:g} kg"),  # fmt: skip
    Question("pre_injury", "Before the injury, how much did you run in a typical week? Pick one "
             "or type minutes, hours, km or miles.", weekly,
             buttons=(("1 h", "2 h", "3 h"), ("4 h", "5 h", "6 h+")), goto=_back,
             show=lambda v: f"{v} min a week"),  # fmt: skip
    Question("has_alterg", "Do you have access to an anti-gravity treadmill (AlterG)?",
             yes_no, buttons=YES_NO, goto=_back),  # fmt: skip
    Question("run_days", "Which days for running, once your plan runs on set days? Pick or type "
             "days (e.g. Mon Wed Fri).", _run_days,
             buttons=(("Mon Wed Fri", "Tue Thu Sat"), ("Mon Thu Sat", "Tue Fri Sun")), goto=_back,
             show=_days),  # fmt: skip
    Question("strength_1", "Strength days: which is the first? (Or type both, e.g. Tue Fri.)",
             _strength_1_parse, buttons=DAY_BUTTONS, goto=_strength_1_goto, show=_days),  # fmt: skip
    Question("strength_2", lambda ctx: f"And the second strength day (first: "
             f"{_days(ctx.answers['strength_1'])})?", _strength_2, buttons=_strength_2_buttons,
             goto=_back, show=_days),  # fmt: skip
    Question("checkin_time", "New check-in reminder time? (e.g. 07:30)",
             clock_time, buttons=(("06:30", "07:00", "07:30"), ("08:00", "08:30", "09:00")),
             goto=_back),  # fmt: skip
    Question("tz", "Your time zone? Type a city (e.g. Berlin) or a zone name.",
             time_zone, buttons=(("Europe/London", "Europe/Berlin"),
             ("America/New_York", "Asia/Kolkata")), goto=lambda v, ctx: "tz_ok"),  # fmt: skip
    Question("tz_ok", _tz_confirm_prompt, tz_confirmed,
             buttons=TZ_OK, goto=_tz_goto),  # fmt: skip
    Question("nudge_hours", "If you have not checked in, remind me again how much later?",
             choice(NUDGE, "1–4 h or Off"), buttons=(("1 h", "2 h", "3 h", "4 h"), ("Off",)),
             goto=_back),  # fmt: skip
    Question("coach", _coach_prompt, choice({"Unlink": True, KEEP: False}, "an answer"),
             buttons=(("Unlink", KEEP),), goto=_back),  # fmt: skip
)

PROFILE_FIELDS = {"site": "site", "walking_cleared": "walking_cleared",
                  "running_cleared": "running_cleared", "weight_kg": "weight_kg",
                  "pre_injury": "pre_injury_weekly_minutes", "has_alterg": "has_alterg",
                  "run_days": "run_days", "strength_2": "strength_days",
                  "strength_1": "strength_days"}  # fmt: skip


def apply(db, user_id: int, qid: str, answers: dict, now: dt.datetime) -> str | None:
    """Save one answered setting at once; the note shown above the menu (None: nothing
    changed yet)."""
    runner = get_runner(db, user_id)
    day = event_date(db, user_id, now)
    value = answers.get(qid)
    if qid == "strength_1" and len(value) != 2:
        return None
    if qid in ("strength_1", "strength_2"):
        value = tuple(value)
        answers["strength_days"] = list(value)
    if qid == "tz":
        answers["_tz_new"] = value
        answers["tz"] = runner.tz  # not saved until confirmed
        return None
    if qid == "tz_ok":
        if not value:
            return None
        set_and_record(db, user_id, "tz", runner.tz, answers["_tz_new"], day, set_tz)
        answers["tz"] = answers["_tz_new"]
        return f"Saved: time zone {answers['tz']}."
    if qid == "checkin_time":
        set_and_record(db, user_id, qid, runner.checkin_time, value, day, set_checkin_time)
        return f"Saved: reminder at {value}."
    if qid == "nudge_hours":
        set_and_record(db, user_id, qid, runner.nudge_hours, value, day, set_nudge_hours)
        return "Saved: nudge " + ("off." if value is None else f"{value} h after the reminder.")
    if qid == "coach":
        if not value:
            return None
        notes = [linking.leave(db, user_id, c.user_id) for c in coaches_of(db, user_id)]
        answers["_coaches"] = ""
        return " ".join(notes)
    field = PROFILE_FIELDS.get(qid)
    if field is None:
        return None
    return _profile_change(db, runner, field, value, day, answers)


def set_and_record(db, user_id: int, field: str, old, new, day: dt.date, setter) -> None:
    if old == new:
        return
    with db.atomic():
        setter(db, user_id, new)
        changes.record(db, user_id, field, old, new, day)


def _profile_change(db, runner, field: str, value, day: dt.date, answers: dict) -> str | None:
    profile = runner.profile
    latest = latest_decision(db, runner.user_id)
    stage = latest.state.stage if latest else profile.start_stage
    if field == "walking_cleared" and not value and stage != "P0":
        answers["walking_cleared"] = True
        return ("Your plan is past the walking start, so I kept that. If your clinician has asked "
                "you to stop walking for exercise, please rest, tell your coach, and answer "
                "“Something's not right” at your next check-in.")  # fmt: skip
    if field == "has_alterg" and not value and (LADDER[stage].phase is Phase.ALTERG or (
            latest and latest.state.stopped_at and LADDER[latest.state.stopped_at].phase is Phase.ALTERG)):  # fmt: skip
        answers["has_alterg"] = True
        return ("You are on the AlterG steps now, so I kept AlterG on; ask your coach or "
                "clinician about moving to the ground, or turn it off after the AlterG steps.")  # fmt: skip
    if field == "running_cleared" and Site(profile.site) in HIGH_RISK_SITES:
        return None
    with db.atomic():
        changes.change_profile(db, runner.user_id, field, value, day)
        note = "Saved — it counts from your next check-in."
        if field == "site" and Site(value) in HIGH_RISK_SITES:
            if answers.get("running_cleared"):
                _withdraw_running(db, runner.user_id, profile, day)
            answers["running_cleared"] = False
            note += (" This bone needs extra care: running stays locked until your coach or "
                     "clinician confirms clearance in the bot (they send /clear).")  # fmt: skip
        elif field == "running_cleared" and not value:
            if not profile.running_cleared:  # cleared in the engine's state only
                changes.record(db, runner.user_id, field, True, False, day)
            note += " Running stays locked until you are cleared again."
        elif field == "running_cleared":
            note += f" Running stages can unlock as your plan allows (now at {short_name(stage)})."
        elif field == "walking_cleared":
            note += " Walking starts once you have two clear mornings in a row."
    return note


def _withdraw_running(db, runner_id: int, profile, day: dt.date) -> None:
    if profile.running_cleared:
        changes.change_profile(db, runner_id, "running_cleared", False, day)
    else:  # cleared in the engine's state only
        changes.record(db, runner_id, "running_cleared", True, False, day)


def current_answers(runner, coaches: str) -> dict:
    p = runner.profile
    return {
        "site": p.site.value if hasattr(p.site, "value") else p.site,
        "walking_cleared": p.walking_cleared, "running_cleared": p.running_cleared,
        "weight_kg": p.weight_kg, "pre_injury": p.pre_injury_weekly_minutes,
        "has_alterg": p.has_alterg, "run_days": list(p.run_days),
        "strength_days": list(p.strength_weekdays), "checkin_time": runner.checkin_time,
        "tz": runner.tz, "nudge_hours": runner.nudge_hours, "_coaches": coaches,
    }  # fmt: skip


def initial(db, user_id: int) -> dict:
    runner = get_runner(db, user_id)
    latest = latest_decision(db, user_id)
    answers = current_answers(runner, ", ".join(c.first_name or "coach" for c in coaches_of(db, user_id)))
    if latest is not None:  # what the engine will know at the next decision
        gone = changes.withdrawn_since(db, user_id, latest.date + dt.timedelta(days=1), dt.date.max)
        for name in changes.CLEARANCES:
            state = getattr(latest.state, name) and name not in gone
            answers[name] = bool(answers[name] or state) and name not in gone
    return answers


async def on_answer(ctx: FormContext, q: Question, chat: Chat, store: Store) -> str | None:
    if q.id == "menu":
        return None
    note = await store.run(apply, ctx.user_id, q.id, ctx.answers, ctx.now)
    if note:
        chat.wake_outbox()  # a coach told of an unlink
    return note


async def finish(ctx: FormContext, chat: Chat, store: Store) -> None:
    await store.run(clear_draft, ctx.user_id)
    await chat.send("All saved. " + summary(ctx.answers))


FORM = register(Form("settings", QUESTIONS, finish, on_answer=on_answer))
