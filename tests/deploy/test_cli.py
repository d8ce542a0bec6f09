"""`stridecoach run` settings checks, webhook path and secret, `db backup` into a directory."""

import os
import stat

import pytest

from bot import cli, webhook
from bot.settings import Settings


@pytest.fixture
def env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("STRIDECOACH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env file from elsewhere
    monkeypatch.setenv("STRIDECOACH_DB", str(tmp_path / "bot.db"))
    return monkeypatch


def test_a_bad_setting_is_named_and_its_value_not_echoed(env, capsys):
    env.setenv("STRIDECOACH_TOKEN", "1:x")
    env.setenv("STRIDECOACH_WEBHOOK_SECRET", "not valid!secret")
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "STRIDECOACH_WEBHOOK_SECRET" in err and "not valid!secret" not in err


def test_a_bad_webhook_url_is_refused(env, capsys):
    env.setenv("STRIDECOACH_TOKEN", "1:x")
    assert cli.main(["run", "--webhook-url", "ftp://example.com/x"]) == 2
    assert "STRIDECOACH_WEBHOOK_URL" in capsys.readouterr().err


def test_the_webhook_path_defaults_to_the_urls_path(env):
    url = "https://bot.example.com/telegram/abc"
    assert webhook.listen_path(Settings(webhook_url=url)) == "/telegram/abc"
    assert webhook.listen_path(Settings(webhook_url="https://bot.example.com")) == "/"
    assert webhook.listen_path(Settings(webhook_url=url, webhook_path="/hook")) == "/hook"
    with pytest.raises(ValueError):
        Settings(webhook_url=url, webhook_path="/healthz")


def test_the_generated_secret_is_kept_next_to_the_database(env, tmp_path):
    db = str(tmp_path / "bot.db")
    first = webhook.load_or_create_secret(db)
    assert webhook.load_or_create_secret(db) == first  # the same after a restart
    path = tmp_path / "bot.db.webhook-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) >= 32
    path.write_text("")  # damaged: a new one is made
    assert webhook.load_or_create_secret(db) not in ("", first)
    settings = Settings(db=db, webhook_secret="set-by-the-operator")
    assert webhook.webhook_secret(settings) == "set-by-the-operator"


def test_backup_into_a_directory_keeps_the_newest(env, tmp_path, capsys):
    assert cli.main(["db", "migrate"]) == 0
    backups = tmp_path / "backups"
    backups.mkdir()
    for stamp in ("20200101-000000", "20200102-000000", "20200103-000000"):
        (backups / f"stridecoach-{stamp}.db").write_text("old")
    (backups / "notes.txt").write_text("not a backup")
    assert cli.main(["db", "backup", str(backups), "--keep", "2"]) == 0
    names = sorted(p.name for p in backups.iterdir())
    assert (
        len(names) == 3 and names[0] == "notes.txt" and names[1] == "stridecoach-20200103-000000.db"
    )
    assert names[2].startswith("stridecoach-20") and names[2] > names[1]
    assert (backups / names[2]).read_bytes().startswith(b"SQLite format 3")
    assert cli.main(["db", "backup", str(tmp_path / "one.db"), "--keep", "2"]) == 2
    assert "--keep needs a directory" in capsys.readouterr().err
