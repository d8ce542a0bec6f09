"""Stateful fuzzing of whole chats: two runners and a coach talk to the real bot at once.

A hypothesis ``RuleBasedStateMachine`` starts a fresh sandbox Bot API server, a fresh SQLite
file and the real PTB application (polling the sandbox over HTTP) for every example, all on
one private event loop (``asyncio.Runner``) that each rule drives to completion. Its rules
send random text of every kind, every command with random arguments, stickers, photos, voice,
locations and documents; press the buttons on show, stale buttons (including ones an edit has
removed) and forged callback data; fill in whole forms (onboarding, check-in, settings) with
valid answers so the chats reach deep states (stops, coach alerts, corrections); sign up a
coach, revoke codes and link runners with real, revoked and random codes; have the three
users write at the same moment, one user send a burst before the bot answers, a button be
double-tapped; and move the bot's clock (then run the minute tick, so reminders, nudges,
alert resends and weekly summaries go out through the outbox).

After every step, with the bot settled (all updates fetched and handled, outbox empty;
no fixed sleeps), it checks:

1. no exception reached PTB's error handlers, nothing was logged at ERROR, the apology
   "Sorry — something went wrong" never appears, and the bot keeps answering;
2. every message a user sent (text, command, sticker, photo …) got at least one reply, and
   every button press got its callback query answered;
3. the database stays valid: every check-in and decision row parses back into the pydantic
   models (and through ``storage.history``), check-ins and decisions come in pairs, no runner
   has two check-ins for one date, profiles and events parse, drafts are JSON objects of a
   known form and question; after a live "Delete everything" (pressed within 10 minutes)
   no row about the runner remains;
   a revoked invite code links nobody.

Size: by default 20 machine runs of up to 40 steps (form filling stops after 6 exchanges per
step on average), about 30–40 s on a laptop. Benchmark option — run it larger with
``FUZZ_EXAMPLES`` (machine runs) and ``FUZZ_STEPS`` (steps per run); 300 × 60 takes about
10–15 minutes, and ``--hypothesis-show-statistics`` shows how often each deep state was
reached::

    FUZZ_EXAMPLES=300 FUZZ_STEPS=60 .venv/bin/python -m pytest tests/fuzz -q \
        --hypothesis-show-statistics

Bugs it found have small reproductions in tests/fuzz/test_fuzz_found_bugs.py (fixed; they
stay as regression tests). A bug found and not yet fixed gets an ``xfail(strict=True)`` reproduction
and a case in ``known_bug()``, so the state machine keeps looking for new ones.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from bot.sandbox import SandboxUser
from tests.fuzz.live import database_problems
from tests.fuzz.machine import (
    COACH,
    EXAMPLES,
    EXCHANGES,
    PEOPLE,
    RUNNERS,
    STEPS,
    ChatsBase,
    _callback_buttons,
)
from tests.fuzz.strategies import (
    COACH_LINES,
    COMMAND_LINES,
    DELTAS,
    FORGED,
    GOOD_WORDS,
    MEDIA,
    NAMES,
    TEXTS,
)

# stateful fuzzing of whole chats (tens of seconds)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


class ChatFuzz(ChatsBase):
    """Two runners and a coach, each in a private chat with one real bot."""

    # --- rules ----------------------------------------------------------------------------

    @initialize(names=st.tuples(NAMES, NAMES, NAMES), warm=st.booleans(), data=st.data())
    def meet(self, names, warm, data):
        """Create the three chats; half the runs start warm: the coach signed up, the runners
        onboarded (validly, with random choices) and the first one linked."""
        for user_id, name in zip(PEOPLE, names, strict=True):
            self.live.sandbox.user(user_id, first_name=name)
        if not warm:
            return

        async def warm_up():
            await self._say(COACH, "/coach")
            for runner in RUNNERS:
                await self._fill_in(runner, "/start", data, green=runner == RUNNERS[0])
            if self.codes:  # the runner is asked first (consent), then links
                await self._say(RUNNERS[0], f"/coach {self.codes[-1]}")
                ask = self.user(RUNNERS[0]).messages[-1]
                if "Link" in ask.button_data:
                    await self._press(RUNNERS[0], ask.button_data["Link"], ask, "Link")

        self.run(warm_up())

    @rule(who=st.sampled_from(PEOPLE), text=TEXTS)
    def send_text(self, who, text):
        self.run(self._say(who, text))

    @rule(who=st.sampled_from(PEOPLE), line=COMMAND_LINES)
    def send_command(self, who, line):
        self.run(self._say(who, line))

    @rule(line=COACH_LINES)
    def coach_command(self, line):
        self.run(self._say(COACH, line))

    @rule(who=st.sampled_from(PEOPLE), kind=st.sampled_from(MEDIA), caption=st.text(max_size=20))
    def send_media(self, who, kind, caption):
        async def send(user: SandboxUser):
            if kind == "sticker":
                await user.send_sticker()
            elif kind == "photo":
                await user.send_photo()
            elif kind == "photo_caption":
                await user.send_photo(caption=caption or "7")
            elif kind == "voice":
                await user.send_voice()
            elif kind == "location":
                await user.send_location()
            elif kind == "document":
                await user.send_document(b"a,b\n1,2\n", "data.csv", "text/csv")
            else:
                await user.send_raw(contact={"phone_number": "+10000000000", "first_name": "X"})

        note(f"{who} sends a {kind}")
        self.run(self._expect_reply(who, kind, send))

    @precondition(lambda self: self._latest_buttons())
    @rule(data=st.data())
    def press_shown(self, data):
        """Press a button of the newest message with buttons in some chat."""
        uid, message, label, callback = data.draw(st.sampled_from(self._latest_buttons()), label="button")
        self.run(self._press(uid, callback, message, label))

    @precondition(lambda self: self._with_buttons(old=False) or self._with_buttons(old=True))
    @rule(data=st.data())
    def press_stale(self, data):
        """Press any button of any message, including ones an edit has since removed."""
        pool = self._with_buttons(old=True) + self._with_buttons(old=False)
        uid, message, label, callback = data.draw(st.sampled_from(pool), label="button")
        self.run(self._press(uid, callback, message, label))

    @precondition(lambda self: any(self.user(uid).last for uid in PEOPLE))
    @rule(data=st.data(), callback=FORGED)
    def press_forged(self, data, callback):
        """Forged callback data on one of the user's messages."""
        uid = data.draw(st.sampled_from([u for u in PEOPLE if self.user(u).last]), label="who")
        messages = self.user(uid).messages
        message = data.draw(st.sampled_from(messages[::-1]), label="message")
        self.run(self._press(uid, callback, message, "<forged>"))

    @precondition(lambda self: any(self._good_moves(uid) for uid in PEOPLE))
    @rule(data=st.data())
    def answer_well(self, data):
        """A valid answer (button or typed) to an open form question."""
        uid = data.draw(st.sampled_from([u for u in PEOPLE if self._good_moves(u)]), label="who")
        self.run(self._move(uid, data))

    @rule(who=st.sampled_from(PEOPLE), opener=st.sampled_from(("/settings", None)), data=st.data(),
          most=st.one_of(st.just(40), st.integers(0, 6)))  # fmt: skip
    def complete_form(self, who, opener, data, most):
        self.run(self._fill_in(who, opener, data, most=most))

    @rule(who=st.sampled_from(RUNNERS), data=st.data(), green=st.booleans())
    def onboard(self, who, data, green):
        """/start and valid answers: onboarding, then the first check-in."""
        self.run(self._fill_in(who, "/start", data, green))

    @rule(who=st.sampled_from(RUNNERS), days=st.integers(1, 3), data=st.data())
    def green_days(self, who, days, data):
        """Day after day: the next morning comes (07:00 in Berlin), then a green check-in."""

        async def go():
            for _ in range(days):
                if self.exchanges >= EXCHANGES:
                    return
                now = self.live.clock.now + dt.timedelta(days=1)
                self.live.clock.now = now.replace(hour=6, minute=0)
                note(f"clock → {self.live.clock.now}")
                await self._tick()
                await self._fill_in(who, "/checkin", data, green=True)

        self.run(go())

    @rule(who=st.sampled_from(RUNNERS), data=st.data(), green=st.booleans(),
          most=st.one_of(st.just(40), st.integers(0, 6)))  # fmt: skip
    def check_in(self, who, data, green, most):
        """Today's check-in: all green (so the plan moves up over the days) or mixed."""
        self.run(self._fill_in(who, "/checkin", data, green, most))

    @rule(who=st.sampled_from(PEOPLE), confirm=st.booleans())
    def delete_data(self, who, confirm):
        """/delete, then "Delete everything" or "Keep my data"."""

        async def go():
            await self._say(who, "/delete")
            message = self.user(who).last
            buttons = dict(_callback_buttons(message)) if message else {}
            label = "Delete everything" if confirm else "Keep my data"
            if label in buttons:
                before = len(self.user(who).messages)
                await self._press(who, buttons[label], message, label)
                said = " ".join(m.text or "" for m in self.user(who).messages[before:])
                if "everything about you is deleted" in said:  # a coach's account goes too
                    self.revoked |= {c for c in self.codes if self.code_owner.get(c) == who}

        self.run(go())

    @precondition(lambda self: self._alert_buttons())
    @rule(data=st.data())
    def coach_answers_alert(self, data):
        """The coach presses Seen / Resume plan / Keep on hold on an alert."""
        message, label, callback = data.draw(st.sampled_from(self._alert_buttons()), label="button")
        self.run(self._press(COACH, callback, message, label))

    @rule(lines=st.tuples(*[st.one_of(TEXTS, COMMAND_LINES)] * len(PEOPLE)))
    def all_at_once(self, lines):
        """The three users send a message at the same moment."""
        self.run(self._expect_replies([self._text_plan(uid, line) for uid, line in zip(PEOPLE, lines, strict=True)]))

    @rule(who=st.sampled_from(PEOPLE), lines=st.lists(st.one_of(TEXTS, COMMAND_LINES, st.sampled_from(GOOD_WORDS)),
                                                     min_size=2, max_size=4))  # fmt: skip
    def burst(self, who, lines):
        """One user sends several messages quickly, before the bot answers the first."""
        self.run(self._expect_replies([self._text_plan(who, line) for line in lines]))

    @precondition(lambda self: self._latest_buttons())
    @rule(data=st.data(), times=st.integers(2, 3))
    def double_tap(self, data, times):
        """A button pressed two or three times in quick succession."""
        uid, message, label, callback = data.draw(st.sampled_from(self._latest_buttons()), label="button")
        self.run(self._press_all([(uid, callback, message, label)] * times))

    @rule(who=st.sampled_from((COACH, COACH, COACH, *RUNNERS)), revoke=st.booleans())
    def coach_signup(self, who, revoke):
        """/coach (sign up, see the invite) or /coach revoke (a new code)."""
        self.run(self._say(who, "/coach revoke" if revoke else "/coach"))

    @precondition(lambda self: self.codes)
    @rule(who=st.sampled_from(PEOPLE), data=st.data())
    def link(self, who, data):
        code = data.draw(st.sampled_from(self.codes[::-1]), label="code")
        line = data.draw(st.sampled_from((f"/start c_{code}", f"/coach {code}", f"/coach  {code} ")))
        before = len(self.user(who).messages)
        self.run(self._say(who, line))
        said = " ".join(m.text or "" for m in self.user(who).messages[before:])
        if code in self.revoked:
            expected = "does not work"  # a revoked code links nobody (docs/DESIGN.md privacy)
        elif self.code_owner[code] == who:
            expected = "your own coach code"
        else:  # consent first: asked, or already linked, or asked after onboarding's consent
            expected = ("Link to coach", "linked to", "Hi! I'm stridecoach", "continue where we left off")
        expected = (expected,) if isinstance(expected, str) else expected
        assert any(e in said for e in expected), f"linking with {code!r} ({line!r}): expected {expected!r}, got {said!r}"

    @rule(delta=DELTAS)
    def advance_clock(self, delta):
        note(f"clock +{delta}")
        self.live.clock.advance(seconds=delta.total_seconds())
        self.run(self._tick())

    @rule(hour=st.integers(0, 23))
    def next_day_at(self, hour):
        """Jump to the next day at a UTC hour (07:00 Berlin is 06:00 UTC), then tick."""

        now = self.live.clock.now + dt.timedelta(days=1)
        self.live.clock.now = now.replace(hour=hour, minute=0)
        note(f"clock → {self.live.clock.now}")
        self.run(self._tick())

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def nothing_went_wrong(self):
        live = self.live
        assert not live.errors, f"invariant 1: error handler reached: {live.errors}\n{self.transcripts()}"
        assert not live.logged.records, f"invariant 1: logged at ERROR: {live.logged.records}"
        self._scan()
        assert not self.apologies, f"invariant 1: the bot apologised: {self.apologies}\n{self.transcripts()}"

    @invariant()
    def database_is_valid(self):
        problems = self.run(self.live.store.run(database_problems))
        assert not problems, "invariant 3:\n" + "\n".join(problems)


TestFuzzChats = ChatFuzz.TestCase
TestFuzzChats.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
