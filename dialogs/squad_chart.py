"""The squad chart of the weekly digest: one small panel per athlete over the last 4 weeks —
daily bone pain (the highest of rest, waking and session, 0–10) as a line and running minutes
per day as bars, stops marked red. Pure like dialogs/charts.py: its own Figure, no pyplot,
the same input gives the same bytes."""

import datetime as dt
import math
from collections.abc import Sequence

from dialogs.charts import BAR_COLOUR, REGRESS_COLOUR, STOP_COLOUR, short_date, to_png
from protocols import Day

WEEKS = 4
MAX_PANELS = 12  # a phone screen's worth; the digest text covers every athlete
PAIN_COLOUR = "#7b3294"
WIDTH_IN, PANEL_IN, DPI = 7.2, 1.9, 150


def squad_png(athletes: Sequence[tuple[str, Sequence[Day]]], end: dt.date) -> bytes:
    """`athletes`: (label, days) per athlete; `end`: the last day shown (a Sunday)."""
    shown = list(athletes)[:MAX_PANELS]
    start = end - dt.timedelta(weeks=WEEKS) + dt.timedelta(days=1)
    height = 0.9 + PANEL_IN * max(1, len(shown))
    from matplotlib.figure import Figure  # at the first chart, not at start-up

    fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI, layout="constrained", facecolor="white")
    fig.suptitle(f"Squad · {short_date(start)} – {short_date(end)}\nBone pain (purple line, 0–10, left) · "
                 "running minutes (blue bars, right) · red: stop · orange: scale-back",
                 fontsize=10, x=0.01, ha="left")  # fmt: skip
    axes = fig.subplots(max(1, len(shown)), 1, sharex=True, squeeze=False)[:, 0]
    if not shown:
        axes[0].text(0.5, 0.5, "No athletes linked", ha="center", va="center", transform=axes[0].transAxes)
        axes[0].set_axis_off()
        return to_png(fig)
    for ax, (label, days) in zip(axes, shown, strict=False):
        _panel(ax, label, [d for d in days if start <= d.date <= end], start, end)
    ticks = [start + dt.timedelta(days=7 * i) for i in range(WEEKS)] + [end]
    axes[-1].set_xticks([t.toordinal() for t in ticks], [short_date(t) for t in ticks], fontsize=9)
    return to_png(fig)


def _panel(ax, label: str, days: Sequence[Day], start: dt.date, end: dt.date) -> None:
    minutes = ax.twinx()
    xs = [d.date.toordinal() for d in days]
    runs = [d.decision.session.run_minutes or 0 for d in days]
    minutes.bar(xs, runs, width=0.8, color=BAR_COLOUR, alpha=0.35, zorder=0)
    minutes.set_ylim(0, max(30, max(runs, default=0) * 1.25))
    minutes.tick_params(labelsize=8, colors="#3b5f99")
    ax.set_zorder(minutes.get_zorder() + 1)
    ax.patch.set_visible(False)
    px, py = [], []
    for d in days:  # a gap of a day or more breaks the line
        if px and d.date.toordinal() - px[-1] > 1:
            px.append(px[-1] + 0.5)
            py.append(math.nan)
        px.append(d.date.toordinal())
        py.append(max(d.checkin.pain_rest, d.checkin.pain_morning, d.checkin.pain_session or 0))
    ax.plot(px, py, color=PAIN_COLOUR, linewidth=2, marker="o", markersize=3)
    for d in days:
        colour = {"stop": STOP_COLOUR, "regress": REGRESS_COLOUR}.get(d.decision.action)
        if colour:
            ax.axvline(d.date.toordinal(), color=colour, alpha=0.35, linewidth=3, zorder=0)
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks([0, 5, 10])
    ax.tick_params(labelsize=8)
    ax.set_xlim(start.toordinal() - 0.5, end.toordinal() + 0.5)
    stage = days[-1].decision.stage if days else "no check-ins"
    stopped = " · stopped" if days and days[-1].decision.action == "stop" else ""
    ax.set_title(f"{label} — {stage}{stopped}", fontsize=10, loc="left")
