"""One rule for typed servings against mg / g, with no cliff (issue 16 point 9), as a table."""

import pytest

from dialogs.parsing import SERVINGS_UP_TO, Invalid, calcium, protein, understood

CALCIUM = [
    # typed, mg, servings it was read as
    ("0", 0, 0), ("1", 300, 1), ("3", 900, 3), ("2.5", 750, 2.5), ("5+", 1500, 5),
    ("10", 3000, 10), ("11", 3300, 11), ("15", 4500, 15),  # no cliff at 10: servings to 15
    ("16", 16, None), ("900", 900, None), ("1200", 1200, None), ("1200 mg", 1200, None),
    ("1,200", 1200, None), ("1,5", 450, 1.5),  # thousands separator; a decimal comma
    ("3 servings", 900, 3), ("2 glasses", 600, 2), ("12 mg", 12, None),
]  # fmt: skip
PROTEIN = [
    ("1", 25, 1), ("4", 100, 4), ("6+", 150, 6), ("11", 275, 11), ("15", 375, 15),
    ("16", 16, None), ("100", 100, None), ("100 g", 100, None), ("4 portions", 100, 4),
    ("30 grams", 30, None),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "mg", "servings"), CALCIUM)
def test_calcium(typed, mg, servings):
    assert calcium(typed) == (pytest.approx(mg), servings)


@pytest.mark.parametrize(("typed", "grams", "portions"), PROTEIN)
def test_protein(typed, grams, portions):
    assert protein(typed) == (pytest.approx(grams), portions)


@pytest.mark.parametrize("typed", ["-1", "abc", "20 servings", "6000 mg", "3 cups", "😀"])
def test_calcium_rejects_with_what_is_valid(typed):
    with pytest.raises(Invalid) as info:
        calcium(typed)
    assert "e.g." in str(info.value)


def test_the_rule_is_stated_in_the_question():
    from dialogs.checkin import FORM

    prompt = FORM.question("calcium_mg").prompt
    assert f"up to {SERVINGS_UP_TO} counts servings" in prompt and "more is mg" in prompt


def test_the_echo_says_what_a_typed_amount_was_read_as():
    assert understood(*calcium("3"), "mg", "serving") == "≈ 900 mg (3 servings)"
    assert understood(*calcium("1"), "mg", "serving") == "≈ 300 mg (1 serving)"
    assert understood(*calcium("1200 mg"), "mg", "serving") == "≈ 1200 mg"
    assert understood(*protein("4"), "g", "portion") == "≈ 100 g (4 portions)"
