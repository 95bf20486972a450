"""Every output's URL and file path, computed in one place.

Templates never build URLs: they receive the ones made here.  Two things that
claim the same output file (compared case-insensitively, since macOS and
Windows file systems fold case) are a hard error naming both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from .config import SiteConfig
from .errors import Diagnostic

# Slugs that would shadow a site-wide output or a folder the build owns.
RESERVED_SLUGS = frozenset({"index", "404", "sitemap", "llms", "llms-full", "robots", "feed", "api",
                            "assets", "logos", "well-known", "about", "search"})

# Site-wide outputs, by file path inside build/.
SITE_FILES = ("index.html", "404.html", "llms.txt", "llms/index.md", "sitemap.xml", "robots.txt", "search-index.json",
              ".well-known/llms.txt", "assets/style.css", "favicon.ico")


@dataclass(frozen=True)
class PageUrls:
    """Where one page and its markdown mirror live."""

    route_path: str
    """Site path of the HTML page (``/model/gpt-4.1-mini``)."""
    canonical_url: str
    """Absolute URL of the HTML page."""
    markdown_path: str
    """Site path of the markdown mirror."""
    markdown_url: str
    """Absolute URL of the mirror."""
    html_file: str
    """The HTML file inside the output folder, where static hosts serve ``route_path``."""
    markdown_file: str
    """The mirror file inside the output folder."""
    href: str
    """Root-relative link to the HTML page (works on any host, and locally)."""
    markdown_href: str
    """Root-relative link to the mirror."""


def route_file(route: str) -> str:
    """Output file that GitHub Pages, Netlify, Cloudflare Pages and nginx
    ``try_files $uri $uri.html $uri/index.html`` all serve for ``route``."""
    if route.endswith("/"):
        return route.lstrip("/") + "index.html"
    if route.endswith(".html"):
        return route.lstrip("/")
    return route.lstrip("/") + ".html"


def page_urls(config: SiteConfig, kind: str, slug: str) -> PageUrls:
    """One page's URLs, made now (the catalogue's plan holds SlugUrls, which make them when read)."""
    return SlugUrls(SlugRoutes(config, kind), slug).fixed()


class SlugRoutes:
    """One kind's route and mirror patterns, and the site's URL and path, shared by all its pages' SlugUrls."""

    __slots__ = ("mirror", "route", "site_path", "site_url")

    def __init__(self, config: SiteConfig, kind: str):
        self.route: str = getattr(config.routes, kind)
        self.mirror: str = getattr(config.routes, f"{kind}_markdown")
        self.site_url = config.url("/")
        self.site_path = config.href("/")


class SlugUrls:
    """A catalogue page's PageUrls, made from its kind's patterns and its slug when read.

    A catalogue's plan holds one for every page, and every process rendering pages holds the plan: eight strings
    a page made it 1.2 KB a model, and the page worker, forked from the building process, copies what either
    touches. These hold two references (48 bytes); a listing of 10,000 rows makes its links in ~5 ms."""

    __slots__ = ("routes", "slug")

    def __init__(self, routes: SlugRoutes, slug: str):
        self.routes, self.slug = routes, slug

    @property
    def route_path(self) -> str:
        return self.routes.route.replace("{slug}", self.slug)

    @property
    def canonical_url(self) -> str:
        return self.routes.site_url + self.route_path.lstrip("/")

    @property
    def markdown_path(self) -> str:
        return self.routes.mirror.replace("{slug}", self.slug)

    @property
    def markdown_url(self) -> str:
        return self.routes.site_url + self.markdown_path.lstrip("/")

    @property
    def html_file(self) -> str:
        return route_file(self.route_path)

    @property
    def markdown_file(self) -> str:
        return self.markdown_path.lstrip("/")

    @property
    def href(self) -> str:
        return self.routes.site_path + self.route_path.lstrip("/")

    @property
    def markdown_href(self) -> str:
        return self.routes.site_path + self.markdown_path.lstrip("/")

    def fixed(self) -> PageUrls:
        """The same URLs, made now."""
        return PageUrls(self.route_path, self.canonical_url, self.markdown_path, self.markdown_url, self.html_file,
                        self.markdown_file, self.href, self.markdown_href)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SlugUrls | PageUrls):
            return self.fixed() == (other.fixed() if isinstance(other, SlugUrls) else other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.fixed())

    def __repr__(self) -> str:
        return f"SlugUrls({self.route_path!r}, {self.markdown_path!r})"


def fold(path: str) -> str:
    """The key under which two paths collide on a case-folding, normalising file system."""
    return unicodedata.normalize("NFC", path).casefold()


class OutputPlan:
    """Claims on output files; the second claim on a path is an error."""

    def __init__(self) -> None:
        self._owners: dict[str, tuple[str, str]] = {}
        self.problems: list[Diagnostic] = []

    def claim(self, path: str, owner: str, where: Callable[[], Diagnostic] | None = None) -> None:
        """``where`` gives the claim's source position, asked for only when the claim collides."""
        key = fold(path)
        if key in self._owners:
            first_path, first_owner = self._owners[key]
            base = where() if where else Diagnostic(owner, message="")
            self.problems.append(Diagnostic(
                base.path, base.line, base.col, base.field,
                f"route collides with {'generated file' if first_owner == 'site' else first_owner}: "
                f"both write {path}" + (f" (and {first_path})" if first_path != path else ""),
                "give one of them another slug"))
            return
        self._owners[key] = (path, owner)


@dataclass(frozen=True)
class RoutePattern:
    """One page kind's route and mirror patterns, as regular expressions over site paths."""

    kind: str
    route: re.Pattern[str]
    mirror: re.Pattern[str]
    route_template: str
    mirror_template: str

    def mirror_for(self, path: str) -> str | None:
        match = self.route.match(path)
        return self.mirror_template.replace("{slug}", match.groupdict().get("slug") or "") if match else None

    def route_for(self, path: str) -> str | None:
        match = self.mirror.match(path)
        return self.route_template.replace("{slug}", match.groupdict().get("slug") or "") if match else None


def route_patterns(config: SiteConfig) -> list[RoutePattern]:
    """Route and mirror patterns of models, providers and pages, plus the home page."""
    out = [RoutePattern("index", re.compile(r"^/$"), re.compile(r"^/llms/index\.md$"), "/", "/llms/index.md")]
    for kind in ("model", "provider", "page"):
        route = getattr(config.routes, kind)
        mirror = getattr(config.routes, f"{kind}_markdown")
        out.append(RoutePattern(kind, _compile(route), _compile(mirror), route, mirror))
    return out


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(pattern).replace(r"\{slug\}", "(?P<slug>[^/]+)") + "$")
