"""The end-to-end fixtures (a sandbox Bot API and the real bot polling it), for the typed
answers driven through the real bot here."""

from tests.e2e.conftest import bot, bot_settings, clock, sandbox  # noqa: F401 - fixtures, used by name
