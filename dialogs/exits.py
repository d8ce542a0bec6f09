"""No dead end: every state a runner can be stuck in, the way out its message names, and the
button that takes it.

States: stopped (low-risk bone and no coach → "I have seen my clinician"; a coach linked →
"Ask my coach to review"; a high-risk or unknown bone and no coach → "Invite your
clinician"), on a coach hold, in P0 without walking clearance, a running stage locked by H7
(low-risk: the runner sets it; high-risk: the coach, or an invite), reminders paused, not
sure of the bone.
"""

from dialogs.callbacks import Exit, ResumeSelf, SettingsAt, build
from protocols import Decision
from protocols.codes import HIGH_RISK_SITES, Site
from protocols.ladder import is_running_stage, next_stage
from storage import coaches_of, get_runner, latest_decision

RESUME_SELF = build(ResumeSelf())
INVITE = build(Exit("invite"))
ASK_COACH = build(Exit("ask"))
REMINDERS_ON = build(Exit("unpause"))


def _setting(question: str) -> str:
    """/settings opened at that question."""
    return build(SettingsAt(question))


STOPPED_SELF, STOPPED_COACH, STOPPED_INVITE = "stopped_self", "stopped_coach", "stopped_invite"
HOLD, P0_WALK = "hold", "p0_no_walking"
LOCKED_SELF, LOCKED_COACH, LOCKED_INVITE = "locked_self", "locked_coach", "locked_invite"
PAUSED, UNSURE_BONE = "paused", "unsure_bone"

WHY_NOT_SELF = ("At this bone a runner cannot clear themself: a high-risk bone needs your "
                "clinician's or coach's eyes before the plan moves on.")  # fmt: skip
EXITS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    STOPPED_SELF: ("Way out: once your clinician has seen you and is happy, tap “I have seen my "
                   "clinician” — your plan restarts one stage below at your next fully clear "
                   "check-in.", [("I have seen my clinician", RESUME_SELF)]),
    STOPPED_COACH: ("Way out: your coach resumes your plan once you are clear; they have the "
                    "alert. “Ask my coach to review” sends them a reminder.",
                    [("Ask my coach to review", ASK_COACH)]),
    STOPPED_INVITE: ("Way out: " + WHY_NOT_SELF + " Tap “Invite your clinician” for a link to "
                     "forward to them: opening it links them to you, and they can then resume "
                     "your plan here.", [("Invite your clinician", INVITE)]),
    HOLD: ("Way out: your coach lifts the hold. “Ask my coach about the hold” sends them a "
           "message.", [("Ask my coach about the hold", ASK_COACH)]),
    P0_WALK: ("Way out: when your clinician says you may walk for exercise, tap “My clinician "
              "cleared walking”.", [("My clinician cleared walking", _setting("walking_cleared"))]),
    LOCKED_SELF: ("Running unlocks when your clinician clears you: then tap “My clinician "
                  "cleared running”.", [("My clinician cleared running", _setting("running_cleared"))]),
    LOCKED_COACH: ("Running unlocks when your coach confirms clearance (they send /clear). “Ask "
                   "my coach to clear me” sends them a message.",
                   [("Ask my coach to clear me", ASK_COACH)]),
    LOCKED_INVITE: ("Running unlocks when a coach or clinician confirms clearance. "
                    + WHY_NOT_SELF + " Tap “Invite your clinician” for a link to forward to "
                    "them.", [("Invite your clinician", INVITE)]),
    PAUSED: ("Reminders are paused: “Turn reminders on” brings them back.",
             [("Turn reminders on", REMINDERS_ON)]),
    UNSURE_BONE: ("Not sure which bone it is? Until you know it counts as high risk; once your "
                  "clinician tells you, tap “Set my injured bone”.",
                  [("Set my injured bone", _setting("site"))]),
}  # fmt: skip


def states(db, user_id: int, decision: Decision | None = None) -> list[str]:
    """Every state of the list above the runner is in now (most pressing first)."""
    runner = get_runner(db, user_id)
    if runner is None or runner.profile is None:
        return []
    decision = decision or latest_decision(db, user_id)
    high = runner.profile.site in HIGH_RISK_SITES
    coached = bool(coaches_of(db, user_id))
    found: list[str] = []
    if decision is not None:
        s = decision.state
        if s.stopped_at is not None:
            found.append(STOPPED_COACH if coached else STOPPED_INVITE if high else STOPPED_SELF)
        elif s.coach_hold:
            found.append(HOLD)
        elif s.stage == "P0" and not s.walking_cleared:
            found.append(P0_WALK)
        else:
            target = next_stage(s.stage, runner.profile.has_alterg)
            if target is not None and is_running_stage(target) and not s.running_cleared:
                found.append(LOCKED_COACH if high and coached else LOCKED_INVITE if high else LOCKED_SELF)
    elif not runner.profile.walking_cleared:
        found.append(P0_WALK)
    if runner.paused:
        found.append(PAUSED)
    if runner.profile.site == Site.OTHER:
        found.append(UNSURE_BONE)
    return found


def exit_of(found: list[str]) -> tuple[str, list | None]:
    """The way-out lines and buttons for the states found."""
    if not found:
        return "", None
    text = "\n\n".join(EXITS[s][0] for s in found)
    keyboard = [[button] for s in found for button in EXITS[s][1]]
    return text, keyboard


def stop_exit(db, user_id: int) -> tuple[str, list | None]:
    """The way out of a stop raised at this moment (before today's decision is stored)."""
    runner = get_runner(db, user_id)
    coached = bool(coaches_of(db, user_id))
    high = runner.profile.site in HIGH_RISK_SITES
    found = [STOPPED_COACH if coached else STOPPED_INVITE if high else STOPPED_SELF]
    if runner.profile.site == Site.OTHER:
        found.append(UNSURE_BONE)
    return exit_of(found)


def decision_keyboard(db, user_id: int, decision: Decision) -> list | None:
    return exit_of(states(db, user_id, decision))[1]


def decision_exit(db, user_id: int, decision: Decision) -> tuple[str, list | None]:
    return exit_of(states(db, user_id, decision))
