"""The README's field reference is the schema's, and .ci/run runs the README's test command."""

from __future__ import annotations

import re

from site_gen import reference
from tests.helpers import ROOT


def test_readme_field_reference_matches_schema() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("<!-- reference:start -->\n", 1)[1].split("<!-- reference:end -->", 1)[0]
    assert section == reference.markdown(), "run: site-gen schema --markdown, and paste it into the README"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```sh\n(.+?)\n```", readme)
    assert commands[:2] == ["bash scripts/dev.sh build", "bash scripts/dev.sh test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.strip().splitlines()[-1] == commands[1]
