"""Onboarding (/start): what the bot is, the injury in plain words, clearances, body and
schedule facts, a summary to correct, then the first check-in."""

import datetime as dt

from dialogs import linking, texts
from dialogs.chat import Chat
from dialogs.forms import Form, FormContext, Question, show_yes_no
from dialogs.parsing import (
    clock_time,
    past_date,
    time_zone,
    weekdays,
    weight_kg,
    whole_number,
    yes_no,
)
from dialogs.runner import END, RETURN_TO, register
from dialogs.vocabulary import (
    DIAGNOSED,
    SEXES,
    SITE_NAMES,
    SITES,
    STAGES,
    STRENGTH,
    TIMES,
    TZ_OK,
    YES_NO,
    ZONES,
    choice,
    site_code,
    tz_confirmed,
    weekly,
)
from dialogs.zones import zone as zone_of
from protocols import Profile
from protocols.codes import HIGH_RISK_SITES, Site
from storage import Store, clear_draft, get_runner, set_checkin_time, set_tz, update_profile
from storage.clearances import report_clearance

LOOKS_RIGHT, CHANGE = "✅ Looks right", "✏️ Change something"


def _diagnosed(text: str, ctx: FormContext) -> str:
    days = DIAGNOSED.get(text.strip())
    if days is not None:
        return (ctx.today - dt.timedelta(days=days)).isoformat()
    return past_date(text, ctx.today)


def _age(text: str) -> int:
    return whole_number(text, 9, 100, "age")


def _strength(text: str) -> list[str]:
    return weekdays(STRENGTH.get(text.strip(), text), count=2)


def _high_risk(ctx: FormContext) -> bool:
    return Site(ctx.answers.get("site", "other")) in HIGH_RISK_SITES


def _running_prompt(ctx: FormContext) -> str:
    text = "Has your clinician cleared you to start running?"
    if _high_risk(ctx):
        text += (
            "\n\nAt this bone a coach or clinician confirms running clearance in the bot "
            "(they link with /coach). Until they do, running sessions stay locked — answer "
            "what your clinician told you."
        )
    return text


def _tz_confirm_prompt(ctx: FormContext) -> str:
    zone = ctx.answers["tz"]
    local = ctx.now.astimezone(zone_of(zone))
    return f"I understood {zone} — it is {local:%H:%M} there now. Is that right?"


def _fix_options(ctx: FormContext) -> dict[str, str]:
    return {q.label: q.id for q in QUESTIONS if q.label and q.id in ctx.answers}


def _fix_goto(value: str, ctx: FormContext) -> str:
    ctx.answers[RETURN_TO] = "summary"
    return value


def summary_text(ctx: FormContext) -> str:
    lines = ["Here is what I have:"]
    for q in QUESTIONS:
        if q.label and q.id in ctx.answers:
            lines.append(f"• {q.label}: {q.show(ctx.answers[q.id])}")
    return "\n".join(lines) + "\n\nIs everything right?"


