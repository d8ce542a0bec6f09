"""Words outside a form: a message about pain or injury gets a calm answer with a check-in
button and when to see a clinician at once; anything else a short reply with the main
commands as buttons."""

import re

from dialogs.callbacks import CheckinOffer, Menu, build

PAIN_WORDS = re.compile(
    r"\b(pain|painful|hurts?|hurting|ache|aches|aching|sore|soreness|injur\w*|sprain\w*|"
    r"swell\w*|swollen|tender|limp\w*|throb\w*|fractur\w*|crack\w*|shin|bone|ankle|foot|"
    r"heel|hip|groin|knee|stress reaction)\b",
    re.IGNORECASE,
)
PAIN_REPLY = (
    "Thank you for telling me. I can't examine you, but I can help you decide today safely.\n\n"
    "Please see a clinician at once — and do not run or walk for exercise — if the bone hurts "
    "at night, hurts at rest, or you are limping. Groin or front-of-hip pain when you stand "
    "on the leg needs a same-day check.\n\n"
    "Otherwise, a check-in now tells me exactly how the bone is and adjusts today's plan."
)
OTHER_REPLY = "I work best with buttons and commands — /help lists them all. The main ones:"
CHECK_IN_NOW = ("Check in now", build(CheckinOffer("start")))
TODAYS_PLAN = ("Today's plan", build(CheckinOffer("today")))
PAIN_KEYBOARD = [[CHECK_IN_NOW], [TODAYS_PLAN]]
MENU_KEYBOARD = [[CHECK_IN_NOW, TODAYS_PLAN],
                 [("My week", build(Menu("plan"))), ("Settings", build(Menu("settings")))],
                 [("Help", build(Menu("help")))]]  # fmt: skip


def about_pain(text: str) -> bool:
    return bool(PAIN_WORDS.search(text or ""))


def answer(text: str) -> tuple[str, list]:
    if about_pain(text):
        return PAIN_REPLY, PAIN_KEYBOARD
    return OTHER_REPLY, MENU_KEYBOARD
