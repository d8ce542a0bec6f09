"""Logs: readable text by default, JSON lines on request; never the token, never what a user
typed at INFO or above."""

import io
import json
import logging
import warnings

import pytest

from bot import logs
from tests.deploy.helpers import TOKEN, start_polling_bot
from tests.e2e.harness import reply

TYPED = "my-private-diary-Xq7"  # what the runner types; must stay out of INFO logs


@pytest.mark.slow  # a real bot process, its log files read
async def test_debug_logs_of_a_real_bot_hold_no_token_and_no_typed_text_at_info(sandbox, tmp_path):
    bot = await start_polling_bot(sandbox, str(tmp_path / "bot.db"), tmp_path / "logs",
                                  STRIDECOACH_LOG_LEVEL="debug", STRIDECOACH_LOG_FORMAT="json")  # fmt: skip
    try:
        ann = sandbox.user(6001, first_name="Ann")
        await reply(ann, "/start", timeout=20)
        again = await reply(ann, TYPED, timeout=20)  # not an answer: the question is asked again
        assert again.text
        assert await bot.terminate() == 0
    finally:
        await bot.kill()

    out, err = bot.stdout(), bot.stderr()
    for secret in (TOKEN, TOKEN.replace(":", "%3A"), TOKEN.split(":", 1)[1]):
        assert secret not in out and secret not in err
    lines = [json.loads(line) for line in err.splitlines()]  # every line is one JSON object
    assert {line["level"] for line in lines} >= {"DEBUG", "INFO"}
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    debug = [json.dumps(line) for line in lines if line["level"] == "DEBUG"]
    info_up = [json.dumps(line) for line in lines if line["level"] != "DEBUG"]
    assert any(TYPED in line for line in debug)  # the check below is not vacuous
    assert not any(TYPED in line for line in info_up)
    # PTB logs the Bot API URL (token included) at DEBUG: it is there, masked
    assert any("Set Bot API URL:" in line and "/bot<secret>" in line for line in debug)


@pytest.fixture
def captured():
    """A buffer for logs.setup(stream=...); the logging state is restored afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in logs.QUIET}
    yield io.StringIO()
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, value in quiet.items():
        logging.getLogger(name).setLevel(value)
    logging.captureWarnings(False)
    logs.REDACT.clear()


def boom(token: str) -> None:
    raise ConnectionError(f"could not reach https://api.telegram.org/bot{token}/getMe")


def test_text_is_the_default_and_the_token_is_masked_in_tracebacks(captured):
    logs.setup("INFO", "text", TOKEN, stream=captured)
    log = logging.getLogger("stridecoach.test")
    log.info("plain %s line", "readable")
    try:
        boom(TOKEN)
    except ConnectionError:
        log.exception("calling %s failed", f"/bot{TOKEN}/getMe")
    log.debug("not shown at INFO")
    text = captured.getvalue()
    assert TOKEN not in text
    first = text.splitlines()[0]
    assert first.endswith(" INFO stridecoach.test: plain readable line")
    assert "calling /bot<secret>/getMe failed" in text
    assert "Traceback" in text and "bot<secret>/getMe" in text.split("Traceback", 1)[1]
    assert "not shown" not in text


def test_json_lines_mask_secrets_added_later_and_carry_warnings(captured):
    logs.setup("DEBUG", "json", TOKEN, stream=captured)
    logs.add_secret("webhook-secret-value-123")
    log = logging.getLogger("stridecoach.test")
    log.debug("set webhook with secret_token=%s", "webhook-secret-value-123")
    try:
        boom(TOKEN)
    except ConnectionError:
        log.error("failed", exc_info=True)
    warnings.warn("something odd", UserWarning, stacklevel=1)
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    assert lines[0]["message"] == "set webhook with secret_token=<secret>"
    assert lines[0]["level"] == "DEBUG" and lines[0]["time"].endswith("+00:00")
    assert TOKEN not in lines[1]["exception"] and "ConnectionError" in lines[1]["exception"]
    assert lines[2]["logger"] == "py.warnings" and "something odd" in lines[2]["message"]
