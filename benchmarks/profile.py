"""Where a build's time goes, sampled by py-spy in every process of the build.

    python benchmarks/profile.py PROJECT [--edit] [--rate 200] [--top 15] [--raw FILE]

PROJECT is a folder holding mkdocs.yml: a benchmark corpus (benchmarks/corpus.py), or this repository
for the bundled catalogue. The script runs `site-gen build` under `py-spy record --subprocesses`:
- by default a cold build (`--clean`);
- with `--edit`, the build after one model's input price changed, as benchmarks/run.py measures it (the
  project is built first, unprofiled, and the model file is put back at the end).

It prints the seconds sampled, split three ways: by phase of the pipeline (site_gen/build.py), by library,
and by function (own time: the Python functions called from it not counted, the C functions it calls, such as
pickle.loads or zlib, counted in it). py-spy counts a process while it runs or is ready to run, not while it
waits for a file, a pipe or a lock; where there are more processes than cores (loading: the building process
and one parsing worker per core), the time ready but not running is counted too, so the sum can exceed the
CPU time. cProfile, run in the building process, sees neither the worker processes that render half the
pages nor a function's cost without the profiler's own; py-spy samples them all from outside, at a rate
that costs the build a few percent.

py-spy is in the `bench` extra (`pip install -e ".[bench]"`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")
PROCESS = re.compile(r"^process (?P<pid>\d+):")
PRICE = re.compile(r"^(  input: )([0-9.]+)$", re.MULTILINE)

# The pipeline's phases, by the function that runs each (the innermost one found in a sample's stack wins:
# the site-wide files are made inside the pages phase, while the worker renders).
PHASES: list[tuple[str, tuple[str, ...]]] = [
    ("imports", ("_find_and_load (<frozen importlib._bootstrap>",)),
    ("probe of the inputs (no-op check)", ("probe (site_gen/cache.py",)),
    ("load content (parse and validate, or the parse cache)", ("load_content (site_gen/content.py",)),
    ("catalogue checks", ("build_catalog (site_gen/catalog.py",)),
    ("similar models", ("Catalog.compute_similar (site_gen/catalog.py",)),
    ("page keys", ("jobs (site_gen/pages.py",)),
    ("pages (rendered, or their files linked)", ("render_pages (site_gen/pages.py",)),
    ("site-wide files of the catalogue", ("_write_sitewide (site_gen/build.py", "_logos (site_gen/build.py")),
    ("llms-full files", ("_write_full (site_gen/build.py",)),
    ("link checks and page weight", ("_render_and_check (site_gen/build.py",)),
    ("publish", ("StagedOutput.commit (site_gen/writer.py", "StagedOutput.wait (site_gen/writer.py")),
    ("manifest and caches", ("_save_manifest (site_gen/build.py", "Summaries.save (site_gen/api.py",
                             "save (site_gen/similar.py")),
]

# Libraries, by the top folder (or module) of the file a sample's innermost frame is in.
LIBRARIES: dict[str, str] = {
    "jinja2": "Jinja2 (runtime)", "markupsafe": "Jinja2 (runtime)",
    "markdown_it": "markdown-it-py", "mdit_py_plugins": "markdown-it-py", "markdown_it_pyrs": "markdown-it-pyrs",
    "yaml": "PyYAML", "_yaml": "PyYAML",
    "pydantic": "pydantic", "pydantic_core": "pydantic",
    "pickle.py": "pickle, JSON, hashing, gzip (stdlib)", "json": "pickle, JSON, hashing, gzip (stdlib)",
    "hashlib.py": "pickle, JSON, hashing, gzip (stdlib)", "gzip.py": "pickle, JSON, hashing, gzip (stdlib)",
    "copyreg.py": "pickle, JSON, hashing, gzip (stdlib)",
    "os.py": "files and paths (stdlib)", "shutil.py": "files and paths (stdlib)",
    "pathlib.py": "files and paths (stdlib)", "posixpath.py": "files and paths (stdlib)",
    "genericpath.py": "files and paths (stdlib)", "tempfile.py": "files and paths (stdlib)",
    "multiprocessing": "worker processes (stdlib)", "queue.py": "worker processes (stdlib)",
    "threading.py": "worker processes (stdlib)", "selectors.py": "worker processes (stdlib)",
    "subprocess.py": "worker processes (stdlib)",
}
TEMPLATE_SUFFIXES = (".html", ".md", ".xml", ".txt", ".json", ".jinja", ".j2")


@dataclass
class Profile:
    """Samples of one recorded run, summed three ways (in samples; ``rate`` per second)."""

    rate: int
    processes: Counter[str] = field(default_factory=Counter)
    phases: Counter[str] = field(default_factory=Counter)
    libraries: Counter[str] = field(default_factory=Counter)
    functions: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.processes.values())

    def seconds(self, samples: int) -> float:
        return samples / self.rate


def parse(raw: str, rate: int) -> Profile:
    """Sum py-spy's raw (collapsed) output: one line per distinct stack, ``frame;frame;... count``, the first
    frames naming the process (and, for a forked worker, its parents)."""
    profile = Profile(rate)
    main_pid = ""
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        pids = [m["pid"] for f in frames if (m := PROCESS.match(f))]
        frames = [f for f in frames if not PROCESS.match(f)]
        if not pids or not frames:
            continue
        main_pid = main_pid or pids[0]
        profile.processes["the building process" if pids[-1] == main_pid else "worker processes"] += count
        profile.phases[_phase(frames)] += count
        leaf = FRAME.match(frames[-1])
        function, file = (leaf["function"], leaf["file"]) if leaf else (frames[-1], "")
        profile.libraries[_library(file)] += count
        profile.functions[f"{function} ({file})"] += count
    return profile


def _phase(frames: list[str]) -> str:
    for frame in reversed(frames):  # innermost first
        for name, starts in PHASES:
            if frame.startswith(starts):
                return name
    return "start-up, arguments, config, the rest"


def _library(file: str) -> str:
    if file.endswith(TEMPLATE_SUFFIXES):
        return "Jinja2 (the compiled templates)"
    parts = file.replace("\\", "/").split("/")
    if "site_gen" in parts:  # "site_gen/pages.py", or a longer path py-spy did not shorten
        return f"site_gen: {parts[-1]}"
    for part in parts:
        if part in LIBRARIES:
            return LIBRARIES[part]
    if file.startswith("<frozen"):
        return "imports"
    return f"other: {parts[0] or file}"


def py_spy() -> str:
    """The py-spy executable: beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.is_file() else shutil.which("py-spy")
    if not found:
        raise SystemExit("py-spy is not installed: pip install -e '.[bench]' (or pip install py-spy)")
    return found


