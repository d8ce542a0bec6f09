"""The `stridecoach` console script: run, try, simulate, db."""

import argparse
import sys

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
    sub.add_parser("run", help="run the bot (long polling)")
    sub.add_parser("try", help="chat with the bot offline, against a local Bot API sandbox")
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("migrate", help="create or upgrade the schema")
    backup = db_sub.add_parser("backup", help="an online, consistent copy of the database")
    backup.add_argument("path", help="where to write the copy (must not exist)")
    sim = sub.add_parser("simulate", help="replay a scenario through the progression engine")
    sim.add_argument("scenario", help="path of a scenario JSON file")
    sim.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    return parser


def _run() -> int:
    from bot.settings import Settings

    settings = Settings()
    if settings.token is None or not settings.token.get_secret_value().strip():
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from bot.app import build_application
    from bot.logs import setup

    setup(settings.log_level, settings.log_format, settings.token.get_secret_value())
    app = build_application(settings)
    app.run_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
    return 0


def _db(args: argparse.Namespace) -> int:
    from bot.settings import Settings
    from storage import backup, migrate, open_db

    settings = Settings()
    db = open_db(settings.db)
    try:
        if args.db_command == "migrate":
            before, after = migrate(db)
            print(f"{settings.db}: schema version {before} → {after}")
        else:
            try:
                path = backup(db, args.path)
            except FileExistsError:
                print(f"{args.path} exists already; choose a new path.", file=sys.stderr)
                return 2
            print(f"backup of {settings.db} written to {path}")
    finally:
        db.conn.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "simulate":
        from bot import simulate_cli

        return simulate_cli.main(args.scenario, args.format)
    if args.command == "run":
        return _run()
    if args.command == "try":
        from bot import try_cli

        return try_cli.main()
    if args.command == "db":
        return _db(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
