"""`stridecoach simulate`: replay a scenario file and print one line per check-in day."""

import json
import sys
from pathlib import Path

from pydantic import ValidationError

from protocols import Scenario, contract_line, simulate
from protocols.models import ALLOWED

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
        got_text = "" if item["type"] in ("missing", "extra_forbidden") else f" (got {got!r})"
        line = f"{path or 'scenario'}: {message}{got_text}"
        if allowed and item["type"] != "extra_forbidden":
            line += f"; allowed: {allowed}"
        lines.append(line)
    return lines


def load_scenario(path: str) -> Scenario:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
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
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def main(path: str, fmt: str) -> int:
    try:
        scenario = load_scenario(path)
    except FileNotFoundError:
        print(f"{path}: no such file", file=sys.stderr)
        return EXIT_BAD_INPUT
    except json.JSONDecodeError as exc:
        print(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
              file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    except ValidationError as exc:
        print(f"{path}: the scenario is not valid:", file=sys.stderr)
        for line in describe_errors(exc):
            print("  " + line, file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        lines = [contract_line(d) for d in simulate(scenario)]
    except ValueError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if fmt == "table":
        print(table(lines))
    else:
        for line in lines:
            print(json.dumps(line, ensure_ascii=False))
    return 0
