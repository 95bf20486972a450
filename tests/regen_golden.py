"""Regenerate the golden output tree: python tests/regen_golden.py

Builds tests/fixtures/site with a fixed SOURCE_DATE_EPOCH into
tests/golden/site. Review the diff before committing it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.helpers import FIXTURE_SITE, copy_site, run_cli

GOLDEN = Path(__file__).resolve().parent / "golden" / "site"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        site = copy_site(Path(tmp) / "site", FIXTURE_SITE)
        result = run_cli("build", cwd=site)
        if result.code:
            print(result.err, file=sys.stderr)
            return result.code
        if GOLDEN.exists():
            shutil.rmtree(GOLDEN)
        shutil.copytree(site / "build", GOLDEN)
    print(f"golden tree written to {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
