"""The emitted nginx snippet, run by a real nginx against the fixture build."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.helpers import SITE, free_port


@pytest.fixture
def nginx(fixture_build: Path, tmp_path: Path) -> Iterator[int]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    require_tool(binary if Path(binary).exists() else None, "nginx (Debian package nginx-light)")
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""{user}
daemon off; worker_processes 1; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy; fastcgi_temp_path {tmp_path}/fcgi;
  uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {fixture_build};
    include {fixture_build}/nginx-site-gen.conf;
  }}
}}
""")
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"nginx exited: {proc.stderr.read().decode() if proc.stderr else ''}")
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get(port: int, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_routes_mirrors_and_negotiation(nginx: int, fixture_build: Path) -> None:
    status, headers, body = get(nginx, "/model/gemini-2.5-pro")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert headers["Vary"] == "Accept"
    assert body == (fixture_build / "model/gemini-2.5-pro.html").read_bytes()

    status, headers, body = get(nginx, "/model/gemini-2.5-pro", accept="text/markdown")
    assert status == 200 and headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert headers["Vary"] == "Accept"
    assert body == (fixture_build / "llms/models/gemini-2.5-pro.md").read_bytes()

    status, headers, _ = get(nginx, "/llms/models/gemini-2.5-pro.md")
    assert headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert headers["Link"] == f'<{SITE}model/gemini-2.5-pro>; rel="canonical"'

    status, headers, _ = get(nginx, "/llms.txt", accept="text/markdown")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    status, _, body = get(nginx, "/about", accept="text/markdown")
    assert status == 200 and body.startswith(b"---\ntitle:")
    status, _, body = get(nginx, "/model/nope")
    assert status == 404 and b"Page not found" in body
