"""The chat fuzzer's machinery: the state machine's base with its helpers (sending,
pressing, answering forms validly, the minute tick) and the checks of invariant 2 made after
each exchange. The rules and invariants are in tests/fuzz/test_fuzz_chats.py."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from hypothesis import event, note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine

from bot.sandbox import BotMessage, SandboxUser
from bot.scheduler import run_tick
from dialogs.deleting import confirm_is_fresh
from dialogs.handlers import SORRY
from storage import RunnerRow, get_runner, load_draft
from tests.e2e.harness import GREEN, question_of
from tests.fuzz.live import LiveBot, _outbox_sent, _rows_about
from tests.fuzz.strategies import FORWARD, MILESTONES, TYPED

RUNNERS = (1001, 1002)
COACH = 2001
PEOPLE = (*RUNNERS, COACH)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
STEPS = int(os.environ.get("FUZZ_STEPS", "40"))
# Form-filling rules stop after this many exchanges with the bot in one run (a message or press
# and its answer each), which bounds the time a run takes; single-message rules go on.
EXCHANGES = 6 * STEPS
APOLOGY = SORRY.split(" on my side")[0]  # "Sorry — something went wrong"


def known_bug(callback_data: str, runner: RunnerRow | None, form_open: bool) -> str | None:
    """Which known, unfixed bug this press would trip over (the state machine skips those
    presses so that it keeps looking for new bugs). None today: the old-button, forged alert
    id and one-painful-day bugs it found are fixed and pinned by test_fuzz_found_bugs.py."""
    return None


def _last_paragraph(message: BotMessage | None) -> str:
    return ((message.text or "") if message else "").split("\n\n")[-1]


def _callback_buttons(message: BotMessage) -> list[tuple[str, str]]:
    return [(b.get("text", ""), b["callback_data"]) for row in message.inline_buttons for b in row
            if "callback_data" in b]  # fmt: skip


def _old_buttons(message: BotMessage) -> list[tuple[str, str]]:
    """Buttons of earlier versions of a message (an edit removed them)."""
    found = []
    for version in message.history:
        for row in (version.get("reply_markup") or {}).get("inline_keyboard", []):
            found.extend((b.get("text", ""), b["callback_data"]) for b in row if "callback_data" in b)
    return found


class ChatsBase(RuleBasedStateMachine):
    """Two runners and a coach, each in a private chat with one real bot: what the rules do
    with them."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory(prefix="stridecoach-fuzz-")
        self.loop = asyncio.Runner()
        self.live = LiveBot(Path(self.tmp.name) / "bot.db")
        self.codes: list[str] = []  # invite codes the bot has shown a coach
        self.code_owner: dict[str, int] = {}
        self.revoked: set[str] = set()  # codes replaced by /coach revoke
        self.scanned = dict.fromkeys(PEOPLE, 0)  # messages of each chat looked at so far
        self.apologies: list[str] = []
        self.exchanges = 0
        try:
            self.run(self.live.start())
        except BaseException:
            self.teardown()
            raise

    def run(self, coro: Awaitable):
        return self.loop.run(coro)

    def teardown(self) -> None:
        try:
            with contextlib.suppress(Exception):
                self.run(self.live.stop())
        finally:
            self.loop.close()
            self.tmp.cleanup()

    def user(self, user_id: int) -> SandboxUser:
        return self.live.user(user_id)

    def transcripts(self) -> str:
        return "\n".join(f"--- {self.user(uid)!r}\n{self.user(uid).transcript(last=10)}" for uid in PEOPLE)

    def _scan(self) -> None:
        """Look at the messages sent since the last scan, in every chat: note invite codes,
        apologies and the deep states reached."""
        for uid in PEOPLE:
            messages = self.user(uid).messages
            for message in messages[self.scanned[uid]:]:
                text = message.text or message.caption or ""
                if text.startswith(APOLOGY):
                    self.apologies.append(f"{uid}: {text}")
                for marker, what in MILESTONES:
                    if marker in text:
                        event(what)
                if text.startswith("Done: your coach account is deleted"):  # its codes die
                    self.revoked |= {c for c, o in self.code_owner.items() if o == uid}
                for code in re.findall(r"\?start=c_(\S+)", text):
                    if code not in self.codes:
                        self.codes.append(code)
                        self.code_owner[code] = uid
                    if text.startswith("The old code no longer works"):
                        self.revoked |= {c for c, o in self.code_owner.items() if o == uid and c != code}
            self.scanned[uid] = len(messages)

    async def _expect_replies(self, plan: list[tuple[int, str, Callable[[SandboxUser], Awaitable[object]]]]) -> None:
        """Send every message of `plan` ((user, what, send) …) at once, without waiting in
        between, then check invariant 2: each user got at least as many replies as messages
        sent (outbox messages to the chat that went out meanwhile are not replies)."""
        before, pushed_before = {}, {}
        for uid, _, _ in plan:
            before[uid] = len(self.user(uid).messages)
            pushed_before[uid] = await self.live.store.run(_outbox_sent, uid)
        for uid, _, send in plan:
            await send(self.user(uid))
        self.exchanges += 1
        await self.live.settle()
        self._scan()
        for uid in before:
            user = self.user(uid)
            pushed = max(0, await self.live.store.run(_outbox_sent, uid) - pushed_before[uid])
            sent = [what for who, what, _ in plan if who == uid]
            replies = len(user.messages) - before[uid] - pushed
            assert replies >= len(sent), (
                f"invariant 2: {replies} repl(ies) to {len(sent)} message(s) {sent} from {user!r}\n"
                f"{user.transcript(last=8)}"
            )

    async def _expect_reply(self, user_id: int, what: str,
                            action: Callable[[SandboxUser], Awaitable[object]]) -> None:  # fmt: skip
        await self._expect_replies([(user_id, what, action)])

    def _text_plan(self, user_id: int, text: str):
        note(f"{user_id} says {text[:80]!r}{'…' if len(text) > 80 else ''} ({len(text)} chars)")
        return user_id, f"text {text[:60]!r}", lambda u: u.send(text)

    async def _say(self, user_id: int, text: str) -> None:
        await self._expect_replies([self._text_plan(user_id, text)])

    async def _press(self, user_id: int, data: str, message: BotMessage, label: str = "") -> None:
        await self._press_all([(user_id, data, message, label)])

    async def _press_all(self, plan: list[tuple[int, str, BotMessage, str]]) -> None:
        """Press every button of `plan` ((user, data, message, label) …) at once; invariant 2:
        every press is answered (answerCallbackQuery)."""
        queries = []
        for user_id, data, message, label in plan:
            runner = await self.live.store.run(get_runner, user_id)
            form_open = await self.live.store.run(load_draft, user_id) is not None
            if bug := known_bug(data, runner, form_open):
                event(f"skipped, known bug: {bug}")
                continue
            note(f"{user_id} presses {label!r} data={data!r} on message {message.message_id}")
            queries.append((user_id, data, label, await self.user(user_id).press_data(data, message)))
        self.exchanges += 1
        await self.live.settle()
        self._scan()
        for user_id, data, label, query_id in queries:
            user = self.user(user_id)
            assert any(a.query_id == query_id for a in user.callback_answers), (
                f"invariant 2: button {label!r} ({data!r}) of {user!r} was never answered\n"
                f"{user.transcript(last=8)}"
            )
            if confirm_is_fresh(data, self.live.clock()):  # a live "Delete everything"
                left = await self.live.store.run(_rows_about, user_id)
                assert not left, f"invariant 3: after 'Delete everything' {user!r} still has rows {left}"

    def _good_moves(self, user_id: int) -> tuple[list, list] | None:
        """(forward moves, other moves) for the open form question of the user, if any."""
        message = self.user(user_id).last
        if message is None:
            return None
        buttons = [(label, data) for label, data in _callback_buttons(message) if data.startswith("f:")]
        paragraph = _last_paragraph(message)
        typed = [("type", text) for phrase, answers in TYPED if phrase in paragraph for text in answers]
        if not buttons and not typed:
            return None
        field = question_of(message)
        wanted = {GREEN[field]} if field in GREEN else FORWARD  # a check-in question: green
        forward = [("tap", label, data) for label, data in buttons if label in wanted]
        others = [("tap", label, data) for label, data in buttons] + typed
        return forward, others

    async def _move(self, user_id: int, data: st.DataObject, green: bool = False) -> bool:
        """One valid answer to the user's open question: a forward one (green check-in
        answers, "Looks right" …) always if `green`, else three times out of four."""
        moves = self._good_moves(user_id)
        if moves is None:
            return False
        forward, others = moves
        if forward and (green or data.draw(st.integers(0, 3), label="bias") < 3):
            pool = forward
        else:
            pool = others
        move = data.draw(st.sampled_from(pool), label="move")
        if move[0] == "tap":
            await self._press(user_id, move[2], self.user(user_id).last, move[1])
        else:
            await self._say(user_id, move[1])
        return True

    async def _fill_in(self, who: int, opener: str | None, data: st.DataObject,
                       green: bool = False, most: int = 40) -> None:  # fmt: skip
        """Open a form (or take the open one) and answer it validly, to the end or for at
        most `most` answers (a form left half done)."""
        if opener:
            await self._say(who, opener)
        for _ in range(most):
            if self.exchanges >= EXCHANGES or not await self._move(who, data, green):
                return

    def _with_buttons(self, old: bool) -> list[tuple[int, BotMessage, str, str]]:
        found = []
        for uid in PEOPLE:
            for message in self.user(uid).messages:
                buttons = _old_buttons(message) if old else _callback_buttons(message)
                found.extend((uid, message, label, data) for label, data in buttons)
        return found

    def _latest_buttons(self) -> list[tuple[int, BotMessage, str, str]]:
        found = []
        for uid in PEOPLE:
            shown = [m for m in self.user(uid).messages if _callback_buttons(m)]
            if shown:
                found.extend((uid, shown[-1], label, data) for label, data in _callback_buttons(shown[-1]))
        return found

    def _alert_buttons(self) -> list[tuple[BotMessage, str, str]]:
        return [(m, label, data) for m in self.user(COACH).messages
                for label, data in _callback_buttons(m) if data.startswith("a:")]  # fmt: skip

    async def _tick(self) -> None:
        """The minute tick, as the job queue would run it (an exception here is what would
        reach PTB's error handler from the job: invariant 1)."""
        await run_tick(self.live.app)
        await self.live.settle()
