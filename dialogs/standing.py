"""Where a runner stands: the next milestones at the earliest (the engine's own forecast, every
session clean), the typical range from PROTOCOL.md §1 as context, and the whole ladder for
/plan with ✓ done, ▶ here and what comes later."""

import datetime as dt

from dialogs import changes, forecast_memo
from dialogs.forecast_memo import Tail, TailMemo
from dialogs.plan import day_label, green_checkin
from dialogs.texts import TYPICAL_WEEKS
from protocols import Day, Event, Profile, decide
from protocols.codes import STAGES
from protocols.ladder import LADDER, path_for
from protocols.words import PHASE_CONTENT, PHASE_NAMES, content, stage_name
from storage import events_between, get_runner
from storage import history as stored_history  # `history` is the forecast's own list below

HORIZON_DAYS = 365
HISTORY = 14  # the rules look back at most 7 check-ins; the rest is in the state
MILESTONES = (("RW1", "first run/walk"), ("RW8", "first 30 min running without a break"),
              ("G", "back to full training"))  # fmt: skip
TYPICAL_FULL = "full training typically 4–6 months"
MEMO = TailMemo()  # the forecast tails of this process


def typical(profile: Profile) -> str:
    weeks = TYPICAL_WEEKS.get(profile.site, "about 13 weeks on average (6 to 27)")
    return f"Typical for this injury: back to running {weeks} from diagnosis, {TYPICAL_FULL}."


def milestone_dates(profile: Profile, days: list[Day], events: list[Event],
                    memo: TailMemo | None = MEMO) -> tuple[dict[str, dt.date], bool]:  # fmt: skip
    """The first day of each milestone stage still ahead if every day from tomorrow is clean
    (the engine's own decisions on green check-ins, as /plan's forecast); and whether that
    assumes a running clearance not yet given. With `memo`, a forecast that meets a key of
    an earlier one takes its tail instead of stepping it (dialogs/forecast_memo.py)."""
    if not days:
        return {}, False
    last = days[-1]
    stage = last.decision.state.stage
    ahead = list(unreached(stage))
    if not ahead:
        return {}, False
    assumed = not last.decision.state.running_cleared
    start = last.date + dt.timedelta(days=1)
    end = start + dt.timedelta(days=HORIZON_DAYS - 1)
    waiting = sorted(events, key=lambda e: e.date)
    if assumed:
        waiting.append(Event(date=start, type="running_cleared"))
    history, found = list(days), {}
    # the memo: digests of the days stepped, and the keys met on the way with what each
    # saw from its day on
    digests: list[bytes] = []
    marks: list[tuple[bytes, tuple[str, ...], dict[str, dt.date]]] = []
    about = profile.model_dump_json() if memo is not None else ""
    why = "horizon"
    for n in range(HORIZON_DAYS):
        d = start + dt.timedelta(days=n)
        if memo is not None and n in (HISTORY, HISTORY + 1):
            key = forecast_memo.window_key(about, d, digests[-HISTORY:], waiting)
            tail = memo.get(key) if n == HISTORY else None
            rest = tail.resolve(ahead, found, end) if tail is not None else None
            if rest is not None:
                _leave_next_key(memo, profile, history, waiting, about, digests, tail, d)
                return {**found, **rest}, assumed
            marks.append((key, unreached(history[-1].decision.stage), {}))
        todays = [e for e in waiting if e.date <= d]
        waiting = [e for e in waiting if e.date > d]
        decision = _step(profile, history, d, todays)
        if memo is not None and n <= HISTORY:
            digests.append(forecast_memo.day_digest(history[-1]))
        reached = STAGES.index(decision.stage)
        for code in ahead:
            if code not in found and reached >= STAGES.index(code):
                found[code] = d
        for _, sought, seen in marks:
            for code in sought:
                if code not in seen and reached >= STAGES.index(code):
                    seen[code] = d
        if len(found) == len(ahead) or decision.action == "stop":
            why = "found" if decision.action != "stop" else "stop"
            break
    if memo is not None:
        for key, sought, seen in marks:
            memo.put(key, Tail(sought, seen, d, why))
    return found, assumed


def unreached(stage: str) -> tuple[str, ...]:
    """The milestones beyond `stage`."""
    return tuple(code for code, _ in MILESTONES if STAGES.index(code) > STAGES.index(stage))


