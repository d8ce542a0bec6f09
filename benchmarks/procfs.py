"""What /proc says about a process and the machine: CPU seconds and memory, for the
benchmarks (Linux only)."""

import contextlib
import os

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads) in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    fields = data[data.rindex(")") + 2 :].split()  # fields[0] is field 3 (state)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def descendants(pid: int) -> list[int]:
    """The live processes below `pid` (children, their children, ...), from /proc."""
    parent_of = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    data = f.read()
            except OSError:  # ended meanwhile
                continue
            parent_of[int(entry)] = int(data[data.rindex(")") + 2 :].split()[1])
    found, frontier = [], [pid]
    while frontier:
        below = [p for p, parent in parent_of.items() if parent in frontier]
        found += below
        frontier = below
    return found


def tree_cpu_seconds(pid: int) -> float:
    """`cpu_seconds` of a process and every live process below it (the bot's decision worker
    and the fork server it comes from count as the bot's)."""
    total = cpu_seconds(pid)
    for child in descendants(pid):
        with contextlib.suppress(OSError):  # ended meanwhile
            total += cpu_seconds(child)
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        user, nice, system, idle, iowait, irq, softirq, steal = (
            int(x) for x in f.readline().split()[1:9]
        )
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def status_kb(pid: int, key: str) -> int:
    """A kB figure of /proc/<pid>/status, e.g. VmRSS or VmHWM (0 if absent)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def pss_kb(pid: int) -> int:
    """A process's proportional set size in kB: its private pages, plus its share of pages it
    shares (a forked worker shares most of its parent's), from /proc/<pid>/smaps_rollup."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0
