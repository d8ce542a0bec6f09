"""Which rules of each group fire today (docs/PROTOCOL.md §4–§5), in the order they are listed.

The rules themselves are in `protocols.rules`, one function per rule ID; this module says
which of them apply at a stage (P0 applies fewer) and names the ones that fire.
"""

from protocols.rules import (
    Context,
    h1,
    h3,
    h4,
    h5,
    h9,
    red1,
    red2,
    red3,
    red4,
    red5,
    rf1,
    rf2,
    rf3,
    rf4,
    rf5,
    rf6,
    rf7,
    rf8,
    rf9,
    sb1,
    sb2,
)

# Each group is a plain sequence of ifs: it runs on every check-in, and this is the cheapest
# way for Python to ask every rule in its order.


def pain_scale_backs(ctx: Context) -> list[str]:
    """SB1 and SB2, the pain scale-backs that RF6 counts (§7 RF6)."""
    fired = []
    if sb1(ctx):
        fired.append("SB1")
    if sb2(ctx):
        fired.append("SB2")
    return fired


def red_flags(ctx: Context, stage: str, pain_scale_back_today: bool) -> tuple[str, ...]:
    """RF1–RF9 from W1 on; in P0 only RF1, RF5 and RF6 (§4; §8: RF1 applies in P0 too)."""
    from_w1 = stage != "P0"
    fired = []
    if rf1(ctx):
        fired.append("RF1")
    if from_w1:
        if rf2(ctx):
            fired.append("RF2")
        if rf3(ctx):
            fired.append("RF3")
        if rf4(ctx):
            fired.append("RF4")
    if rf5(ctx):
        fired.append("RF5")
    if rf6(ctx, pain_scale_back_today):
        fired.append("RF6")
    if from_w1:
        if rf7(ctx):
            fired.append("RF7")
        if rf8(ctx):
            fired.append("RF8")
        if rf9(ctx):
            fired.append("RF9")
    return tuple(fired)


def holds(ctx: Context, stage: str) -> list[str]:
    """H1, H3, H4, H5, H9; in P0 only H3 and H4 (§7 P0) and a coach hold."""
    from_w1 = stage != "P0"
    fired = []
    if from_w1 and h1(ctx):
        fired.append("H1")
    if h3(ctx):
        fired.append("H3")
    if h4(ctx):
        fired.append("H4")
    if from_w1 and h5(ctx):
        fired.append("H5")
    if h9(ctx):
        fired.append("H9")
    return fired


def reviews(ctx: Context, weight: float) -> tuple[str, ...]:
    """RED1–RED5 (§5): listed on every day they hold."""
    fired = []
    if red1(ctx):
        fired.append("RED1")
    if red2(ctx, weight):
        fired.append("RED2")
    if red3(ctx):
        fired.append("RED3")
    if red4(ctx, weight):
        fired.append("RED4")
    if red5(ctx):
        fired.append("RED5")
    return tuple(fired)
