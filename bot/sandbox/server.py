"""The sandbox's HTTP face: an aiohttp app answering ``/bot{token}/{method}`` like Telegram's
Bot API and serving ``/file/bot{token}/{path}``. Every call passes through fault injection,
the blocked-chat check and rate limits before its method runs, and is logged."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aiohttp import web

from bot.sandbox.faults import RATE_LIMITED_METHODS, SEND_METHODS, CallLog, Faults, RateLimits
from bot.sandbox.media import file_content
from bot.sandbox.methods import METHODS
from bot.sandbox.params import ApiError, Params, Upload
from bot.sandbox.state import World

MAX_REQUEST_BYTES = 60 * 1024 * 1024  # above Telegram's 50 MB upload limit


@dataclass
class Api:
    """What the request handlers share."""

    world: World
    faults: Faults
    limits: RateLimits
    log: CallLog
    token: str | None = None  # if set, other tokens get 401
    bot_id_from_token: bool = True
    clock: Callable[[], float] = time.monotonic  # what the rate limits count in
    answering: int = 0  # Bot API calls being answered now


API = web.AppKey("api", Api)


def answer(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def error(exc: ApiError) -> web.Response:
    return web.json_response(exc.to_dict(), status=exc.code)


async def read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON request body must be an object")
            values.update(body)
        else:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[name] = Upload(value.file.read(), value.filename, value.content_type)
                else:
                    values[name] = value
    return Params(values, uploads)


def adopt_token(api: Api, token: str) -> None:
    """Give the bot the id its token starts with (as Telegram does), unless one was set."""
    prefix = token.split(":", 1)[0]
    if api.bot_id_from_token and prefix.isdigit():
        api.world.bot.id = int(prefix)
        api.bot_id_from_token = False


async def handle_method(request: web.Request) -> web.StreamResponse:
    api = request.app[API]
    api.answering += 1
    try:
        return await _answer_method(api, request)
    finally:
        api.answering -= 1


async def _answer_method(api: Api, request: web.Request) -> web.StreamResponse:
    token, method = request.match_info["token"], request.match_info["method"]
    if api.token is not None and token != api.token:
        api.log.add(method, None, "error", 401, "Unauthorized")
        return error(ApiError(401, "Unauthorized"))
    adopt_token(api, token)
    try:
        params = await read_params(request)
    except ApiError as exc:
        api.log.add(method, None, "error", exc.code, exc.description)
        return error(exc)
    key = method.lower()
    chat_id = params.peek_chat_id()
    handler = METHODS.get(key)
    if handler is None:
        api.log.add(method, chat_id, "not_found", 404, "Not Found")
        return error(ApiError(404, "Not Found"))

    fault, retry_after = api.faults.pick_for(key, chat_id)
    if fault == "drop":
        api.log.add(method, chat_id, "drop", 0)
        if request.transport is not None:
            request.transport.close()
        return web.Response()
    if fault == "error":
        status = api.faults.error_status()
        api.log.add(method, chat_id, "error_5xx", status)
        return error(ApiError(status, HTTPStatus(status).phrase))
    if fault == "retry_after":
        seconds = retry_after
        api.log.add(method, chat_id, "retry_after", 429)
        return error(ApiError(429, f"Too Many Requests: retry after {seconds}", seconds))
    if fault == "slow":
        await asyncio.sleep(api.faults.slow_delay)

    if key in SEND_METHODS and chat_id in api.faults.blocked:
        exc = ApiError(403, "Forbidden: bot was blocked by the user")
        api.log.add(method, chat_id, "blocked", 403, exc.description)
        return error(exc)
    limited = key in RATE_LIMITED_METHODS
    if limited:
        wait = api.limits.wait_needed(chat_id, api.clock())
        if wait > 0:
            seconds = RateLimits.retry_after(wait)
            api.log.add(method, chat_id, "rate_limited", 429)
            return error(ApiError(429, f"Too Many Requests: retry after {seconds}", seconds))

    try:
        result = await handler(api.world, params)
    except ApiError as exc:
        api.log.add(method, chat_id, "error", exc.code, exc.description)
        return error(exc)
    if limited:
        api.limits.record(chat_id, api.clock())
    api.log.add(method, chat_id, fault or "ok", 200)
    return answer(result)


async def handle_file(request: web.Request) -> web.StreamResponse:
    api = request.app[API]
    stored = file_content(api.world, request.match_info["path"])
    if stored is None:
        return error(ApiError(404, "Not Found"))
    return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")


def build_app(api: Api) -> web.Application:
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[API] = api
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file)
    return app
