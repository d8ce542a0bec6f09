"""A stopped day: rest until a resume and a fully green check-in (docs/PROTOCOL.md §7, §8)."""

from protocols import groups, rules
from protocols.ladder import previous_stage
from protocols.models import EngineState, Profile
from protocols.progression import enter, loading_today
from protocols.rules import Context, bone_green
from protocols.sessions import LOAD, REST, STOP


def while_stopped(profile: Profile, s: EngineState, ctx: Context) -> tuple[str, tuple[str, ...], str]:
    """Stopped: rest each day until a resume and a fully green check-in (§7 Stop and resume).

    §8 (version 2): while stopped, SB1–SB3 and every red flag are still evaluated and listed
    (the stage never changes); an SB1/SB2 on a stop day counts for RF6 later, because RF6
    reads the rules listed in history. A red flag cancels any resume that arrived before it,
    one dated on the red flag's own day included (events apply before the day's decision).
    """
    stopped = s.stopped_at
    # §7 P0: in P0 only RF1, RF5, RF6, H3 and H4 apply, so a stop at P0 evaluates no scale-back
    scale_backs = [] if stopped == "P0" else groups.pain_scale_backs(ctx)
    reds = groups.red_flags(ctx, stopped, pain_scale_back_today=bool(scale_backs))
    if stopped != "P0" and rules.sb3(ctx):
        scale_backs.append("SB3")
        s.sb3_session = s.last_loading  # SB3 fires at most once per loading session
    if reds:
        s.resume_pending = False  # §8: only a resume dated after the last red flag lifts it
        return "stop", (*reds, *scale_backs), STOP
    # "fully green": every bone-site field green; sleep, calcium and protein do not count.
    # Soreness is not among the exclusions, so ≥ 24 h soreness keeps the stop (bone_green).
    if s.resume_pending and bone_green(ctx.checkin):
        target = previous_stage(stopped, profile.has_alterg)
        s.set(stopped_at=None, resume_pending=False)
        s.stage = stopped
        enter(profile, s, target, ctx.checkin.date, reset_build=True)
        return "regress", (), LOAD if loading_today(profile, s, ctx.checkin.date) else REST
    return "stop", tuple(scale_backs), STOP