QUESTIONS: tuple[Question, ...] = (
    Question("consent", texts.WELCOME, choice({"I agree — let's start": True, "No thanks": False}, "an answer"),
             buttons=(("I agree — let's start",), ("No thanks",)),
             goto=lambda v, ctx: None if v else END, show=lambda v: "I agree" if v else "No thanks"),  # fmt: skip
    Question("link", lambda ctx: linking.consent_text(ctx.answers.get("_coach_name") or "your coach"),
             choice({linking.LINK: True, linking.NOT_NOW: False}, "an answer"),
             buttons=((linking.LINK, linking.NOT_NOW),), ask_if=lambda ctx: bool(ctx.answers.get("_invite")),
             show=lambda v: linking.LINK if v else linking.NOT_NOW),  # fmt: skip
    Question("site", "Which bone was injured? Pick the closest description.", site_code,
             buttons=tuple((label,) for label in SITES), label="Injured bone",
             show=lambda v: SITE_NAMES[Site(v)]),  # fmt: skip
    Question("diagnosed", lambda ctx: (texts.NOT_SURE_SITE + "\n\n" if ctx.answers.get("site") == "other" else "")
             + "When was it diagnosed? Pick one or type a date (e.g. 2026-03-01).", _diagnosed,
             buttons=(("This week", "2 weeks ago"), ("4 weeks ago", "6 weeks ago"),
                      ("8 weeks ago", "12+ weeks ago")), label="Diagnosed"),  # fmt: skip
    Question("stage", "Where are you now?", choice(STAGES, "where you are now"),
             buttons=tuple((label,) for label in STAGES), label="Where you are now",
             show=lambda v: next(k for k, s in STAGES.items() if s == v)),  # fmt: skip
    Question("walking_cleared", "Has your clinician said you can walk for exercise?",
             yes_no, buttons=YES_NO, label="Walking cleared", show=show_yes_no),  # fmt: skip
    Question("running_cleared", _running_prompt, yes_no, buttons=YES_NO,
             ask_if=lambda ctx: bool(ctx.answers.get("walking_cleared")),
             label="Running cleared", show=show_yes_no),  # fmt: skip
    Question("weight_kg", "Your body weight? Type it in kg or lb, e.g. 62 kg or 137 lb.\n"
             "(Used for your protein target.)", weight_kg,
             label="Weight", show=lambda v: f"{v:g} kg"),  # fmt: skip
    Question("age", "How old are you?", _age, label="Age"),
    Question("sex", "Sex (optional): it sets your calcium target and whether I ask about periods "
             "— missed periods can mean the body is short of energy, which slows bone healing.",
             choice(SEXES, "an answer"), buttons=(("Female", "Male"), ("Prefer not to say",)),
             label="Sex", show=lambda v: v or "not given"),  # fmt: skip
    Question("pre_injury", "Before the injury, how much did you run in a typical week? "
             "Pick one or type minutes, hours, km or miles (e.g. 30 km).",
             weekly,
             buttons=(("1 h", "2 h", "3 h"), ("4 h", "5 h", "6 h+")),
             label="Running before", show=lambda v: f"{v} min a week"),  # fmt: skip
    Question("has_alterg", "Do you have access to an anti-gravity treadmill (AlterG)?",
             yes_no, buttons=YES_NO, label="AlterG", show=show_yes_no),  # fmt: skip
    Question("tz", "Which time zone are you in? Type your city (e.g. Berlin) or pick one.",
             time_zone, buttons=ZONES, label="Time zone"),  # fmt: skip
    Question("tz_ok", _tz_confirm_prompt, tz_confirmed, buttons=TZ_OK, goto=lambda v, ctx: None if v else "tz",
             show=show_yes_no),  # fmt: skip
    Question("checkin_time", "When should I remind you to check in each morning? "
             "Pick one or type a time (e.g. 7:15).", clock_time,
             buttons=TIMES, label="Check-in time"),  # fmt: skip
    Question("strength_days", "Strength work runs beside the plan twice a week, on days "
             "without running. Which two days suit you?",
             _strength,
             buttons=(("Tue + Thu", "Tue + Sat"), ("Thu + Sat", "Sat + Sun")),
             label="Strength days", show=lambda v: " + ".join(d.capitalize() for d in v)),  # fmt: skip
    Question("summary", summary_text, choice({LOOKS_RIGHT: True, CHANGE: False}, "an answer"),
             buttons=((LOOKS_RIGHT,), (CHANGE,)), goto=lambda v, ctx: END if v else "fix",
             show=lambda v: LOOKS_RIGHT if v else CHANGE),  # fmt: skip
    Question("fix", "What would you like to change?",
             lambda text, ctx: choice(_fix_options(ctx), "what to change")(text),
             buttons=lambda ctx: tuple((label,) for label in _fix_options(ctx)),
             goto=_fix_goto),  # fmt: skip
)


def build_profile(ctx: FormContext) -> Profile:
    a = ctx.answers
    # A runner cannot clear themself at a high-risk site (§1): the coach sets it.
    running = bool(a.get("running_cleared")) and not _high_risk(ctx)
    return Profile(
        site=a["site"],
        sex=a.get("sex"),
        age=a["age"],
        weight_kg=a["weight_kg"],
        pre_injury_weekly_minutes=a["pre_injury"],
        has_alterg=a["has_alterg"],
        walking_cleared=bool(a.get("walking_cleared")),
        running_cleared=running,
        start_stage=a["stage"],
        start_date=ctx.today,
        strength_days=tuple(a["strength_days"]),
        diagnosed_on=a["diagnosed"],
    )


def _save(db, user_id: int, profile: Profile, tz: str, checkin_time: str,
          reported: tuple[str, ...] = (), at: dt.datetime | None = None) -> None:  # fmt: skip
    with db.atomic():
        update_profile(db, user_id, profile)
        for kind in reported:  # what the runner says their clinician cleared, for the coach
            report_clearance(db, user_id, kind, at)
        set_tz(db, user_id, tz)
        set_checkin_time(db, user_id, checkin_time)
        clear_draft(db, user_id)


async def finish(ctx: FormContext, chat: Chat, store: Store) -> str | None:
    """Save the profile (or forget a "No thanks"); the first check-in follows."""
    if not ctx.answers.get("consent"):
        # nothing about a person who said no thanks is kept (the /start row, the draft)
        await store.run(_forget, ctx.user_id)
        await chat.send(texts.DECLINED)
        return None
    zone = ctx.answers["tz"]
    today = ctx.now.astimezone(zone_of(zone)).date()
    ctx = FormContext(ctx.user_id, ctx.chat_id, ctx.first_name, today, ctx.now, ctx.answers)
    profile = build_profile(ctx)
    reported = tuple(k for k in ("walking", "running") if ctx.answers.get(f"{k}_cleared"))
    await store.run(_save, ctx.user_id, profile, zone, ctx.answers["checkin_time"], reported, ctx.now)
    await chat.send(texts.onboarded(profile))
    if ctx.answers.get("_invite") and ctx.answers.get("link"):
        text = await store.run(linking.accept, ctx.user_id, ctx.chat_id, ctx.first_name,
                               ctx.answers["_invite"])  # fmt: skip
        await chat.send(text)
        chat.wake_outbox()
    return "checkin"  # the form runner opens it


def _forget(db, user_id: int) -> None:
    """After "No thanks": no row about the person stays, unless they are a coach too."""
    from storage import delete_runner, get_coach

    with db.atomic():
        clear_draft(db, user_id)
        runner = get_runner(db, user_id)
        if runner is not None and runner.profile is None and get_coach(db, user_id) is None:
            delete_runner(db, user_id)


FORM = register(Form("onboarding", QUESTIONS, finish))
