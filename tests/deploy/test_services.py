"""The services (dialogs/services.py, bot/services.py): one typed object per application,
found the same way by handlers, jobs and /healthz."""

import datetime as dt

from bot.app import build_application
from bot.services import BotServices
from bot.services import services as bot_services
from bot.settings import Settings
from dialogs.services import services

NOW = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)


class FakeOutbox:
    def __init__(self) -> None:
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1


def test_the_application_has_one_typed_services_object(tmp_path):
    settings = Settings(token="123456:SERVICES", db=str(tmp_path / "bot.db"))
    app = build_application(settings, clock=lambda: NOW)
    found = bot_services(app)
    try:
        assert isinstance(found, BotServices) and services(app) is found
        assert list(app.bot_data) == ["services"]  # nothing else under a string key
        assert found.settings is settings and found.inbox.store is found.store
        assert found.histogram is app.update_processor.histogram
        assert found.now() == NOW
        found.wake_outbox()  # before the sender starts: nothing to wake, no error
        found.outbox = outbox = FakeOutbox()
        found.wake_outbox()
        assert outbox.woken == 1
    finally:
        found.store.close()


def test_without_a_clock_now_is_real_utc(tmp_path):
    app = build_application(Settings(token="123456:SERVICES", db=str(tmp_path / "bot.db")))
    found = services(app)
    try:
        before = dt.datetime.now(dt.UTC)
        assert before <= found.now() <= dt.datetime.now(dt.UTC)
    finally:
        found.store.close()
