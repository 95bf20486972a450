"""The strict loader: YAML 1.2 core scalars, positions, and what it refuses."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from site_gen import frontmatter, yamlsafe
from site_gen.content import _Invalid, _load
from site_gen.yamlsafe import YAMLProblem, load
from tests.helpers import ROOT


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
    # Refused at the first anchor, in about a millisecond; the bound is wide, since CI's 2 cores are shared and a
    # timed assertion must not fail on a slow moment. A walk of the expanded aliases would touch 589,824 leaves.
    assert time.perf_counter() - started < 2
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
    with pytest.raises(frontmatter.FrontMatterError) as info:
        frontmatter.parse("f.md", b"---\nid: a\nname: b\nid: c\n---\nBody.\n")
    assert info.value.diagnostic.format() == (
        "f.md:4:1: id: duplicate key 'id' (first defined at line 2, col 1; again at line 4) "
        "(remove one of them; YAML would silently keep the last)")
    source = frontmatter.parse("f.md", b"---\nid: a\nlimits: {context_window: 8}\n---\nBody.\n")
    value, key = source.front.positions[("limits", "context_window")], source.front.key_positions[("limits",)]
    assert (value.line, value.col, key.line, key.col) == (3, 26, 3, 1)


ACCEPTED = [
    "a: 1\n", "id: x\ntitle: 'Quoted: yes'\nn: \"1\"\nflag: off\nv: 1.10\nt: 1:20\nd: 2024-01-02\n",
    "a: true\nb: False\nc: ~\nd: 0x1F\ne: 0o17\nf: -3\ng: .5\nh: 1e3\ni: .inf\nj:\nk: ''\n",
    "'quoted key': 1\n\"1\": 2\n3: three\nnull: n\ntrue: t\n", "text: |\n  two\n  lines\nfold: >-\n  a\n  b\n",
    "list:\n- a\n- [1, {b: c}]\n- - nested\nflow: {x: [], y: {}}\n", "%YAML 1.2\n---\na: 1\n...\n",
    "url: https://example.com/a#b?c=d\n# comment\n", "deep: " + "[" * 64 + "]" * 64 + "\n",
]
DECLINED = [
    "title: a\nx: 1\ntitle: b\n", "x: !!python/object/apply:os.system ['id']\n", "x: !Ref foo\n", "a: &x 1\n",
    "a: *x\n", "a: &x [1]\nb: *x\n", "a: 1\n---\nb: 2\n", 'id: x\ntitle: "Llama 3\n', "a:\n\tb: 1\n",
    "? [a, b]\n: 1\n", "{a: 1}: 2\n", "deep: " + "[" * 65 + "]" * 65 + "\n", "", "# only a comment\n",
    "name: R&D\n", "a: b: c\n",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_load_data_gives_what_load_gives(text: str) -> None:
    assert repr(yamlsafe.load_data(text)) == repr(load(text).data)


@pytest.mark.parametrize("text", DECLINED)
def test_load_data_declines_what_it_cannot_vouch_for(text: str) -> None:
    """Every text that load() refuses (and a few it accepts, such as an '&' in a value) goes to load()."""
    with pytest.raises(yamlsafe.Declined):
        yamlsafe.load_data(text)


def test_a_file_with_a_problem_is_reported_with_positions_after_the_quick_reading(tmp_path: Path) -> None:
    """The content loader reads without positions first: a problem found then is reported from the reading
    with positions, at the field's own line and column."""
    source = ROOT / "tests" / "fixtures" / "site" / "content" / "models" / "google" / "gemini-2.5-pro.md"
    lines = source.read_text(encoding="utf-8").split("\n")
    line = next(k for k, text in enumerate(lines, 1) if text.startswith("release_date:"))
    lines[line - 1] = "release_date: 2025-13-45"
    file = tmp_path / "content" / "models" / "google" / source.name
    file.parent.mkdir(parents=True)
    file.write_text("\n".join(lines), encoding="utf-8")
    yamlsafe.load_data(frontmatter.split(str(file), file.read_text(encoding="utf-8"))[0])  # not declined
    with pytest.raises(_Invalid) as info:
        _load("model", file, tmp_path)
    assert [(d.line, d.col, d.field) for d in info.value.diagnostics] == [(line, 15, "release_date")]


@pytest.mark.parametrize(("text", "where", "hint"), [
    # found by mutating content files at random (a line indented, swapped, cut): libyaml's words, with a fix
    ("  id: x\ntitle: y\n", "f.md:2:1: did not find expected <document start>",
     "one mapping: 'key: value' lines from column 1"),
    ("id: x\n- a\n", "f.md:2:1: did not find expected key; block mapping started at line 1, col 1",
     "a list goes under a key of its own ('key:' then '  - item')"),
    ("id: 'x'y\n", "f.md:1:8: did not find expected key", "a quoted value ends at its closing quote"),
    ("- a\nid: x\n", "f.md:2:1: did not find expected '-' indicator", "starts with '- '"),
    ('"id": x\n"a" b\n', "f.md:3:1: could not find expected ':'", "followed by ': '"),
    ("tags: [a, b\ntitle: y\n", "f.md:2:6: did not find expected ',' or ']'; flow sequence started at line 1, "
     "col 7", "close the '[' list with ']'"),
    ("id: {a: 1, b\n", "f.md:2:1: did not find expected ',' or '}'", "close the '{' mapping with '}'"),
    ("id: @x\n", "f.md:1:5: found character that cannot start any token", "quote the value"),
    ("id: x\n%x\n", "f.md:2:3: found unknown directive name", "YAML directive"),
])
def test_libyamls_errors_come_with_a_fix(text: str, where: str, hint: str) -> None:
    message = problem(text)
    assert message.startswith(where) and message.endswith(")"), message
    assert hint in message.split(" (", 1)[1], message
