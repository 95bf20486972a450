"""Lighthouse scores for the four page kinds; exits 1 below the threshold.

    .venv/bin/python scripts/lighthouse.py [BUILD_DIR]   (default: builds tests/fixtures/site)

Serves the build on a loopback port with site_gen's own server, runs the npm
`lighthouse` CLI against Debian's chromium for the home, a model, a provider
and the 404 page, and prints accessibility, SEO and best-practices scores.
Lighthouse itself exits 0 whatever the score, so the threshold is checked here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from site_gen.server import start  # noqa: E402

THRESHOLD = 0.95
CATEGORIES = ("accessibility", "seo", "best-practices")
PAGES = {"home": "/", "model": "/model/gemini-2.5-pro", "provider": "/provider/google", "404": "/404.html"}
# (the 404 page is audited at its own path: Lighthouse will not audit a response with status 404)
FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
         "--disable-component-update --disable-sync")


def build_fixture(tmp: Path) -> Path:
    import shutil

    site = tmp / "site"
    shutil.copytree(ROOT / "tests/fixtures/site", site, ignore=shutil.ignore_patterns(".site-gen-cache"))
    subprocess.run([sys.executable, "-m", "site_gen", "build", "-q"], cwd=site, check=True,
                   env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"})
    return site / "build"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(sys.argv[1]) if len(sys.argv) > 1 else build_fixture(Path(tmp))
        server, port = start(build)
        failures = []
        try:
            for name, path in PAGES.items():
                out = Path(tmp) / f"{name}.json"
                subprocess.run(["npx", "--no-install", "lighthouse", f"http://127.0.0.1:{port}{path}",
                                "--only-categories=" + ",".join(CATEGORIES), "--output=json", f"--output-path={out}",
                                "--quiet", f"--chrome-flags={FLAGS} --user-data-dir={tmp}/chrome-{name}"],
                               cwd=ROOT, check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
                               timeout=180)
                report = json.loads(out.read_text())
                scores = {c: report["categories"][c]["score"] for c in CATEGORIES}
                print(f"{name:<9} " + "  ".join(f"{c} {s:.2f}" for c, s in scores.items()))
                failures += [f"{name} {c} {s:.2f} < {THRESHOLD}" for c, s in scores.items() if s < THRESHOLD]
                if failures:
                    for audit in report["audits"].values():
                        if audit.get("score") is not None and audit["score"] < 1 and audit.get("scoreDisplayMode") \
                                == "binary":
                            print(f"    failing audit: {audit['id']}: {audit['title']}")
        finally:
            server.shutdown()
            server.server_close()
    for failure in failures:
        print("below threshold:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
