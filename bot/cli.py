"""The `stridecoach` console script: run, try, simulate, rules, db."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings

BACKUP_PREFIX = "stridecoach-"

NO_TOKEN = """stridecoach needs a Telegram bot token to run.

  Set STRIDECOACH_TOKEN to the token BotFather gave you, e.g.
      export STRIDECOACH_TOKEN=123456:ABC...
  (or put STRIDECOACH_TOKEN=... in a .env file here), then run `stridecoach run` again.

To try the whole bot offline first, against a local Bot API sandbox, run:
      stridecoach try
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stridecoach", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (long polling, or webhook with a webhook URL)")
    run.add_argument(
        "--webhook-url", metavar="URL",
        help="webhook mode: the public HTTPS URL Telegram posts updates to "
        "(overrides STRIDECOACH_WEBHOOK_URL)",
    )  # fmt: skip
    tryit = sub.add_parser(
        "try", help="chat with the bot offline, against a local Bot API sandbox",
        description="The real bot offline: several people (/as NAME), a clock you move "
        "(/tomorrow, /at HH:MM, /days N), pictures and files saved under "
        "./stridecoach-try-files/. /tryhelp inside lists the try commands.",
    )  # fmt: skip
    tryit.add_argument("--script", metavar="FILE",
                       help="replay the lines of FILE (as typed, /as and /tomorrow included) "
                       "on a fresh database and print the transcript")  # fmt: skip
    tryit.add_argument("--db", metavar="PATH",
                       help="the database (default ./stridecoach-try.db; with --script a "
                       "fresh one that is thrown away)")  # fmt: skip
    tryit.add_argument("--fresh", action="store_true",
                       help="start over: delete the try database and its clock first")
    tryit.add_argument("--open", action="store_true",
                       help="open each picture and file the bot sends with the system viewer")
    tryit.add_argument("--start", metavar="WHEN",
                       help="start the clock at WHEN, e.g. 2026-03-02T06:30 (UTC) or with an "
                       "offset; default now, or where the last session left the clock")  # fmt: skip
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("migrate", help="create or upgrade the schema")
    backup = db_sub.add_parser("backup", help="an online, consistent copy of the database")
    backup.add_argument(
        "path",
        help="where to write the copy (must not exist); an existing directory gets a "
        "timestamped stridecoach-YYYYMMDD-HHMMSS.db inside it",
    )
    backup.add_argument(
        "--keep", type=int, metavar="N",
        help="with a directory: then delete all but the newest N stridecoach-*.db copies in it",
    )  # fmt: skip
    export = sub.add_parser("export", help="write one runner's data as CSV files (operators)")
    export.add_argument("--runner", type=int, required=True, help="the runner's Telegram user id")
    export.add_argument("--out", required=True, help="a directory for the CSV files")
    sim = sub.add_parser("simulate", help="replay a scenario through the progression engine")
    sim.add_argument("scenario", nargs="+",
                     help="scenario JSON files; with several, each output is headed by its name")
    sim.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    rules = sub.add_parser("rules", help="print every rule ID with its plain-language text and sources")
    rules.add_argument("--format", choices=("text", "markdown"), default="text")
    return parser


def _settings(**overrides: object) -> Settings | None:
    """The settings, or None (a message printed) when one is invalid. Inputs are not echoed:
    they may be secrets."""
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        for error in exc.errors():
            name = "STRIDECOACH_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"stridecoach: {name}: {error['msg']}", file=sys.stderr)
        return None


def _run(args: argparse.Namespace) -> int:
    overrides = {"webhook_url": args.webhook_url} if args.webhook_url else {}
    settings = _settings(**overrides)
    if settings is None:
        return 2
    if settings.token is None or not settings.token.get_secret_value().strip():
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from storage import check_file

    if (problem := check_file(settings.db)) is not None:
        print(f"stridecoach: {problem}", file=sys.stderr)
        return 2
    from bot import instance
    from bot.logs import setup

    try:
        instance.acquire(settings.db)
    except instance.AlreadyRunning as exc:
        print(exc, file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"stridecoach: cannot open the database {settings.db} to lock it: "
              f"{exc.strerror or exc}. Does its directory exist and is it writable?",
              file=sys.stderr)  # fmt: skip
        return 2

    setup(settings.log_level, settings.log_format, settings.token.get_secret_value())
    import logging

    from bot import health, polling, webhook
    from bot.app import build_application, tune_process

    log = logging.getLogger("bot.cli")
    tune_process()
    try:
        app = build_application(settings)
        if settings.webhook_url:
            return webhook.run(app, settings)
        if settings.health_port:
            health.attach(app, settings.health_listen, settings.health_port)
        return polling.run(app, settings)
    except Exception as exc:
        line = _start_failure(exc, settings)
        if line is not None:  # the operator's to fix: one line, no traceback
            print(f"stridecoach: {line}", file=sys.stderr)
            return 2
        log.critical("stridecoach stopped on an error", exc_info=True)  # token masked
        return 1


