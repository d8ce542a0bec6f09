"""The two parser fixes as a runner meets them, through the real bot: "monkey thu" for the
strength days and "7h75" for sleep are refused with what is valid and asked again (they were
read as Monday and 8.25 h), and the check-in goes on to its decision as before."""

from tests.e2e.harness import ONBOARDING, play, reply, tap

BEFORE_STRENGTH = ONBOARDING[: [value for _, value in ONBOARDING].index("Tue + Thu")]


async def test_a_word_that_only_begins_like_a_day_is_asked_again(sandbox, bot):
    ann = sandbox.user(6101, first_name="Ann")
    await reply(ann, "/start")
    await play(ann, BEFORE_STRENGTH)
    again = await reply(ann, "monkey thu")
    assert again.text.startswith("⚠️ Please name weekdays, e.g. Tue Thu.")
    assert "Which two days suit you?" in again.text
    summary = await reply(ann, "tue thu")
    assert "• Strength days: Tue + Thu" in summary.text


async def test_seventy_five_minutes_is_no_minute_count_and_sleep_is_asked_again(sandbox, bot):
    ann = sandbox.user(6102, first_name="Ann")
    await reply(ann, "/start")
    await play(ann, ONBOARDING)
    await ann.wait_for_message(timeout=15)  # the first check-in's bone question
    sleep = await tap(ann, "✅ All clear")
    assert "How many hours did you sleep" in sleep.text
    again = await reply(ann, "7h75")
    assert again.text.startswith("⚠️ Please send sleep in hours, e.g. 7.5 or 7h30.")
    assert "How many hours did you sleep" in again.text
    calcium = await reply(ann, "7h45")
    assert calcium.text.startswith("Calcium yesterday")
    await bot.settle()  # the answered question's "✓" edit runs beside the next question
    assert any((m.text or "").endswith("✓ 7.75 h") for m in ann.messages)
    await tap(ann, "3")
    await tap(ann, "4")
    decision = await tap(ann, "0")  # missed periods (female runner), then the decision
    assert decision.text and "How many" not in decision.text
