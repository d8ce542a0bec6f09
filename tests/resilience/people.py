"""The people of the resilience workload: check-in runners who answer by buttons and typing and
send again when the bot is silent, and the coach who presses "Seen" and puts runners on hold;
each keeps a log of what the bot acknowledged."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import partial

from bot.sandbox import BotMessage, ButtonNotFound, SandboxUser
from dialogs.handlers import SORRY
from tests.e2e.harness import question_of
from tests.resilience.cast import ALREADY, ORDER, SEEN_TOAST, THINK, Plan


def is_decision(text: str) -> bool:
    """The reply to a finished check-in (or "Show today's plan"): it has a Next paragraph
    (milestones and a way out may follow it)."""
    return any(part.startswith("Next: ") for part in text.split("\n\n"))


def shown(user: SandboxUser, first: int) -> tuple[int, int]:
    """What the bot has shown `user` since message `first`: messages, and edits of them."""
    messages = user.messages[first:]
    return len(messages), sum(len(m.history) for m in messages)


def moved(user: SandboxUser, first: int, state: tuple[int, int]) -> bool:
    return shown(user, first) != state


def field_index(message: BotMessage) -> int | None:
    name = question_of(message)
    return None if name is None else ORDER.index(name)


@dataclass
class CheckinLog:
    plan: Plan
    answered: Counter[str] = field(default_factory=Counter)  # answers sent, per question
    acked: set[str] = field(default_factory=set)  # answers the bot moved on from
    regressions: list[str] = field(default_factory=list)  # asked again after moving on
    resends: int = 0
    done: bool = False
    error: str | None = None


class Runner:
    """A runner doing today's check-in as a person would, against a bot that may vanish."""

    def __init__(self, user: SandboxUser, plan: Plan, patience: float, rng: random.Random):
        self.user, self.plan, self.patience, self.rng = user, plan, patience, rng
        self.log = CheckinLog(plan)

    async def check_in(self, deadline: float) -> CheckinLog:
        user, log = self.user, self.log
        loop = asyncio.get_running_loop()
        first = len(user.messages)
        seen: dict[int, int] = {}  # message id → versions observed (a form edits its question)
        acted: set[tuple[int, str | None]] = set()  # (message id, question) answered
        retried: set[tuple[int, str | None]] = set()  # … answered twice
        last: tuple[str, BotMessage] | None = None  # the latest answer and the question it was for
        sorry = False
        await user.send("/checkin")
        since = loop.time()
        while True:
            for message in user.messages[first:]:
                versions = len(message.history) + 1
                if seen.get(message.message_id) != versions:
                    seen[message.message_id] = versions
                    sorry |= self._observe(message)
            state = shown(user, first)
            if log.done:
                return log
            if loop.time() > deadline:
                raise TimeoutError(
                    f"{user!r} did not finish the check-in:\n{user.transcript(last=12)}"
                )
            target = self._target(user.messages[first:])
            if target is not None and (target.message_id, question_of(target)) not in acted:
                asked = question_of(target)
                await asyncio.sleep(self.rng.uniform(*THINK))
                # answered meanwhile (an earlier answer got through), or moved on in place
                if not target.buttons or question_of(target) != asked:
                    continue
                acted.add((target.message_id, asked))
                last = await self._answer(target)
                since, sorry = loop.time(), False
                continue
            left = since + self.patience - loop.time()
            if left > 0 and not sorry:
                await user.chat.changed.wait_until(
                    partial(moved, user, first, state), min(left, 1.0)
                )
                continue
            # no reply: answer again if the question is still shown, else ask where we are
            log.resends += 1
            key = (last[1].message_id, last[0]) if last is not None else None
            if (last is not None and last[1].buttons and question_of(last[1]) == last[0]
                    and key not in retried):  # fmt: skip
                retried.add(key)
                await self._send(last[0], last[1])
            else:
                await user.send("/checkin")
            since, sorry = loop.time(), False

    def _observe(self, message: BotMessage) -> bool:
        """Note what a new or edited bot message acknowledges; True for "sorry, something went
        wrong"."""
        text = message.text or ""
        if text.startswith(SORRY):
            return True
        if is_decision(text):
            self.log.acked.update(self.log.answered)
            self.log.done = True
            return False
        index = field_index(message)
        if index is None or not message.buttons:  # no buttons: an answered question (its
            return False  # "✓ answer" edit may land after the next question), not an ask
        acked = [ORDER.index(name) for name in self.log.acked]
        if acked and index <= max(acked):  # the bot forgot an answer it had moved on from
            self.log.regressions.append(ORDER[index])
        # the bot saves the draft before it asks: every earlier answer is in it now
        self.log.acked.update(name for name in self.log.answered if ORDER.index(name) < index)
        return False

    @staticmethod
    def _target(messages: list[BotMessage]) -> BotMessage | None:
        """What to answer: the "already checked in" offer, else the open question furthest on."""
        already = [m for m in messages if (m.text or "").startswith(ALREADY)]
        if already:
            return already[-1]
        indexed = [(field_index(m), m) for m in messages]
        furthest = max((i for i, _ in indexed if i is not None), default=None)
        open_ = [m for i, m in indexed if i is not None and i == furthest and m.buttons]
        return open_[-1] if open_ else None

    async def _answer(self, target: BotMessage) -> tuple[str, BotMessage] | None:
        if (target.text or "").startswith(ALREADY):
            with contextlib.suppress(ButtonNotFound):
                await self.user.press("Show today's plan", target)
            return None
        name = question_of(target)
        await self._send(name, target)
        return name, target

    async def _send(self, name: str, target: BotMessage) -> None:
        value = self.plan.answers[name]
        self.log.answered[name] += 1
        if value.startswith("type:"):
            await self.user.send(value.removeprefix("type:"))
        else:
            with contextlib.suppress(ButtonNotFound):  # edited away just now
                await self.user.press(value, target)


