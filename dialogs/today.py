"""/today and "Today's plan": today's decision as the runner read it, or the stop of a
check-in that stopped at a red flag and is still open, or how to check in."""

import datetime as dt

from dialogs import checkin, exits, stop, texts
from dialogs.chat import Chat
from dialogs.forms import FormContext
from protocols.messages import REASONS
from storage import Store, decision_on, get_runner, latest_decision, load_draft


async def show_today(store: Store, chat: Chat, base: FormContext) -> None:
    """Today's decision again, or the stop of a check-in still open, or how to check in."""
    row = await store.run(get_runner, base.user_id)
    if row is None or row.profile is None:
        await chat.send(texts.NOT_ONBOARDED)
        return
    decision = await store.run(decision_on, base.user_id, base.today)
    if decision is None:
        stopped = await store.run(stopped_today, base.user_id, base.today)
        if stopped is not None:
            await chat.send(*stopped)
            return
        await chat.send("No check-in yet today. Send /checkin — it takes about a minute.")
        return
    await chat.send(*await checkin.reply(store, base.user_id, decision, None))


def stopped_today(db, user_id: int, today: dt.date):
    """Today's check-in stopped at a red flag and not finished yet: the stop again."""
    draft = load_draft(db, user_id)
    if draft is None or draft.form != "checkin" or not draft.answers.get(stop.STOPPED):
        return None
    if draft.answers.get("_date") != today.isoformat():
        return None
    runner = get_runner(db, user_id)
    latest = latest_decision(db, user_id)
    stage = latest.state.stage if latest else runner.profile.start_stage
    way_out, keyboard = exits.stop_exit(db, user_id)
    why = "\n".join(f"• {REASONS[r]}" for r in draft.answers[stop.STOPPED])
    text = f"{stop.stop_line(stage)}\n\nWhy:\n{why}\n\n{stop.REST_TODAY}\n\n{way_out}"
    return text, keyboard
