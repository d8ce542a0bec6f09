"""An HTTP control API under ``/sandbox/`` so a process other than the one running the sandbox
(a benchmark, a shell with curl) can act as users and change faults. JSON in, JSON out.

    POST /sandbox/users/{id}/send     {"text": "/start", "first_name": "Ann"}
    POST /sandbox/users/{id}/press    {"label": "Yes"} or {"data": "raw:callback"}; with
                                      "wait": 5 also the bot's reply ("reply", null on timeout):
                                      its next message, or the pressed message once edited
    GET  /sandbox/users/{id}/messages every message the bot sent the user (with "history")
    GET  /sandbox/users/{id}/next?timeout=5   the next unread bot message (408 on timeout)
    GET  /sandbox/users/{id}/idle?quiet=0.3&timeout=10
    POST /sandbox/block/{id}, /sandbox/unblock/{id}
    POST /sandbox/faults              {"error_rate": 0.1, "fail_next": {"kind": "error"}}
    POST /sandbox/rate_limits         {"enabled": true, "per_second": 30}
    GET  /sandbox/stats, GET /sandbox/calls?method=sendMessage&outcome=ok
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web

from bot.sandbox.client import ButtonNotFound
from bot.sandbox.state import BotMessage

SANDBOX = web.AppKey("sandbox", object)


def message_json(message: BotMessage) -> dict[str, Any]:
    return {**message.to_dict(), "deleted": message.deleted, "history": message.history,
            "buttons": message.buttons}


async def body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return data


def user_of(request: web.Request, data: dict[str, Any] | None = None) -> Any:
    sandbox = request.app[SANDBOX]
    data = data or {}
    return sandbox.user(int(request.match_info["user_id"]), data.get("first_name"),
                        username=data.get("username"))


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
        if "data" in data:
            query_id = await user.press_data(str(data["data"]))
        else:
            target, _ = user.find_button(str(data.get("label", "")))
            edits = len(target.history)
            query_id = await user.press(str(data.get("label", "")), target)
    except (ButtonNotFound, ValueError) as exc:
        return web.json_response({"error": str(exc)}, status=404)
    if "wait" not in data:
        return web.json_response({"callback_query_id": query_id})
    try:
        reply = message_json(await user.wait_for_reply(target, edits, float(data["wait"])))
    except TimeoutError:
        reply = None
    return web.json_response({"callback_query_id": query_id, "reply": reply})


async def messages(request: web.Request) -> web.Response:
    return web.json_response([message_json(m) for m in user_of(request).messages])


async def next_message(request: web.Request) -> web.Response:
    timeout = float(request.query.get("timeout", 5))
    try:
        message = await user_of(request).wait_for_message(timeout)
    except TimeoutError as exc:
        return web.json_response({"error": str(exc)}, status=408)
    return web.json_response(message_json(message))


async def idle(request: web.Request) -> web.Response:
    quiet = float(request.query.get("quiet", 0.3))
    timeout = float(request.query.get("timeout", 10))
    try:
        await user_of(request).wait_idle(quiet, timeout)
    except TimeoutError as exc:
        return web.json_response({"error": str(exc)}, status=408)
    return web.json_response({"idle": True})


async def block(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    chat_id = int(request.match_info["user_id"])
    if request.match_info["action"] == "block":
        sandbox.block(chat_id)
    else:
        sandbox.unblock(chat_id)
    return web.json_response({"blocked": sorted(sandbox.faults.blocked)})


async def faults(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    data = await body(request)
    scripted = data.pop("fail_next", None)
    try:
        sandbox.set_faults(**data)
        if scripted:
            sandbox.faults.fail_next(scripted.get("kind", "error"), int(scripted.get("count", 1)))
    except (TypeError, ValueError) as exc:
        return web.json_response({"error": str(exc)}, status=400)
    settings = {f.name: getattr(sandbox.faults, f.name) for f in dataclasses.fields(sandbox.faults)
                if not f.name.startswith("_")}
    settings["blocked"] = sorted(settings["blocked"])
    return web.json_response(settings)


async def rate_limits(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX]
    data = await body(request)
    try:
        sandbox.set_rate_limits(**data)
    except TypeError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    limits = sandbox.limits
    return web.json_response({"enabled": limits.enabled, "per_second": limits.per_second,
                              "per_chat_interval": limits.per_chat_interval,
                              "per_chat_burst": limits.per_chat_burst})


async def stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[SANDBOX].stats())


async def calls(request: web.Request) -> web.Response:
    records = request.app[SANDBOX].calls(request.query.get("method"), request.query.get("outcome"))
    return web.json_response([dataclasses.asdict(r) for r in records])


def add_control_routes(app: web.Application, sandbox: Any) -> None:
    app[SANDBOX] = sandbox
    app.router.add_post("/sandbox/users/{user_id}/send", send)
    app.router.add_post("/sandbox/users/{user_id}/press", press)
    app.router.add_get("/sandbox/users/{user_id}/messages", messages)
    app.router.add_get("/sandbox/users/{user_id}/next", next_message)
    app.router.add_get("/sandbox/users/{user_id}/idle", idle)
    app.router.add_post("/sandbox/{action:block|unblock}/{user_id}", block)
    app.router.add_post("/sandbox/faults", faults)
    app.router.add_post("/sandbox/rate_limits", rate_limits)
    app.router.add_get("/sandbox/stats", stats)
    app.router.add_get("/sandbox/calls", calls)
