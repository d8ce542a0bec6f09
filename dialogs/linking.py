"""The runner's side of linking to a coach: consent first, leaving, and inviting a clinician.

Nothing is linked and no coach is told before the runner says yes: an invite link opened
before onboarding keeps the code in the onboarding draft and asks after consent; an
onboarded runner is asked at once ("Link to coach Kay? [Link] [Not now]"). `/coach leave` (or
the button in /settings) unlinks, tells the coach and is audited. A runner with no coach can
invite their clinician: the link signs the clinician up as their coach when they accept.
"""

from dialogs.callbacks import ClinicianInvite, Leave, Link, build
from dialogs.coach import invite_text, link_by_code, sign_up, unlink
from storage import (
    Priority,
    coach_by_invite,
    coaches_of,
    enqueue,
    get_coach,
    get_runner,
    link_coach,
    log_action,
)
from storage.invites import drop_invite, invite_runner, runner_invite

LINK, NOT_NOW = "Link", "Not now"
INVITE_GONE = "That invite no longer works. Ask the runner for a new one."
OWN_CODE = "That is your own coach code — share it with your runners."
BAD_CODE = "That coach code does not work (it may have been replaced). Ask your coach for a new one."


def coach_name(db, code: str) -> str | None:
    """The first name behind a coach code (None when the code does not work)."""
    coach = coach_by_invite(db, code.strip()) if code and len(code) <= 64 else None
    if coach is None:
        return None
    return coach.first_name or "your coach"


def own_code(db, user_id: int, code: str) -> bool:
    coach = coach_by_invite(db, code.strip()) if code and len(code) <= 64 else None
    return coach is not None and coach.user_id == user_id


def offer(db, runner_id: int, code: str) -> tuple[str, list | None]:
    """The question an invite link asks an onboarded runner (nothing linked yet)."""
    name = coach_name(db, code)
    if name is None:
        return BAD_CODE, None
    coach = coach_by_invite(db, code)
    if coach.user_id == runner_id:
        return OWN_CODE, None
    if any(c.user_id == coach.user_id for c in coaches_of(db, runner_id)):
        return f"You are already linked to {name}.", None
    return consent_text(name), [[(LINK, build(Link(code))), (NOT_NOW, build(Link(None)))]]


def consent_text(name: str) -> str:
    return (f"Link to coach {name}? They would see your check-ins and plan, get an alert at "
            "once if a check-in shows a warning sign, and can clear running or resume your "
            "plan. You can unlink any time with /coach leave.")  # fmt: skip


def accept(db, runner_id: int, chat_id: int, first_name: str, code: str) -> str:
    return link_by_code(db, runner_id, chat_id, first_name, code)[0]


def leave_offer(db, runner_id: int) -> tuple[str, list | None]:
    coaches = coaches_of(db, runner_id)
    if not coaches:
        return "You are not linked to a coach. A coach's invite link (or /coach <code>) links you.", None
    rows = [[(f"Unlink {c.first_name or 'coach'}", build(Leave(c.user_id)))] for c in coaches]
    rows.append([("Keep", build(Leave(None)))])
    names = ", ".join(c.first_name or "your coach" for c in coaches)
    return (f"Unlink from {names}? They would no longer see your check-ins or get your alerts.",
            rows)  # fmt: skip


def leave(db, runner_id: int, coach_id: int) -> str:
    coach = get_coach(db, coach_id)
    if coach is None or not unlink(db, runner_id, coach_id):
        return "You are not linked to that coach any more."
    return (f"Unlinked from {coach.first_name or 'your coach'}; they have been told. Your plan "
            "goes on as before.")  # fmt: skip


def clinician_invite(db, runner_id: int, bot_username: str) -> str:
    """The link a runner with no coach forwards to their clinician."""
    with db.atomic():
        code = runner_invite(db, runner_id)
        log_action(db, "clinician_invite", actor_id=runner_id, runner_id=runner_id)
    return (
        "Forward this message to your clinician (or coach):\n\n"
        f"“I use stridecoach for my return to running. Please open https://t.me/{bot_username}"
        f"?start=r_{code} — it links you to me, so you get my warning signs at once and can "
        "clear running or resume my plan when you are happy.”\n\n"
        "Once they accept, I'll tell you here."
    )


def clinician_offer(db, user_id: int, code: str) -> tuple[str, list | None]:
    """What a clinician sees on opening a runner's invite."""
    runner_id = invite_runner(db, code) if code and len(code) <= 64 else None
    runner = get_runner(db, runner_id) if runner_id else None
    if runner is None:
        return INVITE_GONE, None
    if runner_id == user_id:
        return "That is your own invite — forward it to your clinician.", None
    name = runner.first_name or "A runner"
    return (f"{name} invites you to be their clinician or coach in stridecoach: you would get "
            "their warning signs at once, see their check-ins and plan, and can clear running "
            "(/clear) or resume their plan (/resume).",
            [[(f"Accept — link to {name}", build(ClinicianInvite(code)))], [("Not now", build(ClinicianInvite(None)))]])  # fmt: skip


def clinician_accept(db, user_id: int, chat_id: int, first_name: str, code: str,
                     bot_username: str) -> str:  # fmt: skip
    runner_id = invite_runner(db, code) if code and len(code) <= 64 else None
    runner = get_runner(db, runner_id) if runner_id else None
    if runner is None or runner_id == user_id:
        return INVITE_GONE
    with db.atomic():
        code_of_coach, tz = sign_up(db, user_id, chat_id, first_name)
        if link_coach(db, user_id, runner_id):
            log_action(db, "coach_linked", actor_id=user_id, runner_id=runner_id,
                       detail={"coach_id": user_id, "via": "runner_invite"})  # fmt: skip
            enqueue(db, runner.chat_id, "link",
                    {"text": f"{first_name or 'Your clinician'} accepted your invite and is now "
                             "linked to you: they get your warning signs and can clear running "
                             "or resume your plan."},
                    runner_id=runner_id, priority=Priority.NOTICE)  # fmt: skip
        drop_invite(db, code)
    return (f"You are linked to {runner.first_name or 'the runner'}. /athletes lists your "
            "runners.\n\n" + invite_text(bot_username, code_of_coach, tz))


def ask_coach(db, runner_id: int, what: str) -> str:
    """A runner asks their coach to look (a stop to review, a hold, a clearance)."""
    runner = get_runner(db, runner_id)
    coaches = coaches_of(db, runner_id)
    if not coaches:
        return "No coach is linked."
    for coach in coaches:
        enqueue(db, coach.chat_id, "ask", {"text": f"{runner.first_name or 'A runner'} asks you to "
                f"{what}. /athletes lists your runners."}, runner_id=runner_id, priority=Priority.NOTICE)  # fmt: skip
    log_action(db, "asked_coach", actor_id=runner_id, runner_id=runner_id, detail={"what": what})
    return "Sent — your coach has been asked."
