"""The dev server's edit loop, measured: how soon a saved model file shows on its page, and how soon the
whole site is rebuilt.

    python benchmarks/serve_edit.py PROJECT [--edits 3]

It drives site_gen.dev.DevSite, what `site-gen serve` runs (without the HTTP server and the file watcher),
in the same folder, on a project such as a benchmark corpus (benchmarks/corpus.py), best built once before
with `site-gen build`:

1. the first build, which takes the pages of the project's build folder when it has one;
2. for each edit (one model's input price changed, as the watcher would report it):
   - the quick update: the pages that show the file, rendered again in the folder served (what the browser
     reloads): the model's own page first, served as soon as it is written (its time is "edited page served"),
     then its providers' pages that list it;
   - the background build: every output into a new folder, taking each unchanged page from the one served.

It prints the seconds of each step and the pages each build rendered and reused, and puts every edited
file back as it was.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PRICE = re.compile(r"^(  input: )([0-9.]+)$", re.MULTILINE)


def measure(project: Path, edits: int = 3) -> dict[str, Any]:
    """Seconds and page counts of the first build and of each edit's quick update and background build."""
    import site_gen.build as build_module
    from site_gen.config import load_config
    from site_gen.dev import DevSite, generations

    builds: list[Any] = []
    real = build_module.build

    def recording(*args: Any, **kwargs: Any) -> Any:
        builds.append(real(*args, **kwargs))
        return builds[-1]

    build_module.build = recording  # type: ignore[assignment]
    models = sorted((project / "content/models").rglob("*.md"))
    edited = [m for m in models if PRICE.search(m.read_text(encoding="utf-8"))][:edits]
    originals = {path: path.read_text(encoding="utf-8") for path in edited}
    result: dict[str, Any] = {"models": len(models), "edits": []}
    try:
        with generations(load_config(project / "mkdocs.yml", allow_local_url=True)) as work:
            dev = DevSite(project / "mkdocs.yml", work)
            started = time.perf_counter()
            if not dev.full_build():
                raise SystemExit("the first build failed:\n" + "\n".join(dev.problems))
            result["first"] = _figures(time.perf_counter() - started, builds[-1])
            for path in edited:
                path.write_text(PRICE.sub(lambda m: f"{m[1]}{float(m[2]) + 0.01:.2f}", originals[path], count=1),
                                encoding="utf-8")
                dev.edits += 1  # as the watcher does on every batch of changes
                started = time.perf_counter()
                quick = dev.quick_update({path})
                quick_s = time.perf_counter() - started
                if not quick or dev.problems:
                    raise SystemExit(f"the quick update of {path} failed: {dev.problems}")
                started = time.perf_counter()
                if not dev.full_build(reload=False, background=True):
                    raise SystemExit(f"the background build after {path} failed: {dev.problems}")
                result["edits"].append({"file": path.relative_to(project).as_posix(), "quick_s": round(quick_s, 3),
                                        "served_s": round(dev.quick_seconds[0], 3),
                                        **_figures(time.perf_counter() - started, builds[-1])})
    finally:
        build_module.build = real  # type: ignore[assignment]
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
    return result


def _figures(seconds: float, build: Any) -> dict[str, Any]:
    return {"seconds": round(seconds, 3), "rendered": build.rendered, "reused": build.skipped}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="folder holding mkdocs.yml and content/")
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (benchmarks/run.py reads them)")
    args = parser.parse_args(argv)
    result = measure(args.project.resolve(), args.edits)
    if args.json:
        print(json.dumps(result))
        return 0
    first = result["first"]
    print(f"{result['models']:,} models")
    print(f"  first build            {first['seconds']:7.2f} s  rendered {first['rendered']:,}, "
          f"reused {first['reused']:,}")
    for edit in result["edits"]:
        print(f"  edit {edit['file']}")
        print(f"    edited page served   {edit['served_s']:7.2f} s  (its own page, written and the browser told)")
        print(f"    quick update         {edit['quick_s']:7.2f} s  (its pages, in the folder served)")
        print(f"    background build     {edit['seconds']:7.2f} s  rendered {edit['rendered']:,}, "
              f"reused {edit['reused']:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
