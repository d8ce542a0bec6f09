"""/progress: a phone-sized PNG of bone pain, weekly running minutes and the stage climbed.

Three panels sharing one date axis: bone pain per day (rest, during the session, on
waking; 0–10), running minutes per calendar week (Mon–Sun, the sum of the prescribed
sessions' running minutes) and the stage as a step line on the runner's ladder. Stops
(red flags) are marked red and scale-backs orange on the pain and stage panels.

Pure and thread-safe: a `matplotlib.figure.Figure` of its own, no pyplot, no global
rcParams, so it can run in a worker thread off the event loop. The same input always
gives the same bytes (no timestamp in the PNG).
"""

import datetime as dt
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from protocols import Day, Profile
from protocols.codes import STAGES
from protocols.ladder import LADDER, path_for

if TYPE_CHECKING:  # matplotlib is imported by the first chart, not at start-up (a third of it)
    from matplotlib.figure import Figure

WIDTH_IN, HEIGHT_IN, DPI = 7.2, 10.8, 150  # 1080 × 1620 px, portrait
TITLE_PT, LABEL_PT, TICK_PT = 19, 15, 14
PAIN_COLOURS = {"rest": "#7b3294", "session": "#1f77b4", "morning": "#1a9850"}
PAIN_NAMES = {"rest": "at rest", "session": "in session", "morning": "on waking"}
# (line width, marker size): drawn widest first, so equal values show as nested stripes
PAIN_STYLE = {"rest": (6.0, 8.0), "session": (3.5, 5.5), "morning": (1.5, 3.0)}
BAR_COLOUR = "#3b7dd8"
STAGE_COLOUR = "#222222"
STOP_COLOUR = "#d7191c"
REGRESS_COLOUR = "#fd8d3c"
MARK_Y = 10.9  # where flag markers sit on the pain panel, above the 0–10 scale
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip
MAX_STAGE_LABELS = 12
STAGE_LABEL_ROWS = 13  # stage labels that fit the stage panel's height at 14 pt
NO_DATA = "No check-ins yet"
NO_DATA_HINT = "Send /checkin each morning\nand your progress appears here."


def short_date(d: dt.date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]}"


def monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def window(days: Sequence[Day], weeks: int | None) -> tuple[dt.date, dt.date]:
    """First Monday and last Sunday shown: the last `weeks` calendar weeks, or all history."""
    first, last = days[0].date, days[-1].date
    start = monday(first)
    if weeks is not None:
        start = max(start, monday(last) - dt.timedelta(weeks=max(weeks, 1) - 1))
    return start, monday(last) + dt.timedelta(days=6)


def pain_series(days: Sequence[Day]) -> dict[str, list[tuple[int, float]]]:
    """(day number, pain) per series. Session pain is drawn on the session's own day (the
    day before the check-in that reports it), and only when that day had a loading session."""
    loading = {x.date for x in days if x.decision.session.loading}
    series: dict[str, list[tuple[int, float]]] = {"rest": [], "session": [], "morning": []}
    for x in days:
        c = x.checkin
        series["rest"].append((c.date.toordinal(), c.pain_rest))
        series["morning"].append((c.date.toordinal(), c.pain_morning))
        session_day = c.date - dt.timedelta(days=1)
        if c.pain_session is not None and session_day in loading:
            series["session"].append((session_day.toordinal(), c.pain_session))
    return series


def with_gaps(points: list[tuple[int, float]]) -> tuple[list[float], list[float]]:
    """x, y lists with a NaN between days that are not consecutive, so lines break on gaps."""
    xs: list[float] = []
    ys: list[float] = []
    for x, y in sorted(points):
        if xs and x - xs[-1] > 1:
            xs.append(xs[-1] + 0.5)
            ys.append(math.nan)
        xs.append(x)
        ys.append(y)
    return xs, ys


