"""Pausing reminders (/pause, /resume and the "Turn reminders on" way out): the runner's flag
and the engine's pause or unpause event, together."""

import datetime as dt

from dialogs.checkin import event_date
from protocols import Event
from storage import add_event, set_paused


def set_pause(db, user_id: int, paused: bool, now: dt.datetime) -> None:
    """Reminders off (or on again) and the event the next decision reads, in one transaction:
    while paused, days without a check-in do not count as missed."""
    with db.atomic():
        set_paused(db, user_id, paused)
        day = event_date(db, user_id, now)
        add_event(db, user_id, Event(date=day, type="pause" if paused else "unpause"), user_id)
