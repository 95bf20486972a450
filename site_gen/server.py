"""Serve a built site the way the emitted host configuration does.

Routes resolve like nginx ``try_files $uri $uri.html $uri/index.html``;
``.md`` is served as ``text/markdown; charset=utf-8``; unknown paths get the
site's 404 page.  Paths are resolved inside the output folder only: encoded
or plain ``..``, backslashes and symlinks leading out are answered with 404.
"""

from __future__ import annotations

import http.server
import posixpath
import threading
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

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
}


def resolve(root: Path, request_path: str) -> Path | None:
    """The file inside ``root`` that answers ``request_path``, or None."""
    path = unquote(urlsplit(request_path).path)
    if "\\" in path or "\x00" in path or any(part == ".." for part in path.split("/")):
        return None
    clean = posixpath.normpath("/" + path.lstrip("/")).lstrip("/")
    real_root = root.resolve()
    candidates = [clean, clean + ".html", posixpath.join(clean, "index.html")] if clean not in ("", ".") \
        else ["index.html"]
    for candidate in candidates:
        target = (root / candidate)
        try:
            real = target.resolve()
        except OSError:
            continue
        if real.is_file() and (real_root in real.parents):
            return real
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "site-gen"

    def __init__(self, *args: object, root: Path, **kwargs: object):
        self.root = root
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        target = resolve(self.root, self.path)
        status = 200
        if target is None:
            status, target = 404, resolve(self.root, "/404.html")
        body = target.read_bytes() if target else b"not found\n"
        kind = CONTENT_TYPES.get(target.suffix, "application/octet-stream") if target else "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def start(root: Path, host: str = "127.0.0.1", port: int = 0) -> tuple[http.server.ThreadingHTTPServer, int]:
    """Start serving ``root`` in a daemon thread; returns the server and its port."""
    server = http.server.ThreadingHTTPServer((host, port), partial(Handler, root=root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]
