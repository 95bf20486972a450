"""How many processes a build should run: the cores this process may really use.

Kept apart from site_gen.workers, which imports multiprocessing and ctypes: the command line reads it
for its help text and messages, and a build with nothing to do imports no more than it needs.
"""

from __future__ import annotations

import math
import os
from pathlib import Path


def usable_cpus(cgroup_root: str = "/sys/fs/cgroup", own: str = "/proc/self/cgroup") -> int:
    """The cores this process may use: those it may run on (its CPU affinity, as ``taskset`` or a container's
    cpuset gives it), and no more than its cgroup's CPU quota (``docker run --cpus 2``, a Kubernetes CPU
    limit, a CI runner), which ``os.cpu_count()`` ignores: on a 64-core host with a quota of 2 cores, 64
    processes would each hold the catalogue and share 2 cores' time.

    The quota is read from cgroup v2 (``cpu.max``) or v1 (``cpu.cfs_quota_us`` over ``cpu.cfs_period_us``),
    in the process's own cgroup and each one above it (the smallest counts), and rounded up.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        cores = os.cpu_count() or 1
    quotas = [_quota(Path(cgroup_root, folder)) for folder in _cgroup_folders(own)]
    return max(1, min([cores, *(q for q in quotas if q)]))


def _cgroup_folders(own: str) -> list[str]:
    """The cgroup folders that may hold this process's CPU quota, relative to the cgroup file system: its own
    cgroup and those above it, by v2's unified path and v1's cpu controller path. A container often shows the
    host's path for its cgroup while its own is mounted at the top, so the top is always among them."""
    try:
        lines = Path(own).read_text().splitlines()
    except OSError:
        lines = []
    v1 = ["cpu", "cpu,cpuacct", "cpuacct,cpu"]  # the names the cpu controller's mount goes by
    folders = {"", *v1}
    for line in lines:
        _, controllers, path = [*line.split(":", 2), "", ""][:3]
        names = [""] if controllers == "" else v1 if "cpu" in controllers.split(",") else []
        parts = [part for part in path.split("/") if part and part not in (".", "..")]
        for name in names:
            for depth in range(len(parts) + 1):
                folders.add("/".join([name, *parts[:depth]]).strip("/"))
    return sorted(folders)


def _quota(folder: Path) -> float | None:
    """The CPU quota set in one cgroup folder, in cores, or None when there is none (or it cannot be read)."""
    try:
        if (folder / "cpu.max").is_file():  # v2: "max 100000" or "200000 100000"
            quota, _, period = (folder / "cpu.max").read_text().strip().partition(" ")
        else:  # v1: -1 when unlimited
            quota = (folder / "cpu.cfs_quota_us").read_text().strip()
            period = (folder / "cpu.cfs_period_us").read_text().strip()
        if quota == "max" or int(quota) <= 0 or int(period) <= 0:
            return None
        return float(math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        return None