def _start_failure(exc: BaseException, settings: Settings) -> str | None:
    """One line for a failure at start-up that is the setup's, not the code's: a token
    Telegram rejects, or a Bot API that cannot be reached; None for anything else."""
    from telegram.error import InvalidToken, NetworkError

    if isinstance(exc, InvalidToken):
        return ("Telegram rejected the bot token (STRIDECOACH_TOKEN): check it with BotFather; "
                "a revoked token needs the new one.")  # fmt: skip
    if isinstance(exc, NetworkError):  # TimedOut included; not the token's fault
        cause = exc.__cause__ or exc
        return (f"cannot reach the Bot API at {_api_root(settings.bot_api_url)} "
                f"({type(cause).__name__}: {_first_line(cause)}). Check the network, "
                "a proxy or STRIDECOACH_BOT_API_URL, then start again.")  # fmt: skip
    return None


def _api_root(url: str) -> str:
    return url.removesuffix("/bot")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no details"


def _db(args: argparse.Namespace) -> int:
    from storage import backup, migrate, open_db

    settings = _settings()
    if settings is None:
        return 2
    db = open_db(settings.db)
    try:
        if args.db_command == "migrate":
            before, after = migrate(db)
            print(f"{settings.db}: schema version {before} → {after}")
        else:
            target = Path(args.path)
            if target.is_dir():
                stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
                target = target / f"{BACKUP_PREFIX}{stamp}.db"
            elif args.keep is not None:
                print("--keep needs a directory as the path.", file=sys.stderr)
                return 2
            try:
                path = backup(db, target)
            except FileExistsError:
                print(f"{target} exists already; choose a new path.", file=sys.stderr)
                return 2
            print(f"backup of {settings.db} written to {path}")
            if args.keep is not None:
                for old in _prune_backups(path.parent, max(args.keep, 1)):
                    print(f"deleted the old backup {old}")
    finally:
        db.conn.close()
    return 0


def _export(args: argparse.Namespace) -> int:
    """The same CSV files a runner gets with /export, for an operator."""
    from dialogs.export import export_csvs
    from storage import export_runner, get_runner, open_db

    settings = _settings()
    if settings is None:
        return 2
    db = open_db(settings.db)
    try:
        if get_runner(db, args.runner) is None:
            print(f"no runner {args.runner} in {settings.db}", file=sys.stderr)
            return 2
        files = export_csvs(export_runner(db, args.runner))
    finally:
        db.conn.close()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
        print(out / name)
    return 0


def _prune_backups(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` timestamped backups in `directory`."""
    copies = sorted(directory.glob(f"{BACKUP_PREFIX}*.db"), key=lambda p: p.name, reverse=True)
    for old in copies[keep:]:
        old.unlink(missing_ok=True)
    return copies[keep:]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # everything we write (database, its -wal/-shm, the webhook secret, backups, exports)
    # holds health data or a secret: readable by the bot's user only
    previous = os.umask(0o077)
    try:
        return _command(args)
    finally:
        os.umask(previous)  # main() is called in-process by tests, too


def _command(args: argparse.Namespace) -> int:
    if args.command == "simulate":
        from bot import simulate_cli

        return simulate_cli.main(args.scenario, args.format)
    if args.command == "rules":
        from bot import rules_cli

        return rules_cli.main(args.format)
    if args.command == "run":
        return _run(args)
    if args.command == "try":
        from bot import try_cli

        return try_cli.main(args.script, args.db, args.start, args.open, args.fresh)
    if args.command == "db":
        return _db(args)
    if args.command == "export":
        return _export(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
