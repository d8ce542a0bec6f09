"""Wiring: settings, the PTB application, scheduler, outbox sender, CLI, the Bot API sandbox."""
