"""Settings from the environment (and a `.env` file) with pydantic-settings."""

import re
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_BOT_API = "https://api.telegram.org/bot"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]  # what the bot asks Telegram for, both ways in


class Settings(BaseSettings):
    """Every setting is an environment variable prefixed with STRIDECOACH_."""

    model_config = SettingsConfigDict(env_prefix="STRIDECOACH_", env_file=".env", extra="ignore")

    token: SecretStr | None = Field(default=None, description="the bot token from BotFather")
    db: str = Field(default="./stridecoach.db", description="path of the SQLite database")
    bot_api_url: str = Field(
        default=TELEGRAM_BOT_API,
        description="Bot API root up to /bot (e.g. http://127.0.0.1:8081/bot for a local server)",
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_format: str = Field(default="text", description="text or json")
    webhook_url: str | None = Field(
        default=None,
        description="public HTTPS URL Telegram posts updates to; set it to use webhook mode "
        "instead of long polling (same as `stridecoach run --webhook-url URL`)",
    )
    webhook_listen: str = Field(default="0.0.0.0", description="address the webhook server listens on")
    webhook_port: int = Field(
        default=8443, ge=1, le=65535, description="port the webhook server listens on"
    )
    webhook_path: str | None = Field(
        default=None,
        description="path the webhook server takes updates on (default: the path of the webhook URL)",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (1-256 of A-Z a-z 0-9 _ -); "
        "default: random, kept in the file <db>.webhook-secret",
    )
    health_port: int | None = Field(
        default=None, ge=1, le=65535,
        description="polling mode: serve GET /healthz on this port (default off; webhook mode "
        "always serves it on the webhook port)",
    )  # fmt: skip
    health_listen: str = Field(
        default="127.0.0.1", description="polling mode: address the /healthz server listens on"
    )
    outbox_rate: float = Field(default=25, gt=0, description="messages a second the outbox sends at most")
    outbox_chat_interval: float = Field(
        default=1.0, ge=0, description="seconds between two outbox messages to one chat"
    )
    outbox_max_attempts: int = Field(
        default=10, ge=1, le=100,
        description="attempts at one outbox message (flood control included) before it is given up",
    )  # fmt: skip
    outbox_max_age_minutes: int = Field(
        default=720, ge=1,
        description="minutes an outbox message may wait before it is given up (urgent alerts: 30 at most)",
    )  # fmt: skip
    reminder_grace_minutes: int = Field(
        default=120, ge=0, description="how late a reminder may still go out after downtime"
    )
    retention_days: int = Field(
        default=30, ge=1, le=3650,
        description="days delivered outbox messages and the reminder log are kept, then deleted",
    )  # fmt: skip
    decision_worker: bool = Field(
        default=True,
        description="work out each check-in's result in a second process, so it never holds up other runners' answers",
    )  # fmt: skip
    tick_seconds: int = Field(
        default=60, ge=1, le=60, description="how often reminders are checked (60; less only for tests)"
    )

    @property
    def file_url(self) -> str:
        """The file root that goes with `bot_api_url` (…/bot → …/file/bot)."""
        root = self.bot_api_url.removesuffix("/bot")
        return root + "/file/bot"

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value.lower() not in LOG_FORMATS:
            raise ValueError(f"must be one of {', '.join(LOG_FORMATS)}")
        return value.lower()

    @field_validator("webhook_url", "webhook_path", "health_port", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be an https:// URL (Telegram accepts only HTTPS webhooks)")
        return value.strip()

    @field_validator("webhook_path")
    @classmethod
    def _webhook_path(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith("/") or value == "/healthz":
            raise ValueError("must start with / and not be /healthz")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: object) -> object:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str):
            if not value.strip():
                return None
            if not SECRET_TOKEN.fullmatch(value):
                raise ValueError("must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
        return value
