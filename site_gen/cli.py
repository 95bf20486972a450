"""The ``site-gen`` command: a thin shell over :mod:`site_gen.build`.

Only this module prints and chooses exit codes: 0 success, 1 invalid input
(every problem printed as ``path:line:col: field: message (hint)``), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from . import __version__, cache
from .config import load_config
from .cpus import usable_cpus
from .errors import Diagnostic, SiteGenError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="site-gen", description="Static site generator for AI-model catalogues.")
    parser.add_argument("--version", action="version", version=f"site-gen {__version__}")
    parser.add_argument("-f", "--config", default="mkdocs.yml", help="site config file (default: mkdocs.yml)")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="validate the content and write the site")
    b.add_argument("-o", "--output", help="output folder (default: output_dir from the config)")
    told = b.add_mutually_exclusive_group()
    told.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    told.add_argument("-v", "--verbose", action="store_true", help="list every llms file and the time of each phase")
    b.add_argument("--strict", action="store_true", help="treat warnings as errors")
    b.add_argument("-j", "--jobs", metavar="N", help="processes that load and render (default: all cores, "
                   f"{usable_cpus()} here; each holds the catalogue in memory)")
    b.add_argument("--clean", action="store_true", help="ignore the build cache and render every page")
    b.add_argument("--shard", metavar="I/N", help="render only shard I of N of the pages (0 <= I < N), for builds "
                   "split across machines; see docs/scaling.md")
    b.add_argument("--merge", metavar="SHARD_DIR", nargs="+", help="build the whole site, taking every page "
                   "from these shard outputs (rendering any a shard lacks or that changed since)")
    c = sub.add_parser("check", help="validate everything and render every page, writing nothing")
    c.add_argument("--strict", action="store_true", help="treat warnings as errors")
    v = sub.add_parser("serve", help="build, serve with live reload, and rebuild on every change")
    v.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")
    v.add_argument("-p", "--port", default="8000", help="port (default: 8000; 0: any free port)")
    n = sub.add_parser("new", help="write a new content file stub that builds as it is")
    n.add_argument("kind", choices=("model", "provider"))
    n.add_argument("id", help="model: <provider>/<model-id>; provider: <provider-id>")
    i = sub.add_parser("import", help="import upstream catalogue data into content/")
    i.add_argument("source", choices=("models-dev", "litellm", "genai-prices", "models-dev-history"))
    i.add_argument("path", help="the upstream data: a folder (models-dev, genai-prices) or a file")
    i.add_argument("--checked", help="date the data was read (default: the date in PROVENANCE.md beside it)")
    s = sub.add_parser("schema", help="print the JSON Schema of content front matter")
    s.add_argument("kind", nargs="?", choices=("model", "provider"), default="model")
    s.add_argument("--markdown", action="store_true", help="print the field reference as markdown tables")
    return parser


def _whole(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²", which int() refuses."""
    return text.isascii() and text.isdigit()


def _jobs(text: str | None) -> int | None:
    if text is None:
        return None
    if not (_whole(text) and int(text) >= 1):
        raise SiteGenError(Diagnostic("--jobs", message=f"expected a whole number of processes, 1 or more, found "
                                      f"{text!r}", hint=f"leave -j out to use all {usable_cpus()} cores"))
    return int(text)


def _port(text: str) -> int:
    if not (_whole(text) and int(text) <= 65535):
        raise SiteGenError(Diagnostic("--port", message=f"expected a port number from 0 to 65535, found {text!r}",
                                      hint="leave -p out for 8000, or -p 0 for any free port"))
    return int(text)


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (_whole(index) and _whole(count) and int(index) < int(count)):
        raise SiteGenError(Diagnostic("--shard", message=f"expected I/N with 0 <= I < N, found {text!r}",
                                      hint="for example --shard 0/4 ... --shard 3/4 on four machines"))
    return int(index), int(count)


def _print_warnings(warnings: list) -> None:
    for warning in warnings:
        print(warning.format(), file=sys.stderr)


def _import(config: object, args: argparse.Namespace) -> int:
    from .importers import run_import

    result = run_import(config, args.source, Path(args.path), args.checked)  # type: ignore[arg-type]
    for line in sorted(result.report.lines):
        print(line.format(), file=sys.stderr)
    counts = result.counts
    print(f"site-gen: import {args.source}: {counts['models']} model pages ({counts['written']} written, "
          f"{counts['unchanged']} unchanged, {counts['rejected']} rejected), {counts['providers']} providers, "
          f"{counts['removed_upstream']} removed upstream; {result.report.rejected} upstream entries rejected",
          file=sys.stderr)
    return 1 if result.report.rejected else 0


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C: a build's staging folder was removed on the way out; nothing half-written
        print("\nsite-gen: interrupted", file=sys.stderr, flush=True)
        # Ended by the signal, as without this handler, but without a traceback: a shell loop or script that
        # ran site-gen then stops too (a plain exit status of 130 would not tell it).
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        return 130  # where the signal does not end the process at once


