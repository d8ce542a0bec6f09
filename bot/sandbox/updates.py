"""How updates reach the bot: getUpdates long polling with offset confirmation, or a webhook
that the sandbox POSTs each update to (setWebhook / deleteWebhook)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import aiohttp

from bot.sandbox.params import ApiError, Params, bad_request
from bot.sandbox.state import Webhook, World

log = logging.getLogger(__name__)

SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_ACTIVE = ("Conflict: can't use getUpdates method while webhook is active; use "
                  "deleteWebhook to delete the webhook first")
TERMINATED = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
              "instance is running")


def deliverable(world: World, allowed: list[str] | None) -> list[dict[str, Any]]:
    """Pending updates of the allowed kinds; updates of other kinds are dropped, as Telegram
    never delivers them."""
    if allowed:
        unwanted = [u for u in world.updates if not (u.keys() - {"update_id"}) & set(allowed)]
        for update in unwanted:
            world.updates.remove(update)
            chat = world.chats.get(world.update_chat.pop(update["update_id"], 0))
            if chat:
                chat.undelivered -= 1
                chat.touch()
    return world.updates


async def get_updates(world: World, p: Params) -> list[dict[str, Any]]:
    if world.webhook.url:
        raise ApiError(409, WEBHOOK_ACTIVE)
    offset = p.integer("offset", 0) or 0
    limit = min(max(p.integer("limit", 100) or 100, 1), 100)
    timeout = max(p.number("timeout", 0.0) or 0.0, 0.0)
    if p.has("allowed_updates"):
        world.allowed_updates = p.obj("allowed_updates") or None
    # A newer getUpdates ends an older one still waiting, which answers 409 like Telegram.
    world.poll_generation += 1
    generation = world.poll_generation
    world.updates_changed.fire()
    if offset > 0:
        world.drop_updates(below=offset)

    def ready() -> bool:
        return (world.closing or generation != world.poll_generation
                or bool(deliverable(world, world.allowed_updates)))

    await world.updates_changed.wait_until(ready, timeout)
    if generation != world.poll_generation:
        raise ApiError(409, TERMINATED)
    return deliverable(world, world.allowed_updates)[:limit]


async def set_webhook(world: World, p: Params) -> bool:
    url = (p.text("url") or "").strip()
    if not url:
        return await delete_webhook(world, p)
    if not url.startswith(("https://", "http://")):  # http allowed: the sandbox is local
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.text("secret_token")
    if secret is not None and not SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if p.flag("drop_pending_updates"):
        world.drop_updates()
    world.webhook = Webhook(url=url, secret_token=secret,
                            allowed_updates=p.obj("allowed_updates") or None)
    world.poll_generation += 1
    world.updates_changed.fire()
    return True


async def delete_webhook(world: World, p: Params) -> bool:
    if p.flag("drop_pending_updates"):
        world.drop_updates()
    world.webhook = Webhook()
    world.updates_changed.fire()
    return True


class WebhookSender:
    """POSTs pending updates, in order and one at a time, to the webhook while one is set;
    retries failed deliveries with backoff, as Telegram does."""

    def __init__(self, world: World, retry_delay: float = 0.05, max_delay: float = 2.0,
                 timeout: float = 10.0):
        self.world = world
        self.retry_delay = retry_delay
        self.max_delay = max_delay
        self.timeout = timeout
        self.delivered = 0
        self.failed = 0

    async def run(self) -> None:
        world = self.world
        delay = self.retry_delay
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session:
            while True:
                await world.updates_changed.wait_until(
                    lambda: world.closing or bool(world.webhook.url
                                                  and deliverable(world, world.webhook.allowed_updates)),
                    None,
                )
                if world.closing:
                    return
                hook, update = world.webhook, world.updates[0]
                error = await self.post(session, hook, update)
                if error is None:
                    delay = self.retry_delay
                    self.delivered += 1
                    if world.updates and world.updates[0] is update:
                        world.drop_updates(below=update["update_id"] + 1)
                    continue
                self.failed += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_delay)

    async def post(self, session: aiohttp.ClientSession, hook: Webhook,
                   update: dict[str, Any]) -> str | None:
        """Deliver one update; the error message if it failed."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if hook.secret_token else {}
        try:
            async with session.post(hook.url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.debug("webhook delivery failed: %r", exc)
            return f"Connection failed: {exc.__class__.__name__}"


METHODS = {
    "getupdates": get_updates,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
}