@dataclass
class CoachLog:
    seen_acked: set[int] = field(default_factory=set)  # runner ids whose alert is marked seen
    holds_acked: set[int] = field(default_factory=set)
    resends: int = 0


class Coach:
    """Presses "Seen" on each urgent alert and sends /hold <n>, again if no answer comes."""

    def __init__(
        self, user: SandboxUser, plans: list[Plan], numbers: dict[int, int], patience: float
    ):
        self.user, self.numbers, self.patience = user, numbers, patience
        self.by_name = {p.name: p.user_id for p in plans}
        self.log = CoachLog()

    def alerts(self) -> dict[int, BotMessage]:
        """The first urgent alert per runner."""
        found: dict[int, BotMessage] = {}
        for message in self.user.messages:
            text = message.text or ""
            if text.startswith("🚨 Urgent: "):
                name = text.removeprefix("🚨 Urgent: ").split(" (")[0]
                found.setdefault(self.by_name.get(name, 0), message)
        return found

    async def watch_alerts(self) -> None:
        """Runs until cancelled: every urgent alert gets pressed "Seen" until a toast says so."""
        tasks: dict[int, asyncio.Task] = {}
        try:
            while True:
                for runner_id, message in self.alerts().items():
                    if runner_id not in tasks:
                        tasks[runner_id] = asyncio.create_task(self._see(runner_id, message))
                await self.user.chat.changed.wait(1.0)
        finally:
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)

    async def _see(self, runner_id: int, alert: BotMessage) -> None:
        seen = alert.button_data["Seen"]  # a press rewrites the alert without its Seen button
        while True:
            query = await self.user.press_data(seen, alert)
            with contextlib.suppress(TimeoutError):
                toast = await self.user.wait_for_answer(query, timeout=self.patience)
                if SEEN_TOAST in (toast.text or "").lower():
                    self.log.seen_acked.add(runner_id)
                    return
            self.log.resends += 1

    async def hold(self, runner_id: int, name: str) -> None:
        """/hold <n>, then the confirmation; done when the plan is on hold (or said to be)."""
        label, done = f"⏸ Hold {name}", f"⏸ {name} ("
        messages, answers = self.user.messages, self.user.chat.callback_answers
        while True:
            await self.user.send(f"/hold {self.numbers[runner_id]}")
            asked = await self.user.chat.changed.wait_until(
                lambda: any(label in str(m.buttons) for m in messages), self.patience)
            if asked:
                target, _ = self.user.find_button(label)
                query = await self.user.press(label, target)
                held = await self.user.chat.changed.wait_until(
                    lambda q=query: any((m.text or "").startswith(done) for m in messages)
                    or any(a.query_id == q and "already on hold" in (a.text or "") for a in answers),
                    self.patience,
                )  # fmt: skip
                if held:
                    self.log.holds_acked.add(runner_id)
                    return
            self.log.resends += 1

