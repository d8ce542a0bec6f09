"""`stridecoach simulate`: replay scenario files and print one line per check-in day.

Several files are replayed one after another, each headed by its name (`==> a.json <==`, as
`head` does). A bad file is reported and the others still run; the exit status is then 2.
A reader that stops early (`| head`) ends the output quietly.
"""

import json
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from protocols import Scenario, contract_line, simulate
from protocols.codes import RULE_IDS
from protocols.models import ALLOWED
from protocols.rulebook import table_lines

EXIT_BAD_INPUT = 2


def describe_errors(error: ValidationError) -> list[str]:
    """One line per problem: where it is, what is wrong, and what is allowed."""
    lines = []
    allowed_bool = "true or false"
    for item in error.errors():
        path = ""
        for part in item["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        field = next((p for p in reversed(item["loc"]) if isinstance(p, str)), "")
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is missing"
        elif item["type"] == "extra_forbidden":
            message = "is not a known field"
        elif item["type"] in ("enum", "literal_error"):
            message = "is not an allowed value"
        allowed = ALLOWED.get(field) or (allowed_bool if item["type"].startswith("bool") else None)
        got = item.get("input")
        quiet = item["type"] in ("missing", "extra_forbidden") or isinstance(got, (dict, list))
        got_text = "" if quiet else f" (got {got!r})"  # never a whole object on one line
        line = f"{path or 'scenario'}: {message}{got_text}"
        if allowed and item["type"] != "extra_forbidden":
            line += f"; allowed: {allowed}"
        lines.append(line)
    return lines


def date_problem(raw: object) -> str | None:
    """The first check-in date that repeats or goes back in time, named, or None."""
    checkins = raw.get("checkins") if isinstance(raw, dict) else None
    if not isinstance(checkins, list):
        return None
    seen: dict[str, int] = {}
    previous: tuple[int, str] | None = None
    for index, checkin in enumerate(checkins):
        day = checkin.get("date") if isinstance(checkin, dict) else None
        if not isinstance(day, str):
            continue
        if day in seen:
            return (f"checkins[{index}].date: {day} appears twice (also checkins[{seen[day]}]); "
                    "one check-in a day")  # fmt: skip
        if previous is not None and day < previous[1]:
            return (f"checkins[{index}].date: {day} comes after {previous[1]} "
                    f"(checkins[{previous[0]}]); check-ins must be in date order")  # fmt: skip
        seen[day] = index
        previous = (index, day)
    return None


class BadDates(ValueError):
    """Check-in dates that repeat or are out of order (named in the message)."""


def load_scenario(path: str) -> Scenario:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    problem = date_problem(raw)
    if problem:
        raise BadDates(problem)
    return Scenario.model_validate(raw)


def table(lines: list[dict]) -> str:
    """A column view for a clinician: date, action, stage, session, rules, escalation."""
    header = ("date", "action", "stage", "session", "run", "rules", "escalation")
    rows = [header]
    for line in lines:
        session = line["session"]
        stage = line["stage"]
        if line["stage_before"] != stage:
            stage = f"{line['stage_before']}→{stage}"
        rows.append((
            line["date"],
            line["action"],
            stage,
            f"{session['kind']} {session['minutes']}′" if session["minutes"] else session["kind"],
            str(session.get("run_minutes") or ""),
            " ".join(line["rules"]),
            line["escalation"] or "",
        ))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    text = "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
    return text + rules_key([rule for line in lines for rule in line["rules"]])


def rules_key(used: list[str]) -> str:
    """The table's key: each rule ID it shows, in the rule book's order, in plain words."""
    ids = tuple(rule for rule in RULE_IDS if rule in set(used))
    if not ids:
        return ""
    return "\n\nRules (all of them: stridecoach rules):\n" + "\n".join(table_lines(ids))


def run_one(path: str, fmt: str) -> tuple[int, str]:
    """(exit status, the output text) of one scenario file; errors go to stderr."""
    try:
        scenario = load_scenario(path)
    except FileNotFoundError:
        print(f"{path}: no such file", file=sys.stderr)
        return EXIT_BAD_INPUT, ""
    except IsADirectoryError:
        print(f"{path}: is a directory, not a scenario file", file=sys.stderr)
        return EXIT_BAD_INPUT, ""
    except json.JSONDecodeError as exc:
        print(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
              file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT, ""
    except BadDates as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT, ""
    except ValidationError as exc:
        print(f"{path}: the scenario is not valid:", file=sys.stderr)
        for line in describe_errors(exc):
            print("  " + line, file=sys.stderr)
        return EXIT_BAD_INPUT, ""
    try:
        lines = [contract_line(d) for d in simulate(scenario)]
    except ValueError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT, ""
    if fmt == "table":
        return 0, table(lines)
    return 0, "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)


def main(paths: str | list[str], fmt: str) -> int:
    paths = [paths] if isinstance(paths, str) else paths
    status = 0
    try:
        for number, path in enumerate(paths):
            if len(paths) > 1:
                print(("\n" if number else "") + f"==> {path} <==", flush=True)
            code, text = run_one(path, fmt)
            status = max(status, code)
            if text:
                print(text, flush=True)
    except BrokenPipeError:
        # the reader stopped (e.g. `| head`): no traceback, and no second one when Python
        # flushes stdout at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return status
    return status
