"""Serve a built site the way the emitted host configuration does.

* Routes resolve like nginx `try_files $uri $uri.html $uri/index.html`.
* `.md` is `text/markdown; charset=utf-8`; `.txt` (llms.txt) is text.
* `Accept: text/markdown` on a page route returns its mirror, with `Vary: Accept`.
* Mirrors carry `Link: <page>; rel="canonical"`.
* Unknown paths get the site's 404 page, with status 404.
* Paths resolve inside the served folder only: plain or encoded `..`,
  backslashes, NUL and symlinks leading out are answered with 404.

The dev server (site_gen.dev) adds live reload on top: `on_html` lets it
inject its script into HTML responses, never into files on disk.
"""

from __future__ import annotations

import http.server
import posixpath
import socket
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .urls import RoutePattern

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webp": "image/webp",
    ".conf": "text/plain; charset=utf-8",
}


def clean_path(request_path: str) -> str | None:
    """The request's path, decoded once, or None when it tries to leave the site."""
    path = unquote(urlsplit(request_path).path)
    if "\\" in path or "\x00" in path or any(part == ".." for part in path.split("/")):
        return None
    return posixpath.normpath("/" + path.lstrip("/"))


def resolve(root: Path, request_path: str) -> Path | None:
    """The file inside ``root`` that answers ``request_path``, or None."""
    path = clean_path(request_path)
    if path is None:
        return None
    clean = path.lstrip("/")
    candidates = [clean, clean + ".html", posixpath.join(clean, "index.html")] if clean not in ("", ".") \
        else ["index.html"]
    real_root = root.resolve()
    for candidate in candidates:
        try:
            real = (root / candidate).resolve()
        except OSError:
            continue
        if real.is_file() and real_root in real.parents:
            return real
    return None


class Site:
    """What a handler needs: the folder to serve (swappable between builds) and the route patterns."""

    def __init__(self, root: Path, patterns: list[RoutePattern], canonical: Callable[[str], str],
                 on_html: Callable[[bytes], bytes] | None = None):
        self.root = root
        self.patterns = patterns
        self.canonical = canonical
        self.on_html = on_html
        self.extra: dict[str, tuple[str, Callable[[http.server.BaseHTTPRequestHandler], None]]] = {}


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "site-gen"
    protocol_version = "HTTP/1.1"

    def __init__(self, *args: object, site: Site, **kwargs: object):
        self.site = site
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        extra = self.site.extra.get(urlsplit(self.path).path)
        if extra is not None:
            extra[1](self)
            return
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        root = self.site.root
        path = clean_path(self.path)
        headers: dict[str, str] = {}
        target = None
        if path is not None:
            negotiated = self._negotiate(path)
            if negotiated is not None:
                headers["Vary"] = "Accept"
            target = resolve(root, negotiated) if negotiated else None
            target = target or resolve(root, path)
            if any(p.route.match(path) for p in self.site.patterns):
                headers["Vary"] = "Accept"
        status = 200
        if target is None:
            status, target = 404, resolve(root, "/404.html")
        if target is not None and target.suffix == ".md" and path is not None:
            route = next((r for p in self.site.patterns if (r := p.route_for("/" + target.relative_to(
                root.resolve()).as_posix()))), None)
            if route:
                headers["Link"] = f'<{self.site.canonical(route)}>; rel="canonical"'
        body = target.read_bytes() if target else b"not found\n"
        kind = CONTENT_TYPES.get(target.suffix, "application/octet-stream") if target else "text/plain"
        if kind.startswith("text/html") and self.site.on_html:
            body = self.site.on_html(body)
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _negotiate(self, path: str) -> str | None:
        """The mirror of a page route when the client asks for markdown."""
        accept = self.headers.get("Accept", "")
        if "text/markdown" not in accept.lower():
            return None
        return next((m for p in self.site.patterns if (m := p.mirror_for(path))), None)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Server6(Server):
    address_family = socket.AF_INET6


def listen(host: str, port: int, site: Site) -> Server:
    """A server of ``site`` bound to ``host`` and ``port`` (0: any free port), answering once ``serve`` is called.
    An IPv6 address (``::1``, ``::``) gets an IPv6 socket. Raises OSError when the address cannot be had."""
    return (Server6 if ":" in host else Server)((host, port), partial(Handler, site=site))


def serve(server: Server) -> None:
    """Answer requests in a daemon thread."""
    threading.Thread(target=server.serve_forever, daemon=True).start()


def start(root: Path, host: str = "127.0.0.1", port: int = 0, site: Site | None = None) -> tuple[Server, int]:
    """Serve ``root`` in a daemon thread; returns the server and its port."""
    server = listen(host, port, site or Site(root, [], lambda route: route))
    serve(server)
    return server, server.server_address[1]
