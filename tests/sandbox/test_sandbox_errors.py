"""Telegram's errors, rate limits and injected faults, as PTB 22 sees them."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sandbox_demo import TOKEN
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.sandbox import Faults, Sandbox

# PTB 22 warns inside RetryAfter.__init__ (retry_after becomes a timedelta in PTB 23) unless
# PTB_TIMEDELTA is set; that is PTB's business, not a finding of these tests.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def tg(sb: Sandbox) -> AsyncIterator[Bot]:
    """A PTB Bot, not polling; user 1001 exists."""
    sb.user(1001, "Ann")
    async with Bot(TOKEN, base_url=sb.bot_api_url, base_file_url=sb.file_url) as bot:
        yield bot


def retry_seconds(exc: RetryAfter) -> float:
    """``retry_after`` in seconds: an int in PTB 22, a timedelta with PTB_TIMEDELTA set."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else value


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data=data)]])


@pytest.mark.parametrize(("text", "error"), [
    ("x" * 4097, "Message is too long"),
    ("   ", "Message text is empty"),
])
async def test_bad_text_is_a_bad_request(tg: Bot, text: str, error: str) -> None:
    with pytest.raises(BadRequest, match=error):
        await tg.send_message(1001, text)
    assert (await tg.send_message(1001, "x" * 4096)).text == "x" * 4096


async def test_unknown_chat_and_long_callback_data_are_bad_requests(sb: Sandbox, tg: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await tg.send_message(999, "hi")
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await tg.send_message(1001, "hi", reply_markup=keyboard("x" * 65))
    assert await tg.send_message(1001, "hi", reply_markup=keyboard("é" * 32))  # 64 bytes
    assert sb.calls("sendMessage", "error")[0].description == "Bad Request: chat not found"


async def test_identical_edit_is_not_modified(tg: Bot) -> None:
    sent = await tg.send_message(1001, "Ready?", reply_markup=keyboard("go"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await sent.edit_text("Ready?", reply_markup=keyboard("go"))
    edited = await sent.edit_text("Ready?")  # dropping the keyboard is a change
    assert edited.reply_markup is None and edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await edited.edit_text("Ready?")
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await tg.edit_message_text("gone", chat_id=1001, message_id=sent.message_id + 1)


async def test_bad_markup_is_rejected_like_telegram(sb: Sandbox, tg: Bot) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities: unsupported start tag \"br\""):
        await tg.send_message(1001, "a<br>b", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)unsupported parse_mode markdownv2"):
        await tg.send_message(1001, "Done\\.", parse_mode="MarkdownV2")  # the bot sends HTML
    sent = await tg.send_message(1001, "<b>Today</b>: 30 min &lt;easy&gt;", parse_mode="HTML")
    assert sent.text == "Today: 30 min <easy>"
    assert sent.entities[0].type == "bold" and sent.entities[0].length == 5
    assert sb.user(1001).last.text == "Today: 30 min <easy>"


async def test_blocked_chat_is_forbidden(sb: Sandbox, tg: Bot) -> None:
    sb.block(1001)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await tg.send_message(1001, "reminder")
    sb.unblock(1001)
    assert await tg.send_message(1001, "reminder")
    assert [r.outcome for r in sb.calls("sendMessage")] == ["blocked", "ok"]


async def test_unknown_method_is_not_found(tg: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await tg.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1001})


async def test_rate_limit_per_chat_answers_retry_after(sb: Sandbox, tg: Bot) -> None:
    sb.limits.enabled, sb.limits.per_chat_interval = True, 1.0
    sb.user(1002, "Ben")
    await tg.send_message(1001, "one")
    with pytest.raises(RetryAfter) as caught:
        await tg.send_message(1001, "two")
    assert retry_seconds(caught.value) == 1
    assert await tg.send_message(1002, "other chat is fine")


async def test_rate_limit_overall_per_second(sb: Sandbox, tg: Bot) -> None:
    sb.limits.enabled, sb.limits.per_second, sb.limits.per_chat_interval = True, 5, 0
    for i in range(5):
        await tg.send_message(1001, f"msg {i}")
    with pytest.raises(RetryAfter):
        await tg.send_message(1001, "one too many")
    assert sb.log.by_outcome["rate_limited"] == 1


async def test_scripted_faults(sb: Sandbox, tg: Bot) -> None:
    sb.set_faults(retry_after=7, slow_delay=0.6)
    sb.faults.fail_next("error")
    with pytest.raises(NetworkError, match="Internal Server Error|Bad Gateway"):
        await tg.send_message(1001, "a")
    sb.faults.fail_next("retry_after")
    with pytest.raises(RetryAfter) as caught:
        await tg.send_message(1001, "b")
    assert retry_seconds(caught.value) == 7
    sb.faults.fail_next("drop")
    with pytest.raises(NetworkError, match="disconnected"):
        await tg.send_message(1001, "c")
    sb.faults.fail_next("slow")
    with pytest.raises(TimedOut):
        await tg.send_message(1001, "d", read_timeout=0.2)  # < slow_delay 0.6 s
    # the client gave up first: the sandbox has not answered (nor stored) the slow send yet
    assert len(sb.calls("sendMessage")) == 3 and not sb.user(1001).messages
    assert (await tg.get_me()).username  # getMe is never faulted
    outcomes = [r.outcome for r in sb.calls("sendMessage")]
    assert outcomes[:3] == ["error_5xx", "retry_after", "drop"]
    await sb.user(1001).wait_for_message(timeout=10)  # the slow send still took effect
    assert [m.text for m in sb.user(1001).messages] == ["d"]


def test_random_faults_repeat_with_the_seed() -> None:
    def draws(seed: int) -> list[str | None]:
        faults = Faults(error_rate=0.3, drop_rate=0.1, retry_after_rate=0.1, seed=seed)
        return [faults.pick("sendmessage") for _ in range(200)]

    first = draws(7)
    assert first == draws(7) and first != draws(8)
    assert 40 <= first.count("error") <= 80
    assert Faults(error_rate=1.0).pick("getme") is None
    assert Faults(error_rate=1.0).pick("getupdates") is None
    assert Faults(error_rate=1.0, include_get_updates=True).pick("getupdates") == "error"


async def test_random_faults_hit_the_configured_share(sb: Sandbox, tg: Bot) -> None:
    sb.set_faults(error_rate=0.5, seed=3)
    failures = 0
    for i in range(40):
        try:
            await tg.send_message(1001, f"m{i}")
        except NetworkError:
            failures += 1
    assert 10 <= failures <= 30
    assert failures == sb.log.by_outcome["error_5xx"]
    assert len(sb.user(1001).messages) == 40 - failures
