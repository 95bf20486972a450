"""The strict loader: YAML 1.2 core scalars, positions, and what it refuses."""

from __future__ import annotations

import time

import pytest

from site_gen import yamlsafe
from site_gen.yamlsafe import YAMLProblem, load


def problem(text: str, policy: yamlsafe.Policy = "strict") -> str:
    with pytest.raises(YAMLProblem) as info:
        load(text, policy)
    return info.value.diagnostic("f.md").format()


def test_core_schema_never_coerces_yaml11_values() -> None:
    doc = load("country: NO\nlangs: [en, no, yes, off]\nversion: 1.10\nctx: 1:20\nday: 2024-01-02\n")
    assert doc.data == {"country": "NO", "langs": ["en", "no", "yes", "off"], "version": 1.1, "ctx": "1:20",
                        "day": "2024-01-02"}
    assert doc.positions[("version",)].raw == "1.10"


def test_core_schema_scalars() -> None:
    doc = load("a: true\nb: False\nc: ~\nd: 0x1F\ne: 0o17\nf: -3\ng: .5\nh: 1e3\ni: '1'\nj:\n")
    assert doc.data == {"a": True, "b": False, "c": None, "d": 31, "e": 15, "f": -3, "g": 0.5, "h": 1000.0,
                        "i": "1", "j": None}


def test_positions_of_values_and_keys() -> None:
    doc = load("a:\n  b: [1, {c: x}]\n")
    assert (doc.positions[("a", "b", 1, "c")].line, doc.positions[("a", "b", 1, "c")].col) == (2, 14)
    assert (doc.key_positions[("a", "b")].line, doc.key_positions[("a", "b")].col) == (2, 3)


def test_duplicate_keys_name_both_lines() -> None:
    assert problem("title: a\nx: 1\ntitle: b\n") == (
        "f.md:3:1: title: duplicate key 'title' (first defined at line 1, col 1; again at line 3) "
        "(remove one of them; YAML would silently keep the last)")


@pytest.mark.parametrize("text", ["x: !!python/object/apply:os.system ['id']\n", "x: !!binary aGk=\n",
                                  "x: !Ref foo\n", "x: !!set {a, b}\n"])
def test_tags_are_refused(text: str) -> None:
    assert "YAML tag not allowed" in problem(text)


def test_billion_laughs_fails_fast() -> None:
    lol = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    lol += "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
                   for i in range(8))
    started = time.perf_counter()
    message = problem(lol)
    assert time.perf_counter() - started < 0.1
    assert "YAML anchors are not allowed" in message


def test_alias_without_anchor_position() -> None:
    assert "YAML aliases are not allowed" in problem("a: *x\n")


def test_unclosed_quote_points_at_both_ends() -> None:
    assert problem('id: x\ntitle: "Llama 3\n') == (
        "f.md:3:1: found unexpected end of stream; quoted scalar started at line 2, col 8 (close the quote)")


def test_config_policy_honours_env_and_keeps_other_tags_inert(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SG_TEST_URL", "https://env.example/")
    monkeypatch.delenv("SG_MISSING", raising=False)
    doc = load("a: !ENV SG_TEST_URL\nb: !ENV [SG_MISSING, fallback]\nc: !!python/name:os.system\n"
               "d: !ENV SG_MISSING\ne: &x [1]\nf: *x\n", "config")
    assert doc.data["a"] == "https://env.example/"
    assert doc.data["b"] == "fallback"
    assert doc.data["c"] == yamlsafe.Tagged("tag:yaml.org,2002:python/name:os.system", "")
    assert doc.data["d"] is None
    assert doc.data["f"] == [1]


def test_second_document_is_an_error() -> None:
    assert "expected a single YAML document" in problem("a: 1\n---\nb: 2\n")


def test_front_matter_problems_and_positions_use_the_files_lines() -> None:
    """Front matter starts on line 2: a duplicate key's message names the lines an editor shows, as its
    location does, and positions kept for later checks are the file's too."""
    from site_gen import frontmatter

    with pytest.raises(frontmatter.FrontMatterError) as info:
        frontmatter.parse("f.md", b"---\nid: a\nname: b\nid: c\n---\nBody.\n")
    assert info.value.diagnostic.format() == (
        "f.md:4:1: id: duplicate key 'id' (first defined at line 2, col 1; again at line 4) "
        "(remove one of them; YAML would silently keep the last)")
    source = frontmatter.parse("f.md", b"---\nid: a\nlimits: {context_window: 8}\n---\nBody.\n")
    value, key = source.front.positions[("limits", "context_window")], source.front.key_positions[("limits",)]
    assert (value.line, value.col, key.line, key.col) == (3, 26, 3, 1)