def record(project: Path, build_args: list[str], rate: int, raw: Path) -> None:
    """Run ``site-gen build`` in ``project`` under py-spy, writing its raw samples to ``raw``."""
    command = [py_spy(), "record", "--subprocesses", "--format", "raw", "--rate", str(rate), "--output", str(raw),
               "--", sys.executable, "-m", "site_gen", "build", "-q", *build_args]
    proc = subprocess.run(command, cwd=project, capture_output=True, text=True)
    if proc.returncode != 0 or not raw.is_file():
        raise SystemExit(f"py-spy or the build failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def profile_build(project: Path, edit: bool, rate: int, raw: Path) -> Profile:
    """Record a cold build, or with ``edit`` the build after one model's price changed (put back after)."""
    if not edit:
        record(project, ["--clean"], rate, raw)
        return parse(raw.read_text(encoding="utf-8"), rate)
    subprocess.run([sys.executable, "-m", "site_gen", "build", "-q"], cwd=project, check=True)
    model = next((p for p in sorted((project / "content/models").rglob("*.md"))
                  if PRICE.search(p.read_text(encoding="utf-8"))), None)
    if model is None:
        raise SystemExit(f"{project}: no model file with an input price to edit")
    original = model.read_bytes()
    try:
        text = original.decode("utf-8")
        model.write_text(PRICE.sub(lambda m: f"{m[1]}{float(m[2]) + 0.01:.2f}", text, count=1), encoding="utf-8")
        record(project, [], rate, raw)
    finally:
        model.write_bytes(original)
    return parse(raw.read_text(encoding="utf-8"), rate)


def report(profile: Profile, what: str, top: int = 15) -> str:
    total = profile.total or 1
    lines = [f"{what}: {profile.seconds(profile.total):.2f} s sampled running at {profile.rate}/s "
             f"({', '.join(f'{name} {profile.seconds(n):.2f} s' for name, n in profile.processes.most_common())})"]
    for title, counter, limit in (("by phase (each sample in the innermost phase on its stack)", profile.phases, 0),
                                  ("by library (own time of the innermost frame)", profile.libraries, top),
                                  ("by function (own time)", profile.functions, top)):
        lines.append(f"  {title}:")
        rows = counter.most_common(limit or None)
        for name, n in rows:
            lines.append(f"    {profile.seconds(n):7.2f} s {100 * n / total:5.1f}%  {name}")
        rest = sum(counter.values()) - sum(n for _, n in rows)
        if rest:
            lines.append(f"    {profile.seconds(rest):7.2f} s {100 * rest / total:5.1f}%  (the rest)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="folder holding mkdocs.yml")
    parser.add_argument("--edit", action="store_true", help="profile the build after one model edited")
    parser.add_argument("--rate", type=int, default=200, help="samples per second (py-spy's --rate)")
    parser.add_argument("--top", type=int, default=15, help="rows of the library and function tables")
    parser.add_argument("--raw", type=Path, default=None, help="keep py-spy's raw samples in this file")
    args = parser.parse_args(argv)
    project = args.project.resolve()
    if not (project / "mkdocs.yml").is_file():
        parser.error(f"{args.project}: no mkdocs.yml there")
    with tempfile.TemporaryDirectory(prefix="site-gen-profile-") as tmp:
        raw = args.raw or Path(tmp) / "samples.txt"
        profile = profile_build(project, args.edit, args.rate, raw)
    models = sum(1 for _ in (project / "content/models").rglob("*.md"))
    what = f"{'one model edited' if args.edit else 'cold build'}, {models:,} models"
    print(report(profile, what, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
