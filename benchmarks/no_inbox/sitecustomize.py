"""The bot with its durable inbox bypassed, for `benchmarks/checkin_load.py --no-inbox` (this
directory goes first on the bot's PYTHONPATH, so Python imports this module at start-up).

Updates go straight onto PTB's queue as before the inbox: no row is stored, none is marked
handled, no Bot API call is journaled. Everything else — our own fetch loop, the handlers —
is the real bot, so the difference of the two runs is what the inbox costs. Never deployed.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot import inbox  # noqa: E402


async def take(self, update, payload):  # noqa: ARG001 - the webhook's entry point
    self.app.update_queue.put_nowait(update)
    return True


async def take_batch(self, raw):
    for data in raw:
        update = self._parse(data)
        if update is not None:
            self.app.update_queue.put_nowait(update)
    return len(raw)


inbox.Inbox.take = take
inbox.Inbox.take_batch = take_batch
