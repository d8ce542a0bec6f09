"""The check-in's questions as data (PROTOCOL.md §3): every bone sign in one "All clear"
answer (or one by one), yesterday's session in one answer, soreness, sleep, calcium, protein
and the weekly questions; after a stop, each offers "Finish here"."""

import dataclasses

from dialogs.forms import FormContext, Question, show_yes_no
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
from dialogs.runner import END
from dialogs.stop import STOPPED
from protocols.words import short_name

PAIN_GRID = (("0", "1", "2", "3", "4", "5"), ("6", "7", "8", "9", "10"))
NO_YES = (("No", "Yes"),)
SORENESS = {"none": 0.0, "a few hours": 4.0, "under 24 h": 12.0, "24 h or more": 24.0,
            "2 days or more": 48.0}  # fmt: skip
KIND_WORDS = {"walk": "walk", "readiness": "readiness tests", "alterg": "AlterG session",
              "run_walk": "run/walk", "run": "run"}  # fmt: skip
SKIP = "Skip"


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
    return lambda text: whole_number(text, 0, 10, what)


def _bones(text: str) -> bool:
    t = clean(text)
    if t in (clean(ALL_CLEAR), "all clear", "clear", "yes", "all good", "fine"):
        return True
    if t in (clean(NOT_RIGHT), "no", "not right", "something"):
        return False
    raise Invalid(f"Please answer with a button: {ALL_CLEAR} or {NOT_RIGHT}.")


def _session(text: str) -> str:
    for label, value in SESSION.items():
        if clean(label).removeprefix("✅ ") == clean(text).removeprefix("✅ "):
            return value
    value = SESSION_TYPED.get(clean(text))
    if value is None:
        raise Invalid("Please answer with a button: done, part of it, or skipped.")
    return value


def _soreness(text: str) -> float:
    preset = SORENESS.get(clean(text))
    return preset if preset is not None else hours(text, 0, 240, "soreness")


def _sleep(text: str) -> float:
    return 9.0 if clean(text) == "9+" else hours(text, 0, 24, "sleep")


def _calcium_echo(text: str, value: float) -> str:
    return understood(*calcium(text), "mg", "serving")


def _protein_echo(text: str, value: float) -> str:
    return understood(*protein(text), "g", "portion")


def _optional(parse):
    def wrapped(text: str):
        return None if clean(text) == SKIP.lower() else parse(text)

    return wrapped


def _cycles(text: str) -> int:
    return whole_number(text.strip().removesuffix("+"), 0, 24, "missed periods")  # "3+" is a button


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
    Question("night_pain", "Did bone pain wake you or keep you up last night?", yes_no,
             buttons=NO_YES, show=show_yes_no, ask_if=_one_by_one),  # fmt: skip
    Question("pain_morning", "Bone pain when you got up this morning?", _pain("morning pain"),
             buttons=PAIN_GRID, ask_if=_one_by_one),  # fmt: skip
    Question("tenderness", "Does pressing on the bone hurt at one spot?", yes_no,
             buttons=NO_YES, show=show_yes_no, ask_if=_one_by_one),  # fmt: skip
    Question("swelling", "Any new swelling where the injury is?", yes_no, buttons=NO_YES,
             show=show_yes_no, ask_if=_one_by_one),  # fmt: skip
    Question("limp", "Are you limping or changing your stride?", yes_no, buttons=NO_YES,
             show=show_yes_no, ask_if=_one_by_one),  # fmt: skip
    Question("hip_groin_pain", "Any pain in the groin or front of the hip when you stand or walk "
             "on the leg?", yes_no, buttons=NO_YES, show=show_yes_no, ask_if=_one_by_one),  # fmt: skip
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
             "more is mg, e.g. 1200.", calcium_mg,
             buttons=(("0", "1", "2"), ("3", "4", "5+")), show=lambda v: f"≈ {v:g} mg",
             echo=_calcium_echo),  # fmt: skip
    Question("protein_g", "Protein yesterday: palm-sized portions of meat, fish, eggs, tofu, or "
             f"a shake? (Each ≈ 25 g.) A number up to {SERVINGS_UP_TO} counts portions; more is "
             "grams, e.g. 100.", protein_g,
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
        return q.read(text, ctx)

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
