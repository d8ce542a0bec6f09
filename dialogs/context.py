"""What every handler needs: the store, the clock, the chat and a form context (from the
services, dialogs/services.py)."""

import datetime as dt
import logging

from telegram import CallbackQuery, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from dialogs import texts
from dialogs.chat import Chat
from dialogs.checkin import local_today
from dialogs.forms import FormContext
from dialogs.services import services
from storage import Draft, RunnerRow, Store, form_state, get_runner, runner_tz

log = logging.getLogger(__name__)


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press; failing to (network, flood control) costs only the toast."""
    try:
        await query.answer(text)
    except TelegramError as exc:
        log.info("callback answer skipped: %s", type(exc).__name__)


def store_of(context: ContextTypes.DEFAULT_TYPE) -> Store:
    return services(context).store


def now_of(context: ContextTypes.DEFAULT_TYPE) -> dt.datetime:
    return services(context).now()


async def base_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[Store, Chat, FormContext]:
    """The store, the chat and a form context (today in the runner's own zone)."""
    store = store_of(context)
    tz = await store.read(runner_tz, update.effective_user.id)
    return store, *_base(update, context, tz)


async def base_and_draft(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[Store, Chat, FormContext, Draft | None]:
    """`base_of` and the open form, read together (one database call, for answers)."""
    store = store_of(context)
    tz, draft = await store.read(form_state, update.effective_user.id)
    return store, *_base(update, context, tz), draft


def _base(
    update: Update, context: ContextTypes.DEFAULT_TYPE, tz: str | None
) -> tuple[Chat, FormContext]:
    user = update.effective_user
    # a press on an inline message has no chat; the user's private chat has their id
    chat_id = update.effective_chat.id if update.effective_chat is not None else user.id
    found = services(context)
    chat = Chat(context.bot, chat_id, found.wake_outbox)
    now = found.now()
    today = local_today(now, tz or "UTC")
    return chat, FormContext(user.id, chat.chat_id, user.first_name or "", today, now)


async def onboarded(store: Store, chat: Chat, user_id: int) -> RunnerRow | None:
    """The runner, if set up; otherwise says how to start and returns None."""
    row = await store.run(get_runner, user_id)
    if row is None or row.profile is None:
        await chat.send(texts.NOT_ONBOARDED)
        return None
    return row
