"""A bare python-telegram-bot echo bot: the floor that benchmarks/checkin_load.py compares
stridecoach against.

It answers every message and every button press with exactly one sendMessage (the text or
the button's data echoed back, under a fixed two-button inline keyboard so a simulated
runner has something to press next). Nothing else: no database, no answerCallbackQuery, no
edits. Same PTB settings as stridecoach's Application (bot/app.py): 256 concurrent updates,
a 256-connection pool, 30 s pool timeout, long polling with the same allowed updates, httpx
logs kept at WARNING.

ECHO_TRANSPORT picks the HTTP layer: ``aiohttp`` (default) is stridecoach's own
(bot/transport.py: JSON calls over bot/http1.py, uploads over aiohttp), so a comparison
measures our handlers, not the transport; ``httpx`` is PTB's default HTTPXRequest, the truly
bare bot.

    STRIDECOACH_TOKEN=1:ECHO STRIDECOACH_BOT_API_URL=http://127.0.0.1:8081/bot \\
        [ECHO_TRANSPORT=httpx] .venv/bin/python benchmarks/echo_bot.py
"""

import logging
import os
import sys
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("No", callback_data="echo:no"),
                                  InlineKeyboardButton("Yes", callback_data="echo:yes")]])  # fmt: skip
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]  # as bot/webhook.py


async def echo_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    await context.bot.send_message(
        message.chat_id, message.text or "(no text)", reply_markup=KEYBOARD
    )


async def echo_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await context.bot.send_message(
        query.message.chat.id, query.data or "(no data)", reply_markup=KEYBOARD
    )


def main() -> int:
    token = os.environ.get("STRIDECOACH_TOKEN")
    if not token:
        print("echo_bot: set STRIDECOACH_TOKEN (and STRIDECOACH_BOT_API_URL)", file=sys.stderr)
        return 2
    base_url = os.environ.get("STRIDECOACH_BOT_API_URL", "https://api.telegram.org/bot")
    logging.basicConfig(level=os.environ.get("STRIDECOACH_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")  # fmt: skip
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_url.removesuffix("/bot") + "/file/bot")
        .concurrent_updates(256)
    )
    transport = os.environ.get("ECHO_TRANSPORT", "aiohttp")
    if transport == "aiohttp":
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from bot.transport import BotApiRequest

        builder.request(BotApiRequest(connections=256, pool_timeout=30))
        builder.get_updates_request(BotApiRequest(connections=1))
    elif transport == "httpx":
        builder.connection_pool_size(256).pool_timeout(30)
    else:
        print("echo_bot: ECHO_TRANSPORT is aiohttp or httpx", file=sys.stderr)
        return 2
    app = builder.build()
    app.add_handler(MessageHandler(filters.ALL, echo_message))
    app.add_handler(CallbackQueryHandler(echo_button))
    app.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
