"""The weekly summary: stage progress, clean sessions, pain trend in words, nutrition averages."""

import datetime as dt
from statistics import mean

from protocols import Checkin, Day, Decision, Profile
from protocols.nutrition import (
    PROTEIN_AIM_G_PER_KG,
    SLEEP_TARGET_HOURS,
    calcium_floor_mg,
)

Week = list[tuple[Checkin, Decision]]


def _week(days: list[Day], end: dt.date) -> Week:
    start = end - dt.timedelta(days=6)
    return [(day.checkin, day.decision) for day in days if start <= day.date <= end]


def pain_trend(week: Week) -> str:
    """Bone pain (rest and morning) over the week, in words."""
    pains = [max(c.pain_rest, c.pain_morning) for c, _ in week]
    if not pains or not any(pains):
        return "no bone pain reported — great."
    if len(pains) < 2:
        return "a little bone pain on one day — keep an eye on it."
    half = len(pains) // 2
    early, late = mean(pains[:half]), mean(pains[half:])
    if late < early:
        return "some bone pain, easing through the week."
    if late > early:
        return "bone pain rising late in the week — worth watching, and tell your clinician if it goes on."
    return "a little bone pain, steady — keep an eye on it."


def weekly_summary(profile: Profile, days: list[Day], today: dt.date) -> str:
    week = _week(days, today)
    if not week:
        return "Your week: no check-ins this week. Whenever you are ready, /checkin takes a minute."
    first, last = week[0][1], week[-1][1]
    lines = ["Your week in review 🗓"]
    if first.stage_before != last.stage:
        lines.append(f"• Stage: {first.stage_before} → {last.stage}.")
    else:
        lines.append(f"• Stage: {last.stage}, holding steady.")
    done = sum(1 for c, _ in week if c.session_done == "full")
    moved = sum(1 for _, d in week if d.action == "advance")
    lines.append(f"• Sessions done in full: {done}; steps up: {moved}.")
    lines.append(f"• Check-ins: {len(week)} of 7 days.")
    lines.append("• Pain: " + pain_trend(week))
    weight = last.state.weight_kg or profile.weight_kg
    protein = [c.protein_g for c, _ in week if c.protein_g is not None]
    if protein:
        aim = PROTEIN_AIM_G_PER_KG[0] * weight
        verdict = "on target" if mean(protein) >= aim else f"under the {aim:.0f} g aim"
        lines.append(f"• Protein: {mean(protein):.0f} g a day on average — {verdict}.")
    calcium = [c.calcium_mg for c, _ in week if c.calcium_mg is not None]
    if calcium:
        floor = calcium_floor_mg(profile.age, profile.sex)
        verdict = "meets" if mean(calcium) >= floor else "is under"
        lines.append(f"• Calcium: {mean(calcium):.0f} mg a day — {verdict} your {floor} mg minimum.")
    sleep = [c.sleep_hours for c, _ in week if c.sleep_hours is not None]
    if sleep:
        verdict = "good" if mean(sleep) >= SLEEP_TARGET_HOURS else "aim for 8 hours or more"
        lines.append(f"• Sleep: {mean(sleep):.1f} h a night — {verdict}.")
    lines.append(f"Next: {last.next_step}")
    return "\n".join(lines)