def _main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in ("schema",):
        from .schema import Model, Provider
    if args.command == "schema" and args.markdown:
        from . import reference

        print(reference.markdown(), end="")
        return 0
    if args.command == "schema":
        schema = (Model if args.kind == "model" else Provider).model_json_schema()
        print(json.dumps(schema, indent=2, sort_keys=True))
        return 0
    started = time.perf_counter()
    try:
        if args.command == "serve":
            from .dev import serve

            serve(Path(args.config), args.host, _port(args.port))
            return 0
        config = load_config(args.config)
        if args.command == "new":
            from .stubs import new_file

            path = new_file(config, args.kind, args.id)
            print(f"wrote {path}; fill in the fields marked REQUIRED or TODO, then run site-gen build")
            return 0
        if args.command == "import":
            return _import(config, args)
        if args.command == "check":
            from .build import build

            result = build(config, write=False, strict=args.strict, progress=sys.stderr.isatty())
            _print_warnings(result.warnings)
            print(f"ok: {result.pages} pages valid, {len(result.warnings)} warnings, nothing written")
            return 0
        output = Path(args.output).expanduser() if args.output else None
        jobs = _jobs(args.jobs)
        cores = usable_cpus()
        if jobs and jobs > cores and not args.quiet:  # allowed, as make allows it, but never free
            print(f"warning: --jobs {jobs} is more than the {cores} cores here: the processes beyond {cores} "
                  "share them, and each holds a copy of the catalogue in memory", file=sys.stderr)
        shard = _shard(args.shard) if args.shard else None
        if shard and args.merge:
            raise SiteGenError(Diagnostic("--merge", message="--shard and --merge cannot be used together",
                                          hint="render shards with --shard, then merge their outputs in one more run"))
        merge = [Path(d).expanduser() for d in args.merge] if args.merge else None
        target = output or config.output_dir
        shown = args.output or config.output_dir

        def waiting() -> None:
            if not args.quiet:
                print(f"waiting for another build of {shown} to finish...", file=sys.stderr, flush=True)

        with cache.build_lock(config, target, waiting):  # from before the no-op check: it reads what a build writes
            if not target.exists() and not target.is_symlink():  # a build killed while publishing left it aside?
                from .writer import recover  # (not imported otherwise: the no-op check stays cheap)

                recover(target)
            probe = None if args.clean or merge else cache.probe(config, target, shard)
            if probe and not args.strict and probe.nothing_to_do():
                kept = probe.warnings() or []
                for line in kept:  # still true of the sources: shown as the build that found them showed them
                    print(line, file=sys.stderr)
                if not args.quiet:
                    again = "" if not kept else "; the warning above still holds" if len(kept) == 1 \
                        else f"; the {len(kept)} warnings above still hold"
                    print(f"nothing changed since the last build of {shown}{again} "
                          f"({time.perf_counter() - started:.2f} s)")
                return 0
            from .build import build  # after the no-op check: it needs none of the rendering libraries

            result = build(config, output, strict=args.strict, shown_output=args.output, jobs=jobs,
                           incremental=not args.clean, progress=not args.quiet and sys.stderr.isatty(), probe=probe,
                           shard=shard, merge=merge)
        _print_warnings(result.warnings)
    except SiteGenError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        count = len(exc.diagnostics)
        print(f"site-gen: {count} problem{'s' if count != 1 else ''}; nothing was written", file=sys.stderr)
        return 1
    if not args.quiet:
        elapsed = time.perf_counter() - started
        _print_llms_sizes(result.llms_files, args.verbose)
        if args.verbose:
            for phase, seconds in result.timings.items():
                print(f"{phase:<48} {seconds:>12.2f} s")
        print(f"pages rendered: {result.rendered}, reused unchanged: {result.skipped}")
        weight = result.page_weight
        if weight:
            print(f"model page transfer (gzip -1, with CSS and JS): median {weight['median'] / 1024:.1f} KB, "
                  f"max {weight['max'] / 1024:.1f} KB ({weight['heaviest']})")
        what = f"shard {args.shard}: {result.rendered + result.skipped} pages" if shard \
            else f"{result.pages} pages"
        print(f"built {what} ({len(result.files)} files, {result.bytes_written / 1e6:.1f} MB) "
              f"into {args.output or config.output_dir} in {elapsed:.2f} s")
    return 0


def _print_llms_sizes(files: list[tuple[str, int, int]], verbose: bool) -> None:
    """Size and estimated tokens (site_gen.tokens) of the llms files: all with --verbose, else the main ones."""
    main = [f for f in files if "/" not in f[0] or f[0].startswith(".well-known")]
    rest = sorted((f for f in files if f not in main), key=lambda f: -f[1])
    shown = main + (rest if verbose else rest[:5])
    if not files:  # a shard: the merge writes the llms files
        return
    print(f"{'llms file':<48} {'bytes':>12} {'~tokens':>10}")
    for path, size, tokens in shown:
        print(f"{path:<48} {size:>12,} {tokens:>10,}")
    if len(shown) < len(files):
        hidden = [f for f in rest if f not in shown]
        print(f"... and {len(hidden)} more ({sum(f[1] for f in hidden):,} bytes, "
              f"~{sum(f[2] for f in hidden):,} tokens); --verbose lists them")
