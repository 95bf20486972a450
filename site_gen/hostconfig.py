"""Host configuration emitted into the build: `_headers` and an nginx snippet.

Static hosts need telling that `.md` is `text/markdown; charset=utf-8` and
that each mirror's canonical page is its HTML twin (a `Link` header, so the
mirror is not indexed as duplicate content).  nginx can also answer
`Accept: text/markdown` on a page route with the mirror (`Vary: Accept`).
Everything is derived from the route patterns in mkdocs.yml.
"""

from __future__ import annotations

import re

from .catalog import Catalog
from .config import SiteConfig

# Cloudflare Pages reads at most 100 _headers rules; above this many mirrors, use placeholder rules.
EXPLICIT_RULES_MAX = 90


def headers(config: SiteConfig, catalog: Catalog) -> str:
    lines = ["# Netlify and Cloudflare Pages: content types and canonical links for the markdown mirrors.",
             "/*.md", "  Content-Type: text/markdown; charset=utf-8", "  X-Content-Type-Options: nosniff",
             "/llms.txt", "  Content-Type: text/plain; charset=utf-8",
             "/.well-known/llms.txt", "  Content-Type: text/plain; charset=utf-8",
             "/llms/*.txt", "  Content-Type: text/plain; charset=utf-8", ""]
    pages = list(catalog.urls.values())
    if len(pages) <= EXPLICIT_RULES_MAX:
        for page in sorted(pages, key=lambda p: p.markdown_path):
            lines += [page.markdown_path, f'  Link: <{page.canonical_url}>; rel="canonical"']
    else:
        lines.append("# One placeholder rule per page kind (Cloudflare Pages substitutes :slug in values).")
        routes = config.routes
        for route, mirror in ((routes.model, routes.model_markdown), (routes.provider, routes.provider_markdown),
                              (routes.page, routes.page_markdown)):
            lines += [mirror.replace("{slug}", ":slug"),
                      f'  Link: <{config.url(route).replace("{slug}", ":slug")}>; rel="canonical"']
    return "\n".join(lines) + "\n"


def _regex(pattern: str) -> str:
    return "^" + re.escape(pattern).replace(r"\{slug\}", "(?<slug>[^/]+)") + "$"


def nginx(config: SiteConfig) -> str:
    """An nginx `server` block body: include it inside your server { } with root at the build folder."""
    routes = config.routes
    out = ["# site_gen: include inside a server { } block whose root is the build folder.",
           "# Serves routes like static hosts do, .md as text/markdown, canonical Link headers on mirrors,",
           "# and the mirror itself to clients that ask for Accept: text/markdown on a page route.",
           "types { text/html html; text/markdown md; text/plain txt; application/xml xml; "
           "application/json json; text/css css; image/svg+xml svg; image/png png; }",
           "charset utf-8;", "charset_types text/markdown text/plain application/json application/xml text/css;",
           "error_page 404 /404.html;", "",
           "location / {", "    try_files $uri $uri.html $uri/index.html =404;", "}", ""]
    for kind, route, mirror in (("model", routes.model, routes.model_markdown),
                                ("provider", routes.provider, routes.provider_markdown),
                                ("page", routes.page, routes.page_markdown)):
        html_file = route.replace("{slug}", "$slug") + ("index.html" if route.endswith("/") else ".html")
        mirror_file = mirror.replace("{slug}", "$slug")
        original = route.replace("{slug}", "$slug")
        link = f'add_header Link "<{config.url(route).replace("{slug}", "$slug")}>; rel=\\"canonical\\"" always;'
        # Only `rewrite ... last` inside `if` (nginx's "if is evil"); the internal location
        # serves the mirror, or falls back to whatever the route itself names.
        out += [f"location ~ {_regex(mirror)} {{", f"    {link}", "    add_header Vary Accept always;",
                "    add_header X-Content-Type-Options nosniff always;", "    try_files $uri =404;", "}",
                f"location ~ {_regex(route)} {{", "    add_header Vary Accept always;",
                f'    if ($http_accept ~* "text/markdown") {{ rewrite ^ /@site-gen-md/{kind}/$slug last; }}',
                f"    try_files $uri {html_file} =404;", "}",
                f"location ~ ^/@site-gen-md/{kind}/(?<slug>[^/]+)$ {{", "    internal;",
                "    add_header Vary Accept always;", f"    {link}",
                f"    try_files {mirror_file} {original} {html_file} =404;", "}", ""]
    return "\n".join(out)
