"""What the table-driven parser tests share: a row is (typed text, expected value) for a valid
answer or (typed text, part of the re-prompt) for an invalid one."""

import pytest

from dialogs.parsing import MAX_ANSWER_CHARS, Invalid

TOO_LONG = "7" * (MAX_ANSWER_CHARS + 1)


def check(parse, text, expected):
    """A valid answer parses to `expected` (numbers compared to 0.01)."""
    value = parse(text)
    if isinstance(expected, float):
        assert value == pytest.approx(expected, abs=0.01), text
    else:
        assert value == expected, text


def refused(parse, text, message):
    """An invalid answer raises Invalid whose text (the re-prompt) contains `message`."""
    with pytest.raises(Invalid) as caught:
        parse(text)
    assert message in str(caught.value), (text, str(caught.value))


def cases(tables, column: int):
    """One test case per row of column 1 (valid) or 2 (invalid) of `tables`, each a tuple
    (parser, valid rows, invalid rows)."""
    return [pytest.param(table[0], text, want, id=f"{table[0].__name__}:{text[:24]!r}")
            for table in tables for text, want in table[column]]  # fmt: skip
