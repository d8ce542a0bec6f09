"""`stridecoach try`: the sandbox and the real bot in one process, chatting in the terminal.

Buttons are shown as numbered choices; type the number or the text. Ctrl-D or /quit leaves.
A message the bot edits (a form turns an answered question into the next one) is printed
again, marked "(edited)".
"""

import asyncio
import sys

from bot.app import build_application, start, stop
from bot.sandbox import BotMessage, Sandbox, SandboxUser
from bot.settings import Settings

TRY_DB = "./stridecoach-try.db"
TRY_USER = 4242


def show(message: BotMessage, edited: bool = False) -> str:
    who = "bot (edited)" if edited else "bot"
    lines = [f"\n{who}: {message.text or message.caption or ''}"]
    number = 1
    for row in message.buttons:
        cells = []
        for label in row:
            cells.append(f"[{number}] {label}")
            number += 1
        lines.append("     " + "   ".join(cells))
    return "\n".join(lines)


def flat_buttons(message: BotMessage | None) -> list[str]:
    return [label for row in (message.buttons if message else []) for label in row]


def _unprinted(user: SandboxUser, printed: dict[int, int]) -> list[BotMessage]:
    """Messages new or edited since printed (message id → versions printed)."""
    return [m for m in user.messages if printed.get(m.message_id) != len(m.history) + 1]


async def _printer(user: SandboxUser) -> None:
    printed: dict[int, int] = {}
    while True:
        await user.chat.changed.wait_until(lambda: bool(_unprinted(user, printed)), 3600)
        for message in _unprinted(user, printed):
            edited = message.message_id in printed
            printed[message.message_id] = len(message.history) + 1
            print(show(message, edited), flush=True)


async def chat(db: str = TRY_DB) -> int:
    async with Sandbox() as sandbox:
        settings = Settings(token="4242:TRY", db=db, bot_api_url=sandbox.bot_api_url)
        app = build_application(settings)
        await start(app)
        user = sandbox.user(TRY_USER, first_name="You")
        printer = asyncio.create_task(_printer(user))
        print("stridecoach try — an offline chat with the real bot (data in "
              f"{db}). Type /start to begin, /quit to leave.", flush=True)  # fmt: skip
        try:
            while True:
                line = await asyncio.to_thread(sys.stdin.readline)
                if not line or line.strip() == "/quit":
                    break
                text = line.strip()
                if not text:
                    continue
                latest = next((m for m in reversed(user.messages) if m.buttons), None)
                labels = flat_buttons(latest)
                if text.isdigit() and 1 <= int(text) <= len(labels):
                    await user.press(labels[int(text) - 1], latest)
                elif text in labels:
                    await user.press(text, latest)
                else:
                    await user.send(text)
        finally:
            printer.cancel()
            await stop(app)
    return 0


def main() -> int:
    try:
        return asyncio.run(chat())
    except KeyboardInterrupt:
        return 0
