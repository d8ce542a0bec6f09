"""The table of Bot API methods the sandbox answers (names are case-insensitive, as on
Telegram): the ones the bot calls, no more, plus getMe and setMyCommands here."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.sandbox import media, messages, updates
from bot.sandbox.params import Params, bad_request
from bot.sandbox.state import World

Handler = Callable[[World, Params], Awaitable[Any]]
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


async def get_me(world: World, p: Params) -> dict[str, Any]:
    return {**world.bot.to_dict(), "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False}


def commands_key(p: Params) -> str:
    scope = p.obj("scope") or {"type": "default"}
    return json.dumps([scope, p.text("language_code") or ""], sort_keys=True)


async def set_my_commands(world: World, p: Params) -> bool:
    commands = p.obj("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not COMMAND_NAME.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    world.commands[commands_key(p)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


METHODS: dict[str, Handler] = {
    "getme": get_me,
    "setmycommands": set_my_commands,
    **messages.METHODS,
    **media.METHODS,
    **updates.METHODS,
}
