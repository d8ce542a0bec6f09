"""Which rules of each group fire today (docs/PROTOCOL.md §4–§5), in the order they are listed.

The rules themselves are in `protocols.rules`, one function per rule ID; this module says
which of them apply at a stage (P0 applies fewer) and names the ones that fire.
"""

from protocols import rules
from protocols.rules import Context


def pain_scale_backs(ctx: Context) -> list[str]:
    """SB1 and SB2, the pain scale-backs that RF6 counts (§7 RF6)."""
    return [rid for rid, fired in (("SB1", rules.sb1(ctx)), ("SB2", rules.sb2(ctx))) if fired]


def red_flags(ctx: Context, stage: str, pain_scale_back_today: bool) -> tuple[str, ...]:
    """RF1–RF9 from W1 on; in P0 only RF1, RF5 and RF6 (§4; §8: RF1 applies in P0 too)."""
    if stage == "P0":
        checks = (
            ("RF1", rules.rf1(ctx)),
            ("RF5", rules.rf5(ctx)),
            ("RF6", rules.rf6(ctx, pain_scale_back_today)),
        )
    else:
        checks = (
            ("RF1", rules.rf1(ctx)),
            ("RF2", rules.rf2(ctx)),
            ("RF3", rules.rf3(ctx)),
            ("RF4", rules.rf4(ctx)),
            ("RF5", rules.rf5(ctx)),
            ("RF6", rules.rf6(ctx, pain_scale_back_today)),
            ("RF7", rules.rf7(ctx)),
            ("RF8", rules.rf8(ctx)),
            ("RF9", rules.rf9(ctx)),
        )
    return tuple(rid for rid, fired in checks if fired)


def holds(ctx: Context, stage: str) -> list[str]:
    """H1, H3, H4, H5, H9; in P0 only H3 and H4 (§7 P0) and a coach hold."""
    checks = (
        ("H1", stage != "P0" and rules.h1(ctx)),
        ("H3", rules.h3(ctx)),
        ("H4", rules.h4(ctx)),
        ("H5", stage != "P0" and rules.h5(ctx)),
        ("H9", rules.h9(ctx)),
    )
    return [rid for rid, fired in checks if fired]


def reviews(ctx: Context, weight: float) -> tuple[str, ...]:
    """RED1–RED5 (§5): listed on every day they hold."""
    checks = (
        ("RED1", rules.red1(ctx)),
        ("RED2", rules.red2(ctx, weight)),
        ("RED3", rules.red3(ctx)),
        ("RED4", rules.red4(ctx, weight)),
        ("RED5", rules.red5(ctx)),
    )
    return tuple(rid for rid, fired in checks if fired)

