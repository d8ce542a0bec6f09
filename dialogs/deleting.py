"""/delete, for runners and coaches: what goes, a confirmation that expires, done once.

A runner's /delete removes every row about them (their coaches are told they left); a coach
who is not a runner deletes their coach account (their athletes are told, their data stays);
someone who is both chooses. Presses reach here only from the person's own private chat
(dialogs.handlers.foreign_press); a repeat after the deletion only answers.
"""

import datetime as dt

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from dialogs import coach
from dialogs.callbacks import CoachDelete, Delete, build, parse
from dialogs.context import answer_query, base_of
from storage import (
    Priority,
    athletes_of,
    coaches_of,
    delete_runner,
    enqueue,
    get_coach,
    get_runner,
    log_action,
    wipe_free_space,
)

DELETE_COMMANDS = (("delete", "Delete all your data"),)
DELETE_EXPLAINED = (
    "This deletes everything I store about you: your profile, every check-in and plan, "
    "reminders, coach links and alerts. Your coaches are told you left. It cannot be undone "
    "— /export first if you want a copy."
)
DELETE_COACH_TOO = "Your coach account goes too: your invite link stops working and your athletes are unlinked."
DELETED = "Done: everything about you is deleted. If you ever want to start again, send /start."
ALREADY_DELETED = "Already done: I hold no data about you."
COACH_DELETE = (
    "Deleting your coach account removes your invite codes, your links to athletes, their "
    "alerts to you and any coach messages still waiting. Your athletes are told; their own "
    "plans and data stay. It cannot be undone."
)
DELETE_VALID_S = 600  # an old confirm button met by chance must not wipe a runner's data
DELETE_EXPIRED = "That button has expired — nothing was deleted. Send /delete again if you still want to."
COACH_DELETE_EXPIRED = "That button has expired — nothing was deleted. Send /delete again."


async def delete_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/delete: explain, then ask to confirm with a button."""
    store, chat, base = await base_of(update, context)
    runner, is_coach = await store.run(_holdings, base.user_id)
    stamp = int(base.now.timestamp())
    if is_coach and runner is None:  # a coach only: their coach account
        await chat.send(COACH_DELETE, [[("Delete my coach account", build(CoachDelete(True, stamp)))],
                                       [("Keep everything", build(CoachDelete(False)))]])  # fmt: skip
        return
    if runner is None:
        await chat.send("I have no data about you.")
        return
    text = DELETE_EXPLAINED
    rows = [[("Delete everything", build(Delete(True, stamp)))], [("Keep my data", build(Delete(False)))]]
    if is_coach:
        text += " " + DELETE_COACH_TOO
        rows.insert(1, [("Delete only my coach account", build(CoachDelete(True, stamp)))])
    await chat.send(text, rows)


def _holdings(db, user_id: int):
    return get_runner(db, user_id), get_coach(db, user_id) is not None


def _delete(db, runner_id: int) -> int | None:
    """Remove every row about the person and tell their coaches, in one transaction; None
    (and nothing written, not even an audit entry) when there was nothing to delete, so a
    repeated or forged confirmation is a no-op."""
    with db.atomic():
        runner, coach_row = get_runner(db, runner_id), get_coach(db, runner_id)
        if runner is None and coach_row is None:
            return None
        coaches = coaches_of(db, runner_id)
        athletes = athletes_of(db, runner_id) if coach_row is not None else []
        deleted = delete_runner(db, runner_id)
        if coach_row is not None:  # their athletes learn that their coach has gone
            coach.tell_athletes_coach_left(db, coach_row, athletes)
        name = runner.first_name if runner and runner.first_name else "A runner"
        for other in coaches:  # about them by id only in outbox_about, gone once it is sent
            enqueue(db, other.chat_id, "runner_left", {"text": f"{name} has left stridecoach; their data is deleted."},
                    about=(runner_id,), priority=Priority.NOTICE)  # fmt: skip
        log_action(db, "runner_deleted")  # without their id
    return deleted


def fresh(stamp: int | None, now: dt.datetime, valid_s: int = DELETE_VALID_S) -> bool:
    """A confirmation made at unix time `stamp` still counts (None: it carries no time)."""
    return stamp is not None and -60 <= now.timestamp() - stamp <= valid_s


def confirm_is_fresh(data: str, now: dt.datetime) -> bool:
    """`data` is a "Delete everything" pressed within DELETE_VALID_S."""
    pressed = parse(data)
    return isinstance(pressed, Delete) and pressed.confirm and fresh(pressed.stamp, now)


async def _confirmed(query, chat, pressed: Delete | CoachDelete, now: dt.datetime, expired: str) -> bool:
    """A fresh "Delete" press goes on; "Keep" and an expired button are answered here."""
    if not pressed.confirm:
        await answer_query(query)
        await chat.send("Nothing was deleted.")
        return False
    if not fresh(pressed.stamp, now):
        await answer_query(query, expired)
        return False
    return True


async def delete_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: Delete) -> None:
    """Delete everything, or keep it."""
    query = update.callback_query
    store, chat, base = await base_of(update, context)
    if not await _confirmed(query, chat, pressed, base.now, DELETE_EXPIRED):
        return
    deleted = await store.run(_delete, base.user_id)
    if deleted is None:
        await answer_query(query, ALREADY_DELETED)
        return
    await answer_query(query)
    await store.run(wipe_free_space)  # the deleted bytes leave the write-ahead log too
    await chat.send(DELETED)
    await chat.edit(query.message.message_id, query.message.text or DELETE_EXPLAINED)  # drops the buttons
    chat.wake_outbox()


async def coach_delete_button(update: Update, context: ContextTypes.DEFAULT_TYPE, pressed: CoachDelete) -> None:
    """Delete my coach account (the runner's own data, if any, stays), or keep everything."""
    query = update.callback_query
    store, chat, base = await base_of(update, context)
    if not await _confirmed(query, chat, pressed, base.now, COACH_DELETE_EXPIRED):
        return
    if await store.run(get_coach, base.user_id) is None:  # a repeated press
        await answer_query(query, "Your coach account is already deleted.")
        return
    await answer_query(query)
    told = await store.run(coach.delete_coach_account, base.user_id)
    await chat.send(f"Done: your coach account is deleted and {told} athlete{'s' if told != 1 else ''} told. "
                    "/coach sets you up again any time.")
    if query.message is not None:
        await chat.edit(query.message.message_id, COACH_DELETE)  # drops the buttons
    chat.wake_outbox()


def install(app: Application) -> None:
    app.add_handler(CommandHandler("delete", delete_cmd, filters=filters.ChatType.PRIVATE))
