"""The progression engine: pure rules from PROTOCOL.md, no I/O, no clock, no Telegram."""
