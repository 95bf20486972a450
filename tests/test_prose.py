"""Prose that contradicts the numbers is flagged (PipeLLM's overview said 1M, its metadata 128K)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from site_gen import prose
from site_gen.prose import context_claims
from tests.helpers import copy_site, run_cli, snapshot


def test_context_claims() -> None:
    text = "It has a 1 million token context.\nA context window of up to 128K tokens.\nIt costs $1."
    assert context_claims(text) == [(0, 1_000_000), (1, 128_000)]
    assert context_claims("Its 2,000K-Tokens of  Context; gpt-4 128k tokens context; 3 token tokens context") \
        == [(0, 128_000), (0, 2_000_000)]
    assert context_claims("A CONTEXT LENGTH OF about 1.5M.\n\u212a") == [(0, 1_500_000)]  # not ASCII


# The pieces the two patterns are made of, in either case, and what sits around them in prose.
_PIECES = ["1", "128", "2,000", "1.5", ".", ",", "-", " ", "  ", "\n", "\t", "\x1c", "k", "K", "m", "M",
           "thousand", "Million", "token", "Tokens", "tokens", "TOKEN", "of", " of ", "context", "Context",
           "CONTEXT", " window", " length", "up to ", "about ", "around ", "x", "e", "n", "gpt-4", "\u212a", "\u017f"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_context_claims_find_what_the_ignore_case_patterns_find(pieces: list[str]) -> None:
    """ASCII prose is lowered and searched from its anchors (the ignore-case patterns, tried at every position,
    were ~1 s of a cold 10,000-model build); the claims are those of the patterns as they read."""
    text = "".join(pieces)
    expected = sorted(prose._claim(text, match) for pattern in prose._PATTERNS for match in pattern.finditer(text))
    assert context_claims(text) == expected


def test_contradiction_warns_and_fails_under_strict(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "s")
    assert run_cli("build", cwd=site).code == 0
    before = snapshot(site / "build")
    page = site / "content/models/google/gemini-2.5-pro.md"
    page.write_text(page.read_text() + "\nIts 128K-token context suits short chats.\n")
    expected = ("content/models/google/gemini-2.5-pro.md:63:1: body: warning: the prose states a context window "
                "of 128,000 tokens, but limits.context_window is 1,048,576 (correct the prose or the number)")

    strict = run_cli("build", "--strict", cwd=site)
    assert strict.code == 1
    assert strict.problems == [expected]
    assert snapshot(site / "build") == before

    lenient = run_cli("build", cwd=site)
    assert lenient.code == 0
    assert expected in lenient.err.splitlines()


def test_strict_reports_every_problem_in_one_run(tmp_path: Path) -> None:
    """A strict build that fails names every warning and error at once, not the content checks' alone and the
    links' on the next run."""
    site = copy_site(tmp_path / "s")
    assert run_cli("build", cwd=site).code == 0
    before = snapshot(site / "build")
    page = site / "content/models/google/gemini-2.5-pro.md"
    page.write_text(page.read_text() + "\nIts 128K-token context suits short chats.\n"
                    "See [the tiers](/model/gemini-2.5-pro#no-such-section) and [a model](/model/no-such-model).\n")
    lenient = run_cli("build", cwd=site)
    assert lenient.code == 1 and len(lenient.problems) == 1 and "no-such-model" in lenient.problems[0]

    strict = run_cli("build", "--strict", cwd=site)
    assert strict.code == 1
    assert len(strict.problems) == 3, strict.problems  # in file order, as every report is
    assert "warning: the prose states a context window of 128,000" in strict.problems[0]
    assert any("warning: link to a missing anchor: /model/gemini-2.5-pro#no-such-section" in p
               for p in strict.problems[1:])
    assert lenient.problems[0] in strict.problems[1:]
    checked = run_cli("check", "--strict", cwd=site)  # which also checks the links of the rendered pages
    assert checked.code == 1 and set(strict.problems) <= set(checked.problems), checked.problems
    assert snapshot(site / "build") == before
