"""/settings: check-in time, time zone, strength days and the nudge, from a small menu."""

from dialogs.chat import Chat
from dialogs.forms import Form, FormContext, Question
from dialogs.parsing import Invalid, clean, clock_time, time_zone, weekdays
from dialogs.runner import END, register
from storage import (
    Store,
    clear_draft,
    get_runner,
    set_checkin_time,
    set_nudge_hours,
    set_tz,
    update_profile,
)

MENU = {
    "Check-in time": "checkin_time",
    "Time zone": "tz",
    "Strength days": "strength_days",
    "Reminder nudge": "nudge_hours",
    "✅ Done": END,
}
NUDGE = {"1 h": 1, "2 h": 2, "3 h": 3, "4 h": 4, "Off": None}


def _menu(text: str, ctx: FormContext) -> str:
    for label, target in MENU.items():
        if clean(label) == clean(text):
            return target
    raise Invalid("Please choose with a button.")


def _menu_prompt(ctx: FormContext) -> str:
    a = ctx.answers
    return (
        "Your settings:\n"
        f"• Check-in reminder: {a['checkin_time']}\n"
        f"• Time zone: {a['tz']}\n"
        f"• Strength days: {' + '.join(d.capitalize() for d in a['strength_days'])}\n"
        f"• Nudge if no check-in: {'off' if a['nudge_hours'] is None else str(a['nudge_hours']) + ' h later'}\n\n"
        "What would you like to change?"
    )


def _nudge(text: str, ctx: FormContext) -> int | None:
    for label, value in NUDGE.items():
        if clean(label) == clean(text):
            return value
    raise Invalid("Please choose 1–4 h, or Off.")


def _back(value, ctx: FormContext) -> str:
    return "menu"


QUESTIONS = (
    Question("menu", _menu_prompt, _menu, buttons=(("Check-in time", "Time zone"),
             ("Strength days", "Reminder nudge"), ("✅ Done",)), goto=lambda v, ctx: v,
             show=lambda v: next(k for k, t in MENU.items() if t == v)),  # fmt: skip
    Question("checkin_time", "New check-in reminder time? (e.g. 07:30)",
             lambda t, ctx: clock_time(t), buttons=(("06:30", "07:00", "07:30"), ("08:00", "08:30", "09:00")),
             goto=_back),  # fmt: skip
    Question("tz", "Your time zone? Type a city (e.g. Berlin) or a zone name.",
             lambda t, ctx: time_zone(t), buttons=(("Europe/London", "Europe/Berlin"),
             ("America/New_York", "Asia/Kolkata")), goto=_back),  # fmt: skip
    Question("strength_days", "Which two days for strength work?",
             lambda t, ctx: weekdays(t.replace("+", " "), count=2),
             buttons=(("Tue + Thu", "Tue + Sat"), ("Thu + Sat", "Sat + Sun")), goto=_back),  # fmt: skip
    Question("nudge_hours", "If you have not checked in, remind me again how much later?", _nudge,
             buttons=(("1 h", "2 h", "3 h", "4 h"), ("Off",)), goto=_back),  # fmt: skip
)


def _save(db, user_id: int, answers: dict) -> None:
    runner = get_runner(db, user_id)
    with db.atomic():
        set_checkin_time(db, user_id, answers["checkin_time"])
        set_tz(db, user_id, answers["tz"])
        set_nudge_hours(db, user_id, answers["nudge_hours"])
        days = tuple(answers["strength_days"])
        if days != runner.profile.strength_weekdays:
            update_profile(db, user_id, runner.profile.model_copy(update={"strength_days": days}))
        clear_draft(db, user_id)


async def finish(ctx: FormContext, chat: Chat, store: Store) -> None:
    await store.run(_save, ctx.user_id, ctx.answers)
    await chat.send("Saved. " + _menu_prompt(ctx).split("\n\n")[0])


def current_answers(runner) -> dict:
    return {
        "checkin_time": runner.checkin_time,
        "tz": runner.tz,
        "strength_days": list(runner.profile.strength_weekdays),
        "nudge_hours": runner.nudge_hours,
    }


FORM = register(Form("settings", QUESTIONS, finish))
