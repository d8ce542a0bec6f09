"""Drive the real bot over HTTP through the sandbox, as runners and coaches would."""

import asyncio
import datetime as dt
import time
from dataclasses import dataclass

from bot.app import build_application, start, stop
from bot.sandbox import BotMessage, Sandbox, SandboxUser
from bot.services import services
from bot.settings import Settings

TOKEN = "123456:E2E-TEST-TOKEN"
TIMINGS: list[float] = []  # bot-side seconds per update, over every e2e test


class Clock:
    """A controllable clock for the bot: starts at a fixed UTC time, moves when told."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class BotUnderTest:
    sandbox: Sandbox
    db: str
    clock: Clock | None = None
    app: object = None

    async def start(self) -> None:
        settings = Settings(token=TOKEN, db=self.db, bot_api_url=self.sandbox.bot_api_url)
        self.app = build_application(settings, clock=self.clock)
        await start(self.app, poll_timeout=5)
        # the tests drive the minute tick themselves (bot.scheduler.run_tick) with their clock
        for job in self.app.job_queue.jobs():
            job.schedule_removal()

    async def stop(self) -> None:
        TIMINGS.extend(self.app.update_processor.durations)
        await stop(self.app)

    async def settle(self, timeout: float = 15) -> None:
        """Wait until the bot has nothing left to do: every update it was sent fetched and
        handled (its replies sent) and the outbox empty. Whatever the bot was going to send
        is then in the chats, so "nothing more came" is read at once, with no quiet window.

        Fetched means confirmed: PTB asks for the next updates (the offset that drops them
        from the sandbox) only after queueing the last ones, and marks a queued update done
        after its handler ends."""
        world, sender = self.sandbox.world, services(self.app).outbox
        try:
            async with asyncio.timeout(timeout):
                while True:
                    await world.updates_changed.wait_until(lambda: not world.updates, None)
                    await self.app.update_queue.join()
                    drained = await sender.drain(timeout)
                    if drained and not world.updates and self.app.update_queue.empty():
                        return
        except TimeoutError:
            raise TimeoutError(
                f"the bot did not settle within {timeout}s: {len(world.updates)} update(s) not "
                f"fetched, {self.app.update_processor.active} in hand, outbox {sender.health()}"
            ) from None


async def reply(user: SandboxUser, text: str, timeout: float = 15) -> BotMessage:
    """Send text and return the bot's next message."""
    await user.send(text)
    return await user.wait_for_message(timeout)


async def tap(user: SandboxUser, label: str, timeout: float = 15) -> BotMessage:
    """Press a button on the latest message that has it; return the bot's answer: its next
    message, or the pressed message turned into the next question."""
    latest = next(m for m in reversed(user.messages) if label in [b for row in m.buttons for b in row])
    return await user.press_for_reply(label, latest, timeout)


ONBOARDING = (
    ("tap", "I agree — let's start"),
    ("tap", "Shin — inner edge"),
    ("tap", "4 weeks ago"),
    ("tap", "Walking without pain"),
    ("tap", "Yes"),  # walking cleared
    ("tap", "Yes"),  # running cleared
    ("type", "62 kg"),
    ("type", "29"),
    ("tap", "Female"),
    ("tap", "3 h"),
    ("tap", "No"),  # AlterG
    ("tap", "Europe/Berlin"),
    ("tap", "Yes"),  # zone confirmed
    ("tap", "07:00"),
    ("tap", "Tue + Thu"),
    ("tap", "✅ Looks right"),
)

GREEN_FIRST_CHECKIN = (
    ("tap", "✅ All clear"),  # every bone sign by name, in one answer
    ("tap", "8"),  # sleep
    ("tap", "3"),  # calcium servings
    ("tap", "4"),  # protein portions
)


async def play(user: SandboxUser, steps, timeout: float = 15) -> BotMessage:
    """Answer a list of ("tap", label) / ("type", text) steps; return the last bot message."""
    message = None
    for kind, value in steps:
        message = await (tap(user, value, timeout) if kind == "tap" else reply(user, value, timeout))
    return message


def perf() -> float:
    return time.perf_counter()


