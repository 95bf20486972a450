"""The whole pipeline in one function, read top to bottom.

config -> content -> catalogue checks -> URLs -> page contexts -> render
-> staging folder -> atomic swap.  Everything is validated before anything
is written; ``check`` runs the same pipeline with nothing written.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import Catalog, build_catalog
from .config import SiteConfig
from .content import load_content
from .errors import ContentError, Diagnostic, SiteGenError
from .formats import stamp
from .render import DEFAULT_THEME, Renderer
from .schema import Provider
from .view import Page, Site, logo_path, model_page, model_row, provider_page, site_context, static_page
from .writer import StagedOutput, check_output_dir


@dataclass
class BuildResult:
    pages: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    bytes_written: int = 0
    generated_at: str = ""


def build_time(environ: dict[str, str] | None = None) -> dt.datetime:
    """The build stamp: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    environ = dict(os.environ) if environ is None else environ
    raw = environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return dt.datetime.now(dt.UTC)
    if not raw.isdigit() or len(raw) > 12:
        raise SiteGenError(Diagnostic("SOURCE_DATE_EPOCH", field="SOURCE_DATE_EPOCH",
                                      message=f"expected a non-negative integer of seconds, found {raw!r}",
                                      hint="see https://reproducible-builds.org/specs/source-date-epoch/"))
    return dt.datetime.fromtimestamp(int(raw), dt.UTC)


def load_catalog(config: SiteConfig) -> Catalog:
    content = load_content(config.content_dir, config.root)
    return build_catalog(config, content)


def render_site(config: SiteConfig, catalog: Catalog, site: Site) -> Iterator[tuple[str, str | bytes]]:
    """Every output file as (path inside the output folder, contents), in a stable order."""
    renderer = Renderer(config.templates_dir, config.root)
    for entry in sorted(catalog.providers.values(), key=lambda e: e.path):
        yield from _page_outputs(renderer, site, provider_page(config, catalog, entry))
    for entry in catalog.models:
        yield from _page_outputs(renderer, site, model_page(config, catalog, entry))
    for entry in catalog.pages:
        yield from _page_outputs(renderer, site, static_page(config, catalog, entry))
    rows = [model_row(catalog, e) for e in catalog.models]
    providers = [(e.data, catalog.urls[e.path], len(catalog.models_of(e.data.id)))
                 for e in catalog.providers.values()]
    home = {"title": config.site_name, "description": config.site_description or config.site_name,
            "rows": rows, "providers": providers, "urls": None, "breadcrumbs": [], "data_updated": _latest(catalog)}
    yield "index.html", renderer.render("index.html", "index", site=site, page=home)
    yield "404.html", renderer.render("404.html", "404", site=site,
                                      page={"title": "Page not found", "description": "This page does not exist.",
                                            "urls": None, "breadcrumbs": [], "data_updated": None})
    yield "assets/style.css", _asset(config, "assets/style.css")
    for entry in catalog.providers.values():
        provider = entry.data
        if isinstance(provider, Provider) and provider.logo:
            yield logo_path(provider).lstrip("/"), _logo(config, entry.path, provider.logo)


def _page_outputs(renderer: Renderer, site: Site, page: Page) -> Iterator[tuple[str, str]]:
    yield page.urls.html_file, renderer.render(f"{page.kind}.html", page.source_file, site=site, page=page)
    yield page.urls.markdown_file, renderer.render(f"{page.kind}.md", page.source_file, site=site, page=page)


def _latest(catalog: Catalog) -> dt.date | None:
    dates = [e.data.data_updated for e in catalog.models] + [e.data.data_updated for e in catalog.providers.values()]
    return max(dates) if dates else None


def _logo(config: SiteConfig, source_file: str, name: str) -> bytes:
    path = config.content_dir / "providers" / name
    real = path.resolve()
    if config.content_dir.resolve() not in real.parents or not real.is_file():
        raise SiteGenError(Diagnostic(source_file, field="logo",
                                      message=f"logo file not found: content/providers/{name}",
                                      hint="put the logo beside the provider file"))
    return real.read_bytes()


def _asset(config: SiteConfig, name: str) -> bytes:
    for base in (config.templates_dir, DEFAULT_THEME):
        path = base / name
        if path.is_file():
            return path.read_bytes()
    raise SiteGenError(Diagnostic(f"templates/{name}", message="theme asset not found"))


def build(config: SiteConfig, output: Path | None = None, *, write: bool = True, strict: bool = False,
          environ: dict[str, str] | None = None) -> BuildResult:
    """Validate everything, render every output, then publish it atomically.

    With ``strict``, warnings fail the build like errors (nothing is written).
    """
    stamp_text = stamp(build_time(environ))
    catalog = load_catalog(config)
    if strict and catalog.warnings:
        raise ContentError(catalog.warnings)
    about = next((catalog.urls[e.path].href for e in catalog.pages if e.data.id == "about"), None)
    site = site_context(config, stamp_text, about)
    pages = len(catalog.models) + len(catalog.providers) + len(catalog.pages)
    result = BuildResult(pages=pages, warnings=catalog.warnings, generated_at=stamp_text)
    if not write:
        for _ in render_site(config, catalog, site):
            pass
        return result
    output = output or config.output_dir
    check_output_dir(output, {"the project folder": config.root, "the content folder": config.content_dir,
                              "the templates folder": config.templates_dir})
    with StagedOutput(output) as staged:
        for path, data in render_site(config, catalog, site):
            staged.write(path, data)
        staged.commit()
        result.files, result.bytes_written = staged.files, staged.bytes_written
    return result
