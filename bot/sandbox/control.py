"""An HTTP control API under ``/sandbox/`` so a process other than the one running the sandbox
(the load benchmark, benchmarks/checkin_load.py) can act as users. JSON in, JSON out.

    POST /sandbox/users/{id}/send     {"text": "/start", "first_name": "Ann"}
    POST /sandbox/users/{id}/press    {"data": "raw:callback"}; with "wait": 5 also the bot's
                                      reply ("reply", null on timeout): its next message, or
                                      the pressed message once edited
    GET  /sandbox/users/{id}/next?timeout=5   the next unread bot message (408 on timeout)
    GET  /sandbox/stats
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.sandbox.client import ButtonNotFound
from bot.sandbox.state import BotMessage

SANDBOX = web.AppKey("sandbox", object)


def message_json(message: BotMessage) -> dict[str, Any]:
    return {**message.to_dict(), "history": message.history, "buttons": message.buttons}


async def body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return data


def user_of(request: web.Request, data: dict[str, Any] | None = None) -> Any:
    sandbox = request.app[SANDBOX]
    return sandbox.user(int(request.match_info["user_id"]), (data or {}).get("first_name"))


async def send(request: web.Request) -> web.Response:
    data = await body(request)
    sent = await user_of(request, data).send(str(data.get("text", "")))
    return web.json_response(sent)


async def press(request: web.Request) -> web.Response:
    data = await body(request)
    user = user_of(request, data)
    target = user.last
    edits = len(target.history) if target is not None else 0
    try:
        query_id = await user.press_data(str(data.get("data", "")))
    except ButtonNotFound as exc:
        return web.json_response({"error": str(exc)}, status=404)
    if "wait" not in data:
        return web.json_response({"callback_query_id": query_id})
    try:
        reply = message_json(await user.wait_for_reply(target, edits, float(data["wait"])))
    except TimeoutError:
        reply = None
    return web.json_response({"callback_query_id": query_id, "reply": reply})


async def next_message(request: web.Request) -> web.Response:
    timeout = float(request.query.get("timeout", 5))
    try:
        message = await user_of(request).wait_for_message(timeout)
    except TimeoutError as exc:
        return web.json_response({"error": str(exc)}, status=408)
    return web.json_response(message_json(message))


async def stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[SANDBOX].stats())


def add_control_routes(app: web.Application, sandbox: Any) -> None:
    app[SANDBOX] = sandbox
    app.router.add_post("/sandbox/users/{user_id}/send", send)
    app.router.add_post("/sandbox/users/{user_id}/press", press)
    app.router.add_get("/sandbox/users/{user_id}/next", next_message)
    app.router.add_get("/sandbox/stats", stats)
