"""The rule book ships with the project: docs/PROTOCOL.md, the rule table in
`protocols/rulebook.py`, the engine's reasons and `stridecoach rules` name the same rule IDs."""

import re
import subprocess
import sys
from pathlib import Path

from bot import rules_cli
from protocols.codes import RULE_IDS
from protocols.rulebook import RULES, SOURCES
from tests.protocols.helpers import green, profile, run

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "PROTOCOL.md"
RULE_ID = re.compile(r"\b(RF\d+|SB\d+|H\d+|RED\d+|ADV)\b")


def ids_in(text: str) -> set[str]:
    return set(RULE_ID.findall(text))


def test_the_docs_name_every_rule_id_the_code_has_and_no_other():
    assert ids_in(DOC.read_text(encoding="utf-8")) == set(RULES) == set(RULE_IDS)


def test_every_rule_id_written_in_the_engine_is_in_the_table():
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "protocols").glob("*.py"))
    quoted = set(re.findall(r"\"(RF\d+|SB\d+|H\d+|RED\d+|ADV)\"", code))
    assert quoted == set(RULES)


def test_the_docs_rule_table_is_the_generated_one():
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(rules_cli.TABLE_START), text.index(rules_cli.TABLE_END)
    assert text[start : end + len(rules_cli.TABLE_END)] == rules_cli.markdown()


def test_every_rule_has_text_a_reason_and_known_sources():
    for rule in RULES.values():
        assert rule.text.strip() and rule.reason.strip(), rule.id
        assert rule.sources and set(rule.sources) <= set(SOURCES), rule.id
    for key in SOURCES:  # every source cited in the rule table is in the book's list
        assert key == "product" or f"[{key}]" in DOC.read_text(encoding="utf-8"), key


def test_the_engines_reasons_are_the_tables_reasons():
    ds = run(profile(start_stage="W3"), [green(0), green(1, limp=True, pain_morning=2)])
    d = ds[-1]
    assert d.rules == ("RF3", "SB2")
    assert d.reasons == tuple(RULES[r].reason for r in d.rules)


def test_stridecoach_rules_prints_every_id_with_its_text_and_sources():
    out = subprocess.run([sys.executable, "-m", "bot.cli", "rules"], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout  # fmt: skip
    assert "protocol version 2" in out
    assert ids_in(out) == set(RULES)
    assert "Bone pain that wakes the runner" in out and "S15" in out
    assert "S17" in out and "Robertson" in out  # the key to the sources