# Which check-in question a prompt is, by a phrase in it.
PROMPTS = (
    ("Bone check this morning", "bones"),
    ("at rest or walking around?", "pain_rest"),
    ("wake you", "night_pain"),
    ("Yesterday's session", "session"),
    ("during that session", "pain_session"),
    ("got up this morning", "pain_morning"),
    ("muscle soreness", "soreness_hours"),
    ("pressing on the bone", "tenderness"),
    ("Any new swelling", "swelling"),
    ("limping", "limp"),
    ("Any pain in the groin", "hip_groin_pain"),
    ("hours did you sleep", "sleep_hours"),
    ("Calcium yesterday", "calcium_mg"),
    ("Protein yesterday", "protein_g"),
    ("body weight today", "weight_kg"),
    ("periods in a row", "missed_cycles"),
)
ALL_CLEAR, NOT_RIGHT = "✅ All clear", "Something's not right"
BONE_GREEN = {"pain_rest": "0", "night_pain": "No", "pain_morning": "0", "tenderness": "No",
              "swelling": "No", "limp": "No", "hip_groin_pain": "No"}  # fmt: skip
GREEN = {
    "bones": ALL_CLEAR, **BONE_GREEN, "session": "✅ Done, no bone pain", "pain_session": "0",
    "soreness_hours": "A few hours", "sleep_hours": "8", "calcium_mg": "3",
    "protein_g": "4", "weight_kg": "Skip", "missed_cycles": "0",
}  # fmt: skip


def session_label(done: str = "Yes, all of it", pain: str = "0") -> str:
    """The one session answer for (done in full / part / not, bone pain during it)."""
    if done in ("No", "Skipped it"):
        return "Skipped it"
    full = done.startswith("Yes") or done.startswith("Done") or done == "full"
    some = pain not in ("0", "type:0")
    if full:
        return "Done, some bone pain" if some else "✅ Done, no bone pain"
    return "Part of it, some bone pain" if some else "Part of it, no bone pain"


def question_of(message: BotMessage) -> str | None:
    """The check-in field a message asks for: its last paragraph is the question."""
    text = (message.text or "").split("\n\n")[-1]
    return next((field for phrase, field in PROMPTS if phrase in text), None)


async def answer_checkin(user: SandboxUser, first: BotMessage, **answers: str) -> tuple[BotMessage, list[str]]:
    """Answer check-in questions from `first` on (green unless given; "type:…" is typed);
    return the bot's reply after the last question and the fields that were asked.

    Bone fields given non-green answer "Something's not right" and then one by one;
    `session_done` and `pain_session` (old style) become the one session answer."""
    values = {**GREEN, **answers}
    if "bones" not in answers and any(answers.get(f, v) != v for f, v in BONE_GREEN.items()):
        values["bones"] = NOT_RIGHT
    if "session" not in answers and ("session_done" in answers or "pain_session" in answers):
        values["session"] = session_label(answers.get("session_done", "Yes, all of it"),
                                          answers.get("pain_session", "0"))  # fmt: skip
    message, asked = first, []
    while True:
        field_name = question_of(message)
        if field_name is None and is_early_stop(message):
            # a red flag stopped the check-in at once; the rest is optional: answer it
            message = await user.wait_for_message(timeout=15)
            continue
        if field_name is None:
            break
        asked.append(field_name)
        value = values[field_name]
        if value.startswith("type:"):
            message = await reply(user, value.removeprefix("type:"))
        else:
            message = await user.press_for_reply(value, message, timeout=15)
    return message, asked


def is_early_stop(message: BotMessage) -> bool:
    """The stop sent at the first red-flag answer, before the optional rest of the check-in."""
    return (message.text or "").startswith("🛑") and "tap Finish here" in (message.text or "")


def early_stop(user: SandboxUser) -> BotMessage | None:
    """The latest early stop the user received."""
    return next((m for m in reversed(user.messages) if is_early_stop(m)), None)


def taps_of(asked: list[str]) -> int:
    """Button presses a check-in took (each question asked is one answer)."""
    return len(asked)


def onboarding_steps(**changes: str) -> list[tuple[str, str]]:
    """ONBOARDING with some answers replaced, keyed by the default label or text."""
    return [(kind, changes.get(value, value)) for kind, value in ONBOARDING]
