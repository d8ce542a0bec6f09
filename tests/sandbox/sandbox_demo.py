"""A small demo bot on a real PTB 22 Application (echo, /start args, an inline keyboard, files,
odd input) and helpers to run it against the sandbox. It calls the Bot API methods stridecoach
calls, which are the ones the sandbox answers."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator

from PIL import Image
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.sandbox import Sandbox

TOKEN = "123:TEST"


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


CHART = png_bytes()
REPORT = b"date,pain\n2026-03-02,0\n" + bytes(range(256))


def build_app(sandbox: Sandbox) -> Application:
    return (ApplicationBuilder().token(TOKEN).base_url(sandbox.bot_api_url)
            .base_file_url(sandbox.file_url).build())


@contextlib.asynccontextmanager
async def polling(app: Application, timeout: int = 1) -> AsyncIterator[Application]:
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=timeout)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(f"start args={context.args}")


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup([
        [InlineKeyboardButton("✅ Yes", callback_data="answer:yes"),
         InlineKeyboardButton("No", callback_data="answer:no")],
    ])
    await update.message.reply_text("Any pain today?", reply_markup=keyboard)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if not query.data.startswith("answer:"):
        await query.answer("That button has expired", show_alert=True)
        return
    await query.answer(f"Saved {query.data}")
    await query.edit_message_text(f"You said {query.data.removeprefix('answer:')}")


async def files(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_photo(CHART, caption="Your week")
    await update.message.reply_document(REPORT, filename="history.csv", caption="Export")


async def odd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    kind = next(k for k in ("sticker", "photo", "voice", "location", "document")
                if getattr(message, k))
    await message.reply_text(f"Sorry, I can't read a {kind}. Please use the buttons.")


async def member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("member_changes", []).append(
        (update.my_chat_member.chat.id, update.my_chat_member.new_chat_member.status))


def demo_bot(sandbox: Sandbox) -> Application:
    app = build_app(sandbox)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CommandHandler("files", files))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(MessageHandler(~filters.TEXT, odd))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(ChatMemberHandler(member, ChatMemberHandler.MY_CHAT_MEMBER))
    return app