def weekly_run_minutes(
    days: Sequence[Day], start: dt.date, end: dt.date
) -> list[tuple[dt.date, int]]:
    """(Monday, running minutes prescribed that week) for every week from start to end."""
    totals: dict[dt.date, int] = {}
    week = start
    while week <= end:
        totals[week] = 0
        week += dt.timedelta(weeks=1)
    for x in days:
        week = monday(x.date)
        if week in totals:
            totals[week] += x.decision.session.run_minutes or 0
    return list(totals.items())


def ladder_path(days: Sequence[Day], profile: Profile) -> tuple[str, ...]:
    """The runner's ladder (with AlterG stages only if they use one)."""
    path = path_for(profile.has_alterg)
    if all(x.decision.stage in path for x in days):
        return path
    return STAGES


def stage_ticks(path: tuple[str, ...], low: int, high: int, current: str) -> list[int]:
    """Stage indexes to label, far enough apart not to overlap on a phone: the current,
    lowest and highest stage first, then each phase's first stage, then the rest."""
    gap = max(1, math.ceil((high - low + 1.6) / STAGE_LABEL_ROWS))
    shown = range(low, high + 1)
    firsts = [i for i in shown if i == 0 or LADDER[path[i]].phase is not LADDER[path[i - 1]].phase]
    kept: list[int] = []
    for i in (path.index(current), low, high, *reversed(firsts), *shown):
        if len(kept) < MAX_STAGE_LABELS and all(abs(i - k) >= gap for k in kept):
            kept.append(i)
    return sorted(kept)


def date_ticks(start: dt.date, end: dt.date) -> list[dt.date]:
    """Mondays, thinned so at most about 8 labels fit across a phone screen."""
    mondays = []
    d = start
    while d <= end:
        mondays.append(d)
        d += dt.timedelta(weeks=1)
    step = max(1, math.ceil(len(mondays) / 8))
    return mondays[::step]


def new_figure() -> "Figure":
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained", facecolor="white")


def to_png(fig: "Figure") -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def placeholder_png() -> bytes:
    fig = new_figure()
    fig.text(0.5, 0.56, NO_DATA, ha="center", va="center", fontsize=26, weight="bold")
    fig.text(0.5, 0.46, NO_DATA_HINT, ha="center", va="center", fontsize=17, color="#555555")
    return to_png(fig)


def flag_days(days: Sequence[Day], action: str) -> list[Day]:
    return [x for x in days if x.decision.action == action]


def draw_pain(ax, days: Sequence[Day]) -> None:
    for key, points in pain_series(days).items():
        xs, ys = with_gaps(points)
        width, size = PAIN_STYLE[key]
        ax.plot(xs, ys, color=PAIN_COLOURS[key], linewidth=width, marker="o", markersize=size,
                label=PAIN_NAMES[key], solid_capstyle="round")  # fmt: skip
    for action, colour, marker in (("stop", STOP_COLOUR, "X"), ("regress", REGRESS_COLOUR, "v")):
        xs = [x.date.toordinal() for x in flag_days(days, action)]
        for x in xs:
            ax.axvline(x, color=colour, alpha=0.25, linewidth=2, zorder=0)
        ax.plot(xs, [MARK_Y] * len(xs), linestyle="none", marker=marker, markersize=11,
                color=colour)  # fmt: skip
    ax.set_ylim(-0.5, 11.6)
    ax.set_yticks(range(0, 11, 2))
    ax.set_title("Bone pain (0–10)", fontsize=LABEL_PT, loc="left")
    ax.legend(fontsize=TICK_PT, ncols=3, loc="lower left", bbox_to_anchor=(0, 1.08),
              frameon=False, handlelength=1.2, columnspacing=0.8, borderaxespad=0)  # fmt: skip


def draw_weeks(ax, days: Sequence[Day], start: dt.date, end: dt.date) -> None:
    weeks = weekly_run_minutes(days, start, end)
    xs = [w.toordinal() + 3 for w, _ in weeks]
    heights = [m for _, m in weeks]
    bars = ax.bar(xs, heights, width=6, color=BAR_COLOUR)
    if len(weeks) <= 10:
        ax.bar_label(bars, labels=[str(m) if m else "" for m in heights], fontsize=TICK_PT,
                     padding=2)  # fmt: skip
    top = max(heights, default=0)
    ax.set_ylim(0, max(10, top * 1.2))
    ax.set_title("Running minutes per week (Mon–Sun)", fontsize=LABEL_PT, loc="left")


