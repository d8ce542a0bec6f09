"""/progress chart: a phone-sized PNG that decodes, shows the series and is reproducible."""

import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
import pytest

from dialogs import charts
from dialogs.charts import progress_png
from tests.progress.helpers import day, green, profile, replay, scenario, until

try:
    from PIL import Image
except ImportError:  # pragma: no cover - Pillow comes with matplotlib
    Image = None


def pixels(png: bytes) -> np.ndarray:
    """The image as an (height, width, 3) uint8 RGB array."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    if Image is not None:
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    import matplotlib.image

    return (
        (matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3] * 255)
        .round()
        .astype(np.uint8)
    )


def rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)


def mask(img: np.ndarray, hex_colour: str) -> np.ndarray:
    """Pixels of exactly this colour (the solid inside of bars, lines and markers)."""
    return np.all(img == rgb(hex_colour), axis=-1)


def rows_of(img: np.ndarray, hex_colour: str) -> np.ndarray:
    return np.nonzero(mask(img, hex_colour))[0]


LEGEND_BOTTOM = 130  # rows above this hold the title and the pain legend


@cache
def render(name: str, weeks: int | None = 8) -> bytes:
    """One example scenario's chart, rendered once per test run."""
    prof, days = scenario(name)
    return progress_png(list(days), prof, weeks=weeks)


@pytest.fixture(scope="module")
def smooth():
    return scenario("smooth_tibia")


def test_png_is_portrait_phone_size_and_not_blank():
    img = pixels(render("smooth_tibia"))
    assert img.shape == (1620, 1080, 3)
    non_white = np.any(img < 250, axis=-1).mean()
    assert 0.05 < non_white < 0.8
    packed = (
        (img[..., 0].astype(np.int32) << 16) | (img[..., 1].astype(np.int32) << 8) | img[..., 2]
    )
    assert len(np.unique(packed)) > 50


@pytest.mark.slow  # renders the whole history twice (seconds)
def test_same_input_gives_the_same_bytes_without_a_timestamp(smooth):
    prof, days = smooth
    first = render("smooth_tibia", None)
    assert progress_png(list(days), prof, weeks=None) == first
    assert b"tIME" not in first and b"Software" not in first and b"matplotlib" not in first


def test_weekly_bars_appear_only_with_running():
    walker = profile(start_stage="W1", site="navicular")
    walks = replay(walker, [green(n) for n in range(10)])  # W1–W4: no running minutes
    runner = profile(start_stage="RW3")
    runs = replay(runner, [green(n) for n in range(10)])
    assert not mask(pixels(progress_png(walks, walker)), charts.BAR_COLOUR).any()
    bars = rows_of(pixels(progress_png(runs, runner)), charts.BAR_COLOUR)
    assert bars.size > 5000
    # the bars panel is the middle third of the image
    assert bars.min() > 1620 * 0.3 and bars.max() < 1620 * 0.7


def test_weekly_minutes_sum_prescribed_run_minutes_per_calendar_week():
    prof = profile(start_stage="RW3")  # 15 running minutes every other day
    days = replay(prof, [green(n) for n in range(14)])
    weeks = charts.weekly_run_minutes(days, day(0), day(13))
    per_week = [sum(x.decision.session.run_minutes or 0 for x in days[k : k + 7]) for k in (0, 7)]
    assert weeks == [(day(0), per_week[0]), (day(7), per_week[1])]
    assert per_week[0] >= 45


def test_bone_pain_series_is_drawn_at_its_value():
    prof = profile(start_stage="W3")
    calm = [green(n) for n in range(8)]
    sore = [*calm[:4], green(4, pain_rest=6), *calm[5:]]  # rest pain 6/10 → a stop
    calm_img = pixels(progress_png(replay(prof, calm), prof))
    sore_img = pixels(progress_png(replay(prof, sore), prof))
    purple = charts.PAIN_COLOURS["rest"]
    # the rest-pain line climbs towards 6/10 only in the sore history (smaller row = higher)
    sore_rows, calm_rows = rows_of(sore_img, purple), rows_of(calm_img, purple)
    top_sore = sore_rows[sore_rows > LEGEND_BOTTOM].min()
    top_calm = calm_rows[calm_rows > LEGEND_BOTTOM].min()
    assert top_sore < top_calm - 150
    # the stop is marked red on the pain and the stage panels
    red = rows_of(sore_img, charts.STOP_COLOUR)
    assert red.size and red.min() < 1620 * 0.35 and red.max() > 1620 * 0.6
    assert not mask(calm_img, charts.STOP_COLOUR).any()


def test_scale_backs_are_marked_orange():
    assert mask(pixels(render("soreness_setback")), charts.REGRESS_COLOUR).any()
    assert not mask(pixels(render("smooth_tibia")), charts.REGRESS_COLOUR).any()


def test_session_pain_sits_on_the_session_day():
    prof = profile(start_stage="RW3")
    days = replay(prof, [green(0, pain_session=None, session_done=None), green(1, pain_session=2)])
    series = charts.pain_series(days)
    assert series["session"] == [(day(0).toordinal(), 2)]
    assert [p for _, p in series["rest"]] == [0, 0]


@pytest.mark.slow  # four renders, the whole history among them (seconds)
def test_default_is_eight_calendar_weeks_and_none_is_all(smooth):
    prof, days = smooth
    assert charts.window(days, 8) == (dt.date(2026, 5, 25), dt.date(2026, 7, 19))
    assert charts.window(days, None) == (dt.date(2026, 3, 2), dt.date(2026, 7, 19))
    assert render("smooth_tibia") != render("smooth_tibia", None)
    short = until(days, dt.date(2026, 3, 20))  # under 8 weeks: both show everything
    assert progress_png(short, prof) == progress_png(short, prof, weeks=None)


def test_stage_labels_do_not_crowd_a_long_ladder(smooth):
    prof, days = smooth
    path = charts.ladder_path(days, prof)
    ticks = charts.stage_ticks(path, 1, len(path) - 1, "G")
    assert len(ticks) <= charts.MAX_STAGE_LABELS
    assert all(b - a >= 2 for a, b in zip(ticks, ticks[1:], strict=False))
    assert path.index("G") in ticks and path.index("W1") in ticks
    assert charts.stage_ticks(path, path.index("RW1"), path.index("RW4"), "RW4") == [
        path.index(s) for s in ("RW1", "RW2", "RW3", "RW4")
    ]


def test_empty_history_gives_a_placeholder():
    img = pixels(progress_png([], profile()))
    assert img.shape == (1620, 1080, 3)
    dark = np.any(img < 100, axis=-1)
    assert 0.001 < dark.mean() < 0.1  # some text, on white
    assert progress_png([], profile()) == progress_png([], profile())


@pytest.mark.slow  # three renders, two of them at once (seconds)
def test_renders_in_parallel_threads_give_identical_bytes():
    prof = profile(start_stage="RW3")
    days = replay(prof, [green(n) for n in range(5)])
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(lambda _: progress_png(days, prof), range(2))
    assert first == second == progress_png(days, prof)
