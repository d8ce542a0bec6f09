"""A red flag stops the check-in at once (PROTOCOL.md §4): the stop and the coach's urgent
alert go out at the first red-flag answer, before any further question; the rest of the
check-in is optional and the day's decision is completed when it is answered (or, at the end
of the day, with what is known)."""

import json
from dataclasses import dataclass

from dialogs import changes
from dialogs.alerts import raise_alerts
from protocols import Checkin, Decision, Profile, decide
from protocols.early import BONE_FIELDS, is_green
from protocols.ladder import LADDER
from protocols.messages import REASONS
from protocols.words import in_words
from storage import save_draft

STOPPED = "_stopped"  # answers[STOPPED]: the red flags that stopped today's check-in
STOP_SHOWN = "_stop_shown"  # the stop message went out
OPTIONAL = ("The rest of today's check-in is optional — it helps your coach see the whole "
            "picture. Answer below, or tap Finish here.")  # fmt: skip
REST_TODAY = "Today is a rest day: pain-free non-impact cross-training only if it causes no bone pain."


@dataclass(frozen=True)
class EarlyStop:
    rules: tuple[str, ...]
    told: int  # coaches told
    stage: str
    profile: Profile


def stop_line(stage: str) -> str:
    """The stop instruction that fits what the runner is doing (a walker has no run to stop)."""
    kind = LADDER[stage].kind
    if stage == "P0" or kind == "cross_train":
        return "🛑 Stop today's exercise and see your clinician."
    if kind == "walk":
        return "🛑 Stop today's walks and see your clinician."
    if kind == "readiness":
        return "🛑 No readiness tests today — please see your clinician."
    return "🛑 Stop running today and see your clinician."


def told_line(told: int) -> str:
    if told == 1:
        return "Your coach has been told."
    if told > 1:
        return "Your coaches have been told."
    return "Please contact your clinician today."


def may_raise(field: str, value) -> bool:
    """Only a non-green bone or session-pain answer can raise a red flag (protocols.early)."""
    if field in BONE_FIELDS:
        return not is_green(field, value)
    return field == "pain_session" and bool(value)


def raise_early(db, user_id: int, partial: Checkin, question: str, answers: dict,
                now) -> EarlyStop | None:  # fmt: skip
    """Decide on the answers so far (the rest read as green); on a red flag raise the urgent
    alert and mark the draft stopped, in one transaction."""
    runner, days, events = changes.engine_inputs(db, user_id, partial.date)
    decision: Decision = decide(runner.profile, days, partial, events)
    if not decision.alert:
        return None
    rules = tuple(r for r in decision.rules if r.startswith("RF"))
    with db.atomic():
        told = raise_alerts(db, runner, partial, decision.model_copy(update={"reviews": ()}), now)
        save_draft(db, user_id, "checkin", question, {**answers, STOPPED: list(rules)})
    return EarlyStop(rules, told, decision.stage, runner.profile)


def stop_again(db, user_id: int, answers: dict) -> EarlyStop:
    """The stop already raised (its alert sent), to show the runner once more."""
    from storage import coaches_of, get_runner, latest_decision

    runner = get_runner(db, user_id)
    latest = latest_decision(db, user_id)
    stage = latest.state.stage if latest else runner.profile.start_stage
    return EarlyStop(tuple(answers[STOPPED]), len(coaches_of(db, user_id)), stage, runner.profile)


def stop_text(found: EarlyStop, way_out: str) -> str:
    parts = [stop_line(found.stage), "Why:\n" + "\n".join(f"• {REASONS[r]}" for r in found.rules),
             told_line(found.told), REST_TODAY]  # fmt: skip
    if way_out:
        parts.append(way_out)
    parts.append(OPTIONAL)
    return "\n\n".join(parts)


def after_stop_text(decision: Decision) -> str:
    """The reply when a stopped check-in is finished: the stop again, thanks, what now (the
    reasons went with the stop; fields left unanswered would add reasons nobody gave)."""
    return (
        f"{stop_line(decision.stage)}\n\nThank you — your answers are saved and help your "
        f"coach.\n\n{REST_TODAY} Anything you skipped counts as not clear."
        + f"\n\nNext: {in_words(decision.next_step)}"
    )


def open_stops(db) -> list[tuple[int, dict]]:
    """Open check-in drafts stopped at a red flag."""
    rows = db.execute(
        "SELECT user_id, answers FROM form_drafts WHERE form = 'checkin' AND answers LIKE ?",
        [f'%"{STOPPED}"%'],
    ).fetchall()
    return [(uid, json.loads(answers)) for uid, answers in rows]
