"""The floor of a one-model edit in a fresh process: the least a builder on this stack does to publish it.

    python benchmarks/plain_edit.py prepare PROJECT STATE   # before the first edit: the content's manifest
    python benchmarks/plain_edit.py publish PROJECT STATE   # after each edit: the measured run

STATE is a folder of the script's own. ``prepare`` writes the manifest of PROJECT's content (each file's
mtime and size); the benchmark (benchmarks/run.py) then puts in ``STATE/site`` copies of the output files
that site_gen's own build replaced for the same edit (found by their new inodes), and lists them in
``STATE/files.txt``: the pages that show the model (its own, its provider's, the home page, the similar
models' pages) and the site-wide files (the JSON API listing, the llms files).

``publish`` does, in a fresh process, what no builder of these outputs can skip:
- start Python and import PyYAML, markdown-it-py and Jinja2 (the benchmark's ``floor_start``);
- stat every file of the content and compare it with the manifest, as rsync's quick check does;
- for each model file that changed: load its front matter with libyaml's loader, and render its page and
  mirror with benchmarks/plain_loop.py's templates. Its body is rendered with markdown-it-py only if it changed
  (the manifest keeps a checksum of each body), and markdown-it-py is imported only then: a builder that keeps
  each body's HTML needs neither for a price edit. Where the body did not change, the page is rendered without
  it; a builder would put in the HTML it kept, one small file read;
- replace each listed file whole: read it, find the model in it, write a new file beside it and rename it over
  the old one (a file is never changed in place, so a reader never sees half of it);
- save the manifest.

Nothing else: no validation, no cross-file checks, no cache of rendered rows to keep right, no record of the
outputs. The listed files are written back with the bytes they had (the floor pays for the reading, the search
and the writing, not for knowing the new row). It is to the edit target what benchmarks/plain_loop.py is to
the cold one: how far below what the stack and the outputs themselves allow a target sits.
"""

from __future__ import annotations

import argparse
import gc
import marshal
import os
import sys
import zlib
from pathlib import Path

import jinja2
import yaml
from markupsafe import Markup

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plain_loop import HTML, MIRROR

MANIFEST = "manifest.marshal"


def scan(folder: str) -> dict[str, tuple[int, int]]:
    """(mtime in ns, size) of every file under ``folder``, by path."""
    found: dict[str, tuple[int, int]] = {}
    stack = [folder]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    st = entry.stat()
                    found[entry.path] = (st.st_mtime_ns, st.st_size)
    return found


def is_model(path: str) -> bool:
    return path.endswith(".md") and os.sep + "models" + os.sep in path


def split(path: str) -> tuple[str, str]:
    """A content file's front matter and body."""
    with open(path, encoding="utf-8") as handle:
        _, front, body = handle.read().split("---\n", 2)
    return front, body


def checksum(body: str) -> int:
    return zlib.crc32(body.encode("utf-8"))


def save_manifest(state: Path, stats: dict[str, tuple[int, int]], bodies: dict[str, int]) -> None:
    """Each content file's stat, and each model body's checksum."""
    temporary = state / f"{MANIFEST}.tmp"
    temporary.write_bytes(marshal.dumps((stats, bodies)))
    os.replace(temporary, state / MANIFEST)


def write_new(path: str, data: bytes) -> int:
    """Write ``data`` as a new file renamed over ``path``: a reader never sees half of it. Its size."""
    temporary = f"{path}.new"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
    return len(data)


def replace(path: str, needle: bytes) -> int:
    """Write ``path`` again as a new file, after finding ``needle`` in it; its size."""
    with open(path, "rb") as handle:
        data = handle.read()
    at = data.find(needle)
    return write_new(path, data[:at] + data[at:] if at >= 0 else data)  # where a new row would go; the bytes stay


def publish(project: Path, state: Path) -> str:
    gc.disable()  # as site_gen's builds do: nothing here makes cycles
    content = str(project / "content")
    stats = scan(content)
    with open(state / MANIFEST, "rb") as handle:
        previous, bodies = marshal.loads(handle.read())  # marshal.load reads a file object in small pieces: 10x slower
    changed = [path for path, stat in stats.items() if previous.get(path) != stat]
    listed = (state / "files.txt").read_text().split()
    environment = jinja2.Environment(autoescape=True)
    html, mirror = environment.from_string(HTML), jinja2.Environment().from_string(MIRROR)
    pages = state / "pages"
    pages.mkdir(exist_ok=True)
    written = rendered = 0
    for path in changed:
        if not is_model(path):
            continue
        front, body = split(path)
        data = yaml.load(front, Loader=yaml.CSafeLoader)
        body_html, body_sum = Markup(), checksum(body)
        if bodies.get(path) != body_sum:  # a new or changed body only
            import markdown_it

            body_html = Markup(markdown_it.MarkdownIt("commonmark").enable("table").render(body))
            bodies[path] = body_sum
            rendered += 1
        for name, text in ((f"{data['id']}.html", html.render(m=data, body=body_html)),
                           (f"{data['id']}.md", mirror.render(m=data, source=body))):
            write_new(str(pages / name), text.encode("utf-8"))
        needle = data["id"].encode("utf-8")
        written += sum(replace(str(state / "site" / name), needle) for name in listed)
    save_manifest(state, stats, bodies)
    return (f"{len(changed)} changed ({rendered} bodies rendered), {len(listed)} files ({written / 1e6:.1f} MB) "
            "written again")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["prepare", "publish"])
    parser.add_argument("project", type=Path)
    parser.add_argument("state", type=Path)
    args = parser.parse_args(argv)
    if args.step == "prepare":
        args.state.mkdir(parents=True, exist_ok=True)
        stats = scan(str(args.project / "content"))
        save_manifest(args.state, stats, {path: checksum(split(path)[1]) for path in stats if is_model(path)})
        print("manifest written", file=sys.stderr)
    else:
        print(publish(args.project, args.state), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
