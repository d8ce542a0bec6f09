"""Coaches and clinicians: sign-up and invites, linking, roles, and a coach's /delete.

Every coach action checks the link first (a coach only ever sees or acts on runners linked to
them); the athlete views are dialogs/squad.py, the plan actions dialogs/coach_actions.py.
"""

from dialogs import coach_words as words
from dialogs.parsing import Invalid, time_zone
from storage import (
    Priority,
    coach_by_invite,
    coaches_of,
    enqueue,
    get_coach,
    get_runner,
    link_coach,
    log_action,
    rotate_invite_code,
    set_coach_tz,
    unlink_coach,
    upsert_coach,
    upsert_runner,
)
from storage.coaches import delete_coach, squad

NOT_A_COACH = "This is for coaches: send /coach to sign up and get your invite link."
COACH_MENU = """Coach menu:
/athletes — your athletes, each a button that opens their card
/athlete Ann — one athlete's card and chart (a name or their #number)
/clear Ann — clear walking or running (asks which, then confirms)
/resume Ann — resume a stopped or held plan
/hold Ann — hold an athlete at their stage
/coach — your invite link · /coach revoke — a new code · /coach zone Berlin — your time zone
/delete — delete your coach account

Urgent alerts reach you at once; reviews wait for your daytime; the digest comes on Monday mornings."""


def invite_text(bot_username: str, code: str, tz: str) -> str:
    return (
        "Your invite for runners:\n"
        f"https://t.me/{bot_username}?start=c_{code}\n"
        f"or they send: /coach {code}\n\n"
        "Linked runners' red flags reach you at once. /athletes lists them; /coach revoke "
        "replaces this code (the old one stops working). Your time zone is "
        f"{tz} (the Monday digest and reviews follow it): /coach zone Berlin changes it."
    )


def is_runner(db, user_id: int) -> bool:
    runner = get_runner(db, user_id)
    return runner is not None and runner.profile is not None


def role(db, user_id: int) -> tuple[bool, bool]:
    """(is a coach, is a runner set up)."""
    return get_coach(db, user_id) is not None, is_runner(db, user_id)


def sign_up(db, user_id: int, chat_id: int, first_name: str) -> tuple[str, str]:
    """Sign up (or refresh) a coach: (invite code, time zone). A runner's zone carries over."""
    runner = get_runner(db, user_id)
    existing = get_coach(db, user_id)
    tz = existing.tz if existing else (runner.tz if runner else "UTC")
    coach = upsert_coach(db, user_id, chat_id, first_name, tz=tz)
    if existing is None:
        log_action(db, "coach_signup", actor_id=user_id)
    return coach.invite_code, coach.tz


def revoke(db, user_id: int) -> tuple[str, str] | None:
    coach = get_coach(db, user_id)
    if coach is None:
        return None
    code = rotate_invite_code(db, user_id)
    log_action(db, "invite_revoked", actor_id=user_id)
    return code, coach.tz


def set_zone(db, user_id: int, text: str) -> str:
    if get_coach(db, user_id) is None:
        return NOT_A_COACH
    try:
        tz = time_zone(text)
    except Invalid as exc:
        return str(exc)
    set_coach_tz(db, user_id, tz)
    return f"Your time zone is {tz}: the digest arrives on Monday mornings there, and reviews in your daytime."


def link_by_code(db, runner_id: int, chat_id: int, first_name: str, code: str) -> tuple[str, bool]:
    """A runner links to the coach owning `code`: (what to tell the runner, linked?)."""
    coach = coach_by_invite(db, code.strip()) if code and len(code) <= 64 else None
    if coach is None:
        return "That coach code does not work (it may have been replaced). Ask your coach for a new one.", False
    if coach.user_id == runner_id:
        return "That is your own coach code — share it with your runners.", False
    upsert_runner(db, runner_id, chat_id, first_name)
    with db.atomic():
        if not link_coach(db, coach.user_id, runner_id):
            return f"You are already linked to {coach.first_name or 'this coach'}.", False
        log_action(db, "coach_linked", actor_id=runner_id, runner_id=runner_id,
                   detail={"coach_id": coach.user_id})  # fmt: skip
        ref = next(n for n, r in squad(db, coach.user_id) if r.user_id == runner_id)
        name = first_name or "A runner"
        enqueue(db, coach.chat_id, "link",
                {"text": f"{name} linked to you as athlete number {ref}. /athletes lists your runners."},
                runner_id=runner_id, priority=Priority.NOTICE)  # fmt: skip
    return (
        f"You are linked to your coach {coach.first_name or ''}. They will be told at once if a "
        "check-in shows a warning sign, and can see your check-ins and plan.".replace("  ", " "),
        True,
    )


def unlink(db, runner_id: int, coach_id: int) -> bool:
    runner = get_runner(db, runner_id)
    coach = get_coach(db, coach_id)
    with db.atomic():
        if coach is None or not unlink_coach(db, coach_id, runner_id):
            return False
        log_action(db, "coach_unlinked", actor_id=runner_id, runner_id=runner_id,
                   detail={"coach_id": coach_id})  # fmt: skip
        name = words.name(runner) if runner else "A runner"
        enqueue(db, coach.chat_id, "link", {"text": f"{name} unlinked from you."},
                runner_id=runner_id if runner else None, about=(runner_id,),
                priority=Priority.NOTICE)  # fmt: skip
    return True


def delete_coach_account(db, coach_id: int) -> int:
    """A coach's /delete: invite code, links, their actions and pending coach messages go;
    each linked runner is told (their own data stays). The number of runners told."""
    coach = get_coach(db, coach_id)
    if coach is None:
        return 0
    with db.atomic():
        athletes = [r for _, r in squad(db, coach_id)]
        delete_coach(db, coach_id)
        told = tell_athletes_coach_left(db, coach, athletes)
        log_action(db, "coach_deleted", detail={"runners_told": told})  # without their id
    return told


def tell_athletes_coach_left(db, coach, athletes) -> int:
    """Queue the "coach has left" notice to each of the coach's former athletes (queue it
    after the deletion); how many. The rows name the coach only through `about`, so a sent
    one is forgotten when nothing else of theirs remains."""
    name = coach.first_name or "Your coach"
    for runner in athletes:
        enqueue(db, runner.chat_id, "coach_left",
                {"text": f"{name} has closed their coach account, so they no longer see your "
                         "check-ins or get your alerts. Your own plan and data stay as they are; "
                         "a new coach can link you with their invite code."},
                runner_id=runner.user_id, about=(coach.user_id,), priority=Priority.NOTICE)  # fmt: skip
    return len(athletes)


def coaches_text(db, runner_id: int) -> list[tuple[int, str]]:
    return [(c.user_id, c.first_name or "Coach") for c in coaches_of(db, runner_id)]
