"""site_gen.cpus: a build runs as many processes as the cores it may use, not the host's count."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_gen import cpus
from tests.helpers import copy_site, run_cli


def _tree(root: Path, files: dict[str, str], own: str) -> tuple[str, str]:
    for name, text in files.items():
        (root / "fs" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "fs" / name).write_text(text)
    (root / "cgroup").write_text(own)
    return str(root / "fs"), str(root / "cgroup")


@pytest.mark.parametrize(("files", "own", "expected"), [
    # cgroup v2, the container's own cgroup mounted at the top (docker run --cpus 2.5)
    ({"cpu.max": "250000 100000\n"}, "0::/\n", 3),
    ({"cpu.max": "max 100000\n"}, "0::/\n", 64),
    # v2 on a host: the process's cgroup and one above it both set a quota; the smaller counts
    ({"cpu.max": "max 100000\n", "ci.slice/cpu.max": "800000 100000\n", "ci.slice/job-7/cpu.max": "200000 100000\n"},
     "0::/ci.slice/job-7\n", 2),
    # v1, a Kubernetes pod: the quota in the cpu controller's folder, under the path /proc/self/cgroup shows
    ({"cpu,cpuacct/kubepods/pod1/c1/cpu.cfs_quota_us": "150000\n",
      "cpu,cpuacct/kubepods/pod1/c1/cpu.cfs_period_us": "100000\n"},
     "12:memory:/kubepods/pod1/c1\n4:cpu,cpuacct:/kubepods/pod1/c1\n", 2),
    # v1 in a container showing the host's path, its own cgroup mounted at the top of the controller
    ({"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"}, "3:cpu:/docker/0123abcd\n", 1),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, "3:cpu:/\n", 64),  # v1: no quota
    # what cannot be read as a quota is not one
    ({"cpu.max": "lots\n", "cpu/cpu.cfs_quota_us": "0\n", "cpu/cpu.cfs_period_us": "0\n"}, "0::/\n", 64),
    ({}, "garbage without colons\n", 64),
    ({"cpu.max": "100000 100000\n"}, "0::/../../etc\n", 1),  # a path that climbs is not followed out
])
def test_the_cores_are_the_affinity_within_the_cgroup_quota(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             files: dict[str, str], own: str, expected: int) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(64)))  # a 64-core host
    root, cgroup = _tree(tmp_path, files, own)
    assert cpus.usable_cpus(root, cgroup) == expected


def test_affinity_limits_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 5, 9})  # taskset -c 0,5,9
    root, cgroup = _tree(tmp_path, {"cpu.max": "800000 100000\n"}, "0::/\n")
    assert cpus.usable_cpus(root, cgroup) == 3
    assert cpus.usable_cpus(str(tmp_path / "missing"), str(tmp_path / "missing")) == 3  # no cgroup file system


def test_a_build_without_jobs_runs_as_many_processes_as_the_usable_cores(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import site_gen.build

    seen: list[int] = []
    load = site_gen.build.load_content

    def spy(content_dir, root, workers, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(workers)
        return load(content_dir, root, workers, *args, **kwargs)

    monkeypatch.setattr("site_gen.build.load_content", spy)
    monkeypatch.setattr("site_gen.build.usable_cpus", lambda: 1)
    monkeypatch.setattr("os.cpu_count", lambda: 64)
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    assert run_cli("build", "--clean", "-j", "2", cwd=site).code == 0
    assert seen == [1, 2]
