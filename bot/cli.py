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
    print("The bot itself arrives with the next issue; the engine works: see `stridecoach simulate`.")
    return 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "simulate":
        from bot import simulate_cli

        return simulate_cli.main(args.scenario, args.format)
    if args.command == "run":
        return _run()
    return 2


if __name__ == "__main__":
    sys.exit(main())
