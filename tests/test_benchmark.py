"""The benchmark runs end to end at a small size (the figures themselves come from benchmarks/run.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT


@pytest.mark.benchmark
def test_benchmark_runs_and_prints_ratios(tmp_path: Path) -> None:
    import psutil  # noqa: F401  (the bench extra, installed by the test command: missing, it fails, not skips)
    results = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks/run.py"), "--sizes", "300", "--runs", "1",
                           "--results", str(results)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    print(proc.stdout)
    for line in ("cold build / Hugo", "peak RSS / Hugo", "no-op rebuild / Hugo", "one-edit rebuild / Hugo",
                 "cold, markdown-it-pyrs"):  # the test command installs the 'fast' extra, so that row is there
        assert line in proc.stdout
    record = json.loads(results.read_text())[-1]["sizes"]["300"]
    assert {"site_gen", "site_gen_noop", "site_gen_edit", "site_gen_fast", "hugo", "mkdocs",
            "paired_ratios"} <= set(record)
    assert record["paired_ratios"]["cold_vs_hugo"] > 0
