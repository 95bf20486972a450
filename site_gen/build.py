"""The whole pipeline in one function, read top to bottom.

config -> content -> catalogue checks -> URLs -> page contexts -> render
-> staging folder -> atomic swap.  Everything is validated before anything
is written; ``check`` runs the same pipeline with nothing written.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import hostconfig, links, sitewide
from .catalog import Catalog, build_catalog
from .config import SiteConfig
from .content import Content, load_content
from .errors import ContentError, Diagnostic, OutputError, SiteGenError
from .formats import stamp
from .render import DEFAULT_THEME, Renderer
from .schema import Provider
from .view import (
    Page,
    Site,
    index_page,
    logo_path,
    model_page,
    not_found_page,
    provider_page,
    site_context,
    static_page,
)
from .writer import MemoryOutput, StagedOutput, check_output_dir

Output = StagedOutput | MemoryOutput


@dataclass
class BuildResult:
    pages: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    bytes_written: int = 0
    generated_at: str = ""
    llms_files: list[tuple[str, int, int]] = field(default_factory=list)
    """(path, bytes, estimated tokens) of each llms file."""
    content: Content | None = None
    """The loaded content, for callers that keep it (the dev server)."""
    catalog: Catalog | None = None


def build_time(environ: dict[str, str] | None = None) -> dt.datetime:
    """The build stamp: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    environ = dict(os.environ) if environ is None else environ
    raw = environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return dt.datetime.now(dt.UTC)
    if not raw.isdigit() or len(raw) > 12:
        raise SiteGenError(Diagnostic("SOURCE_DATE_EPOCH",
                                      message=f"expected a non-negative integer of seconds, found {raw!r}",
                                      hint="see https://reproducible-builds.org/specs/source-date-epoch/"))
    return dt.datetime.fromtimestamp(int(raw), dt.UTC)


def load_catalog(config: SiteConfig) -> Catalog:
    return build_catalog(config, load_content(config.content_dir, config.root))


@dataclass
class Rendered:
    """What rendering learned that later steps need."""

    llms_files: dict[str, str] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)
    """Element ids of each HTML page, for anchor checks."""


def render_site(config: SiteConfig, catalog: Catalog, site: Site, out: Output) -> Rendered:
    """Write every output file into ``out`` in a stable order."""
    renderer = Renderer(config.templates_dir, config.root)
    rendered = Rendered()
    for entry in sorted(catalog.providers.values(), key=lambda e: e.path):
        _write_page(out, renderer, site, provider_page(config, catalog, entry), rendered)
    for entry in catalog.models:
        _write_page(out, renderer, site, model_page(config, catalog, entry), rendered)
    for entry in catalog.pages:
        _write_page(out, renderer, site, static_page(config, catalog, entry), rendered)
    _write_page(out, renderer, site, index_page(config, catalog), rendered)
    out.write("404.html", renderer.render("404.html", "404", site=site, page=not_found_page()))
    for path, data in _assets(config):
        out.write(path, data)
    for entry in catalog.providers.values():
        provider = entry.data
        if isinstance(provider, Provider) and provider.logo:
            out.write(logo_path(provider).lstrip("/"), _logo(config, entry.path, provider.logo))
    for path, text in sitewide.llms_files(config, catalog):
        out.write(path, text)
        rendered.llms_files[path] = text
    for path, text in sitewide.llms_full_files(config, catalog, out.read, config.llms_full_max_bytes):
        out.write(path, text)
        rendered.llms_files[path] = text
    for path, text in sitewide.sitemap_files(config, catalog):
        out.write(path, text)
    out.write("robots.txt", sitewide.robots(config))
    out.write("feed.xml", sitewide.feed(config, catalog, site))
    for path, text in sitewide.api_files(config, catalog, site):
        out.write(path, text)
    out.write("_headers", hostconfig.headers(config, catalog))
    out.write("nginx-site-gen.conf", hostconfig.nginx(config))
    return rendered


def _write_page(out: Output, renderer: Renderer, site: Site, page: Page, rendered: Rendered) -> None:
    html = renderer.render(f"{page.kind}.html", page.source_file, site=site, page=page)
    rendered.ids[page.urls.html_file] = links.ids_of(html)
    out.write(page.urls.html_file, html)
    out.write(page.urls.markdown_file, renderer.render(f"{page.kind}.md", page.source_file, site=site, page=page))


def _logo(config: SiteConfig, source_file: str, name: str) -> bytes:
    path = config.content_dir / "providers" / name
    real = path.resolve()
    if config.content_dir.resolve() not in real.parents or not real.is_file():
        raise SiteGenError(Diagnostic(source_file, field="logo",
                                      message=f"logo file not found: content/providers/{name}",
                                      hint="put the logo beside the provider file"))
    return real.read_bytes()


def _assets(config: SiteConfig) -> list[tuple[str, bytes]]:
    """Theme assets: the site's own templates/assets/ files win over the default theme's, file by file."""
    found: dict[str, bytes] = {}
    for base in (DEFAULT_THEME, config.templates_dir):
        folder = base / "assets"
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    found["assets/" + path.relative_to(folder).as_posix()] = path.read_bytes()
    if "assets/style.css" not in found:
        raise SiteGenError(Diagnostic("templates/assets/style.css", message="theme asset not found"))
    return sorted(found.items())


def build(config: SiteConfig, output: Path | None = None, *, write: bool = True, strict: bool = False,
          environ: dict[str, str] | None = None, shown_output: str | None = None) -> BuildResult:
    """Validate everything, render every output, then publish it atomically.

    With ``strict``, warnings fail the build like errors (nothing is written).
    """
    stamp_text = stamp(build_time(environ))
    content = load_content(config.content_dir, config.root)
    catalog = build_catalog(config, content)
    if strict and catalog.warnings:
        raise ContentError(catalog.warnings)
    about = next((catalog.urls[e.path].href for e in catalog.pages if e.data.id == "about"), None)
    site = site_context(config, stamp_text, about)
    pages = len(catalog.models) + len(catalog.providers) + len(catalog.pages)
    result = BuildResult(pages=pages, warnings=catalog.warnings, generated_at=stamp_text, content=content,
                         catalog=catalog)
    if not write:
        memory = MemoryOutput()
        _render_and_check(config, catalog, site, memory, result, strict, sweep=True)
        return result
    output = output or config.output_dir
    check_output_dir(output, {"the project folder": config.root, "the content folder": config.content_dir,
                              "the templates folder": config.templates_dir}, shown_output)
    with StagedOutput(output) as staged:
        _render_and_check(config, catalog, site, staged, result, strict, sweep=False)
        staged.commit()
    return result


def _render_and_check(config: SiteConfig, catalog: Catalog, site: Site, out: Output, result: BuildResult,
                      strict: bool, sweep: bool) -> None:
    """Render into ``out``, then check every link; any error aborts before anything is published."""
    try:
        rendered = render_site(config, catalog, site, out)
    except OSError as exc:
        raise OutputError(Diagnostic(str(exc.filename or out), message=f"cannot write: {exc.strerror or exc}",
                                     hint="check free disk space and permissions")) from None
    targets = links.Targets(config, out.files, rendered.ids)
    errors, warnings = links.check_bodies(catalog, targets)
    if sweep:
        errors += links.check_outputs(targets, out.read)
    result.warnings = sorted(result.warnings + warnings)
    if errors or (strict and warnings):
        raise ContentError(errors + (warnings if strict else []))
    result.llms_files = sitewide.size_report(rendered.llms_files)
    result.files, result.bytes_written = out.files, out.bytes_written
