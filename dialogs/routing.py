"""One PTB handler per kind of button (dialogs/callbacks.py), registered the same way: the
press's data is parsed once, and data that is stale, forged or not ours gets one answer."""

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from dialogs.callbacks import STALE, parse
from dialogs.context import answer_query

B = TypeVar("B")
Handle = Callable[[Update, ContextTypes.DEFAULT_TYPE, Any], Awaitable[None]]


def route(kind: type[B], handle: Handle) -> CallbackQueryHandler:
    """The one handler for `kind`'s prefix: `handle(update, context, button)` gets the press
    parsed; data with the prefix but not the kind's form is answered as stale."""

    async def callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        pressed = parse(update.callback_query.data)
        if not isinstance(pressed, kind):
            await answer_query(update.callback_query, STALE)
            return
        await handle(update, context, pressed)

    callback.__doc__ = handle.__doc__
    return CallbackQueryHandler(callback, pattern=f"^{re.escape(kind.PREFIX)}:")


def install(app: Application, routes: dict[type, Handle]) -> None:
    """A handler per kind, then one for every other press (answered as stale)."""
    for kind, handle in routes.items():
        app.add_handler(route(kind, handle))
    app.add_handler(CallbackQueryHandler(stale))


async def stale(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press no handler knows (another bot's data, a kind retired long ago)."""
    await answer_query(update.callback_query, STALE)