def _step(profile: Profile, history: list[Day], d: dt.date, todays: list[Event]):
    """One green day of the forecast, appended to `history`; its decision."""
    prev = history[-1]
    after = prev.date == d - dt.timedelta(days=1) and prev.decision.session.loading
    checkin = green_checkin(d, after)
    decision = decide(profile, history[-HISTORY:], checkin, todays)
    history.append(Day(checkin, decision))
    return decision


def _leave_next_key(memo: TailMemo, profile: Profile, history: list[Day], waiting: list[Event],
                    about: str, digests: list[bytes], tail: Tail, d: dt.date) -> None:  # fmt: skip
    """After a hit on day `d`'s key: step `d` too and store the next day's key, the one
    tomorrow's forecast of a runner on track will meet."""
    todays = [e for e in waiting if e.date <= d]
    decision = _step(profile, history, d, todays)
    if decision.action == "stop":
        return  # no forecast steps past a stop: the next day's key is never met
    window = [*digests[-HISTORY + 1:], forecast_memo.day_digest(history[-1])]
    key = forecast_memo.window_key(about, d + dt.timedelta(days=1), window,
                                   [e for e in waiting if e.date > d])  # fmt: skip
    memo.put(key, tail.after(d))


def milestones_text(profile: Profile, days: list[Day], events: list[Event]) -> str:
    """Nothing while stopped, on a coach hold or before walking is cleared: no clean day can
    move the plan then (the way out says what can)."""
    if not days:
        return ""
    state = days[-1].decision.state
    if state.stopped_at is not None or state.coach_hold or (state.stage == "P0" and not state.walking_cleared):
        return ""
    dates, assumed = milestone_dates(profile, days, events)
    if not dates:
        return "🏁 " + typical(profile) if days[-1].decision.stage != "G" else ""
    names = dict(MILESTONES)
    parts = [f"{names[code]} {day_label(day)} {day.year}" if day.year != days[-1].date.year
             else f"{names[code]} {day_label(day)}" for code, day in dates.items()]  # fmt: skip
    cond = "if every session is clean" + (" and once running is cleared" if assumed else "")
    return (f"🏁 At the earliest, {cond}: " + "; ".join(parts) + ".\n" + typical(profile)
            + " Every body is different — small steps add up.")  # fmt: skip


def inputs(db, runner_id: int, day: dt.date):
    """The forecast's inputs after the decision of `day`: the profile, the last days and the
    events after them."""
    # the forecast gives the engine the last HISTORY days only: no need to read more
    days = [d for d in stored_history(db, runner_id, limit=HISTORY) if d.date <= day]
    return inputs_after(db, runner_id, get_runner(db, runner_id).profile, days)


def inputs_after(db, runner_id: int, profile: Profile, days: list[Day]):
    """The forecast's inputs from days as stored (the last decision's day last), e.g. the
    ones a decision was just made with, read no second time: a clearance withdrawn after
    them applied, and the events after them."""
    after = days[-1].date + dt.timedelta(days=1) if days else None
    if days:
        days = changes.apply_withdrawals(db, runner_id, days[-HISTORY:], after)
    return profile, days, events_between(db, runner_id, after, None)


def ladder_text(profile: Profile, stage: str, stopped: bool) -> str:
    """The whole ladder: ✓ done, ▶ here, · later; the current phase stage by stage."""
    path = path_for(profile.has_alterg)
    here_i = path.index(stage) if stage in path else 0
    lines = ["Your ladder:"]
    phases = []
    for code in path:
        if LADDER[code].phase not in phases:
            phases.append(LADDER[code].phase)
    for phase in phases:
        codes = [c for c in path if LADDER[c].phase is phase]
        first, last = path.index(codes[0]), path.index(codes[-1])
        name = PHASE_NAMES[phase]
        if last < here_i:
            lines.append(f"✓ {name} — {PHASE_CONTENT[phase]}")
        elif first > here_i:
            lines.append(f"· {name} — {PHASE_CONTENT[phase]}")
        else:
            for code in codes:
                i = path.index(code)
                mark = "✓" if i < here_i else ("▶" if i == here_i else "·")
                extra = " (paused after a warning sign)" if i == here_i and stopped else ""
                if len(codes) > 1:
                    lines.append(f"{mark} {stage_name(code)} — {content(code)}{extra}")
                else:
                    lines.append(f"{mark} {name} — {PHASE_CONTENT[phase]}{extra}")
    return "\n".join(lines)

