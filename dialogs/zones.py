"""Time zones by name, loaded once: `zoneinfo.ZoneInfo` keeps only the 8 most recent zones
alive, so with runners in more zones every reminder tick and many updates re-read zone
files from disk (benchmarks/startup.py found it: 13,000 reads in one tick)."""

import functools
from zoneinfo import ZoneInfo


@functools.cache  # names are checked IANA keys (storage.check_tz): a few hundred at most
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
