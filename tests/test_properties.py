"""Property tests (Hypothesis): the loader never crashes, and mirror front matter round-trips."""

from __future__ import annotations

import re
from types import SimpleNamespace

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from site_gen import frontmatter, markdown, overrides, yamlsafe
from site_gen.diagnose import from_validation_error
from site_gen.errors import Diagnostic
from site_gen.render import DEFAULT_THEME, Renderer
from site_gen.schema import Model
from tests.helpers import ROOT


def load(data: bytes) -> Model | list[Diagnostic]:
    """The content loader's path for one file: a model, or diagnostics. Anything else is a bug."""
    try:
        source = frontmatter.parse("content/models/x/y.md", data)
    except frontmatter.FrontMatterError as exc:
        return [exc.diagnostic]
    document = overrides.apply(source.front)
    try:
        return Model.model_validate(document.data)
    except ValidationError as exc:
        diagnostics = from_validation_error(exc, Model, "content/models/x/y.md", document)
        assert diagnostics and all(d.line >= 1 for d in diagnostics)
        return diagnostics


FIELDS = ["id", "title", "provider", "data_updated", "release_date", "limits", "pricing", "capabilities", "aliases",
          "overrides", "status", "knowledge_cutoff", "availability", "extra", "tittle"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                    st.text(max_size=30), st.sampled_from(["NO", "1.10", "1:20", "2024-13-45", "2025-04-14", "yes",
                                                          "~", "0x1F", ".inf", "&a", "*a", "!!python/name:x"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from([*FIELDS, "input", "above"]),
                                                                       inner, max_size=4)), max_leaves=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    load(data)
    load(b"---\n" + data + b"\n---\nbody\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    load(("---\n" + text + "\n---\n").encode("utf-8", "surrogatepass"))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), values, max_size=8))
def test_structured_front_matter_never_crashes(front: dict) -> None:
    text = yaml.safe_dump(front, allow_unicode=True, default_flow_style=None, sort_keys=False)
    result = load(("---\n" + text + "---\n").encode("utf-8", "surrogatepass"))
    assert isinstance(result, (Model, list))


def same_data_or_declined(text: str) -> None:
    """The quick reading (no positions) gives the data load() gives, or declines: never another value, and
    never a text that load() refuses."""
    try:
        quick = yamlsafe.load_data(text)
    except yamlsafe.Declined:
        return
    assert repr(yamlsafe.load(text).data) == repr(quick)  # repr: NaN is itself, and 1, 1.0 and True differ


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_the_quick_reading_of_arbitrary_text_is_loads_or_declined(text: str) -> None:
    same_data_or_declined(text)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), values, max_size=8), st.sampled_from([None, True, False]))
def test_the_quick_reading_of_front_matter_is_loads_or_declined(front: dict, flow: bool | None) -> None:
    same_data_or_declined(yaml.safe_dump(front, allow_unicode=True, default_flow_style=flow, sort_keys=False))


def test_deep_nesting_is_a_diagnostic_not_a_crash() -> None:
    result = load(("---\nextra: " + "[" * 5000 + "]" * 5000 + "\n---\n").encode())
    assert isinstance(result, list) and "nesting deeper than 64 levels" in result[0].message


_renderer = Renderer(DEFAULT_THEME, ROOT)
one_line = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\ufeff"),
                   min_size=1, max_size=80).filter(lambda s: s.strip())


@settings(max_examples=200, deadline=None)
@given(title=one_line, description=one_line, ident=st.from_regex(r"[a-z0-9][a-z0-9.:/_-]{0,30}", fullmatch=True))
def test_mirror_front_matter_round_trips(title: str, description: str, ident: str) -> None:
    urls = SimpleNamespace(route_path="/model/x", canonical_url="https://e.org/model/x", markdown_path="/x.md",
                           markdown_url="https://e.org/x.md")
    page = SimpleNamespace(title=title, description=description, urls=urls, content_type="model-detail-page",
                           id=ident, data_updated="2026-01-01")
    site = SimpleNamespace(generated_at="2026-01-01T00:00:00.000Z", schema_version=1)
    text = _renderer.render("partials/mirror_header.md", "x", page=page, site=site)
    head = yaml.safe_load(text.split("---\n")[1])
    assert head["title"] == title
    assert head["description"] == description
    assert head["id"] == ident
    assert list(head)[:8] == ["title", "route_path", "canonical_url", "markdown_path", "markdown_url",
                              "content_type", "description", "generated_at"]


_NAMES = st.sampled_from(["title", "items", "get", "keys", "values", "copy", "__class__", "__doc__", "missing",
                          "update", "count", "index"])


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_NAMES, st.integers(), max_size=6), _NAMES,
       st.sampled_from(["dict", "list", "namespace"]))
def test_attribute_lookup_on_dicts_means_what_it_means_in_jinja(data: dict, name: str, kind: str) -> None:
    """The renderer's faster ``row.key`` gives what stock Jinja gives, for every name (dict methods included)."""
    import jinja2

    from site_gen.render import _Environment

    obj = {"dict": data, "list": list(data.values()), "namespace": SimpleNamespace(**data)}[kind]
    results = []
    for env in (jinja2.Environment(undefined=jinja2.StrictUndefined),
                _Environment(undefined=jinja2.StrictUndefined)):
        template = env.from_string("{{ obj." + name + " }}|{{ obj." + name + " is defined }}")
        try:
            results.append(template.render(obj=obj))
        except jinja2.UndefinedError as exc:
            results.append(f"undefined: {exc}")
    assert results[0] == results[1]