def draw_stage(ax, days: Sequence[Day], profile: Profile) -> None:
    path = ladder_path(days, profile)
    ys = [path.index(x.decision.stage) for x in days]
    xs = [x.date.toordinal() for x in days]
    ax.step([*xs, xs[-1] + 1], [*ys, ys[-1]], where="post", color=STAGE_COLOUR, linewidth=2.6)
    for action, colour, marker, name in (
        ("stop", STOP_COLOUR, "X", "stop (warning sign)"),
        ("regress", REGRESS_COLOUR, "v", "scale-back"),
    ):
        flagged = flag_days(days, action)
        ax.plot([x.date.toordinal() for x in flagged],
                [path.index(x.decision.stage) for x in flagged],
                linestyle="none", marker=marker, markersize=12, color=colour,
                label=name if flagged else None)  # fmt: skip
    for first, last, stage in long_stays(days, min_days=max(7, len(days) // 8)):
        ax.annotate(stage, ((first + last + 1) / 2, path.index(stage)), xytext=(0, 4),
                    textcoords="offset points", ha="center", va="bottom", fontsize=TICK_PT,
                    weight="bold", color=STAGE_COLOUR)  # fmt: skip
    low, high = min(ys), max(ys)
    ticks = stage_ticks(path, low, high, days[-1].decision.stage)
    ax.set_yticks(ticks, [path[i] for i in ticks])
    ax.set_ylim(low - 0.8, high + 0.8)
    ax.set_title("Stage", fontsize=LABEL_PT, loc="left")
    if any(x.decision.action in ("stop", "regress") for x in days):
        ax.legend(fontsize=TICK_PT, loc="lower right", framealpha=0.9)


def long_stays(days: Sequence[Day], min_days: int) -> list[tuple[int, int, str]]:
    """(first day, last day, stage) for runs of at least `min_days` days at one stage."""
    runs: list[list] = []
    for x in days:
        n = x.date.toordinal()
        if runs and runs[-1][2] == x.decision.stage:
            runs[-1][1] = n
        else:
            runs.append([n, n, x.decision.stage])
    return [(a, b, stage) for a, b, stage in runs if b - a + 1 >= min_days]


def title(days: Sequence[Day], start: dt.date) -> str:
    last = days[-1]
    first = max(days[0].date, start)
    stage = last.decision.stage
    if last.decision.action == "stop":
        stage += " (paused)"
    span = f"{short_date(first)} – {short_date(last.date)} {last.date.year}"
    return f"Stage {stage} · {span}"


def progress_png(days: list[Day], profile: Profile, *, weeks: int | None = 8) -> bytes:
    """The progress chart as PNG bytes (1080 × 1620 px); `weeks=None` shows all history."""
    days = sorted(days, key=lambda x: x.date)
    if not days:
        return placeholder_png()
    start, end = window(days, weeks)
    shown = [x for x in days if x.date >= start]
    fig = new_figure()
    pain_ax, weeks_ax, stage_ax = fig.subplots(3, 1, sharex=True, height_ratios=(1.1, 0.9, 1.1))
    draw_pain(pain_ax, shown)
    draw_weeks(weeks_ax, shown, start, end)
    draw_stage(stage_ax, shown, profile)
    ticks = date_ticks(start, end)
    stage_ax.set_xticks([d.toordinal() for d in ticks], [short_date(d) for d in ticks])
    stage_ax.set_xlim(start.toordinal() - 0.5, end.toordinal() + 0.5)
    for ax in (pain_ax, weeks_ax, stage_ax):
        ax.tick_params(labelsize=TICK_PT)
        ax.grid(axis="y", color="#dddddd", linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle(title(shown, start), fontsize=TITLE_PT, weight="bold")
    return to_png(fig)
