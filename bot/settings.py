"""Settings from the environment (and a `.env` file) with pydantic-settings."""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_BOT_API = "https://api.telegram.org/bot"


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
    outbox_rate: float = Field(default=25, gt=0, description="messages a second the outbox sends at most")
    outbox_chat_interval: float = Field(
        default=1.0, ge=0, description="seconds between two outbox messages to one chat"
    )
    reminder_grace_minutes: int = Field(
        default=120, ge=0, description="how late a reminder may still go out after downtime"
    )

    @property
    def file_url(self) -> str:
        """The file root that goes with `bot_api_url` (…/bot → …/file/bot)."""
        root = self.bot_api_url.removesuffix("/bot")
        return root + "/file/bot"