_ASCII_TEXT = st.text(st.characters(max_codepoint=127), max_size=300)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_ASCII_TEXT, st.text(max_size=300), st.lists(_ASCII_TEXT, max_size=5).map("\n".join)))
def test_token_pieces_count_what_the_expression_matches(text: str) -> None:
    """The ASCII fast path of the llms size estimate counts exactly the regular expression's matches."""
    import re

    from site_gen import tokens

    assert tokens.pieces(text) == len(re.findall(r"[^\W\d_]+|\d|[^\w\s]|_", text))


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from([" ", "\n", "id=", '"', "i", "d", "=", "a", "b", "-", 'id="', ' id="x"', "\u2003"]),
                max_size=40).map("".join))
def test_element_ids_are_what_the_expression_finds(html: str) -> None:
    """The anchor check's id scan (str.find) finds exactly what ``\\sid="([^"]+)"`` finds, on nasty input."""
    import re

    from site_gen import links

    assert links.ids_of(html) == set(re.findall(r'\sid="([^"]+)"', html))


@given(st.one_of(st.none(), st.integers(0, 10**10), st.floats(0, 1e7, allow_nan=False)))
def test_the_templates_figures_are_the_functions_figures(value: float | int | None) -> None:
    """The filters keep each figure's text in a table: the text computed, and an int's apart from the equal
    float's (128000 is 128K, 128000.0 would be 128.0K)."""
    from site_gen import formats

    for name in ("price", "short_tokens"):
        cached, computed = formats.FILTERS[name], getattr(formats, name)
        assert cached(value) == computed(value)
        if isinstance(value, int):
            assert cached(float(value)) == computed(float(value))


_BLANKS_AND_TEXT = ["a", "b ", " ", "\t", "\n", "\n", "\n", "\r", "\x0c", "\u00a0", "\u2028", "\x1c"]


def _tidied(text: str) -> str:
    """What tidying blank lines means, written as plainly as it can be (the oracle of the tests below): the text's
    lines without the newlines at its ends; outside a fence, a blank line is dropped after a blank line (or at the
    start) and kept empty otherwise; a fence opens at ``` or ~~~ and closes at a run as long of the same mark."""
    out: list[str] = []
    fence = ""
    for line in text.strip("\n").split("\n"):
        match = re.match(r" {0,3}(`{3,}|~{3,})", line)
        if match and (not fence or (match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence))):
            fence = "" if fence else match.group(1)
        elif not fence and not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line if fence or line.strip() else "")
    return "\n".join(out) + "\n"


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from([*_BLANKS_AND_TEXT, "`", "~", "```", "~~~"]), max_size=40).map("".join))
def test_tidying_blank_lines_whole_text_equals_line_by_line(text: str) -> None:
    """Whichever way a text goes (a fence, or a backtick that opens none), it is tidied as the oracle tidies it."""
    assert markdown.tidy_blank_lines(text) == _tidied(text)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_BLANKS_AND_TEXT), max_size=40).map("".join))
def test_tidying_text_without_fences_equals_line_by_line(text: str) -> None:
    """The whole-text path alone (any fence sends a text line by line)."""
    assert markdown.tidy_blank_lines(text) == _tidied(text)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from([*_BLANKS_AND_TEXT, "`", "~", "```", "~~~", "\n\n", "x\n", "```\n"]), max_size=40),
       st.integers(1, 8))
def test_tidying_a_stream_of_pieces_equals_tidying_the_whole(pieces: list[str], chunk: int) -> None:
    """A listing's mirror is tidied as Jinja makes it, a chunk at a time (markdown.tidy_stream): the chunks make
    the text tidying the whole would, however the pieces are cut and wherever the chunks end."""
    chunks = list(markdown.tidy_stream(iter(pieces), chunk))
    assert "".join(chunks) == markdown.tidy_blank_lines("".join(pieces)) == _tidied("".join(pieces))
    assert all(c.endswith("\n") for c in chunks) and all(chunks)  # whole lines: their token pieces add up


_HTML_BITS = st.sampled_from(['id="', ' id="', '\nid="', 'data-id="', '"', "\n", " ", "a", "b", "id=", "<div", ">",
                              "é", "\t"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bits=st.lists(_HTML_BITS, max_size=120), chunk=st.integers(1, 12), tmp=st.just(None))
def test_a_streamed_page_has_the_bytes_and_ids_of_the_whole(tmp_path_factory, bits, chunk, tmp) -> None:
    """site_gen.pages writes a listing's HTML a chunk at a time, cutting only where no id attribute is open: the
    file is the page's bytes, and the ids found are those links.ids_of finds in the whole page, however the
    chunks come (Renderer.stream gathers ~256 KB; tiny ones here, ``chunk`` bits each, so that every cut is
    tried)."""
    import site_gen.pages as pages_module
    from site_gen import links

    html = "".join(bits)
    target = tmp_path_factory.mktemp("streamed") / "page.html"
    chunks = ["".join(bits[at:at + chunk]) for at in range(0, len(bits), chunk)]
    size, ids, digest = pages_module._write_streamed(str(target), iter(chunks), True)
    assert target.read_bytes() == html.encode("utf-8") and size == len(html.encode("utf-8"))
    assert ids == links.ids_of(html)
    assert digest == pages_module.file_hash(html.encode("utf-8"))
