"""A runner onboards and gets the first prescription, through real Bot API HTTP calls."""

from tests.e2e.harness import ONBOARDING, play, reply


async def test_onboarding_to_first_prescription(sandbox, bot):
    ann = sandbox.user(1001, first_name="Ann")
    welcome = await reply(ann, "/start")
    assert "not a doctor" in welcome.text
    last = await play(ann, ONBOARDING)
    print(ann.transcript())
    assert "all set" in last.text.lower() or "check-in" in last.text.lower()
