"""Template overrides: what Jinja drops without a word is a warning, with the file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_gen.render import check_overrides
from tests.helpers import ROOT, copy_site, run_cli, snapshot


def test_the_default_theme_has_nothing_jinja_would_drop(tmp_path: Path) -> None:
    """The check skips site_gen's own theme on every build; here it reads a copy, as it reads a project's."""
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    assert check_overrides(tmp_path / "templates", tmp_path) == []


def test_unknown_blocks_and_text_outside_blocks_are_located(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    (folder / "partials").mkdir(parents=True)
    (folder / "model.html").write_text(
        '{% extends "base.html" %}\n'
        "\n"
        "Stray text.\n"
        "{% block content %}<p>{{ page.title }}</p>{% block inner %}{% endblock %}{% endblock %}\n"
        "{% block mian %}x{% endblock %}\n"
        "{% block main %}ok {% block sub %}{% endblock %}{% endblock %}\n")
    (folder / "mine.html").write_text('{% extends "base.html" %}{% block main %}{% block extra %}{% endblock %}'
                                      "{% endblock %}")
    (folder / "provider.html").write_text('{% extends "mine.html" %}{% block extra %}fine{% endblock %}'
                                          "{% block title %}fine too{% endblock %}")
    (folder / "page.html").write_text("{% block only %}a page of its own: nothing extended{% endblock %}")
    (folder / "partials" / "broken.html").write_text('{% extends "base.html" %}{% block main %}')  # left to rendering
    (folder / "index.html").write_text('{% extends "no-such.html" %}{% block x %}{% endblock %}')  # so is this
    found = [d.format() for d in check_overrides(folder, tmp_path)]
    assert found == [
        "templates/model.html:3:1: template: warning: text outside every block of a template that extends base.html"
        " (Jinja never shows it: move it into one of the blocks)",
        "templates/model.html:4:1: template: warning: block 'content' is not in base.html or the templates it "
        "extends, so it is never shown (their blocks: main, title)",
        "templates/model.html:5:1: template: warning: block 'mian' is not in base.html or the templates it extends, "
        "so it is never shown (did you mean 'main'? their blocks: main, title)",
    ]


def test_a_build_warns_and_strict_fails(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    before = snapshot(site / "build")
    (site / "templates").mkdir()
    (site / "templates/model.html").write_text('{% extends "base.html" %}\n{% block content %}{% endblock %}\n')
    strict = run_cli("build", "--strict", cwd=site)
    assert strict.code == 1 and snapshot(site / "build") == before
    assert strict.problems == ["templates/model.html:2:1: template: warning: block 'content' is not in base.html or "
                               "the templates it extends, so it is never shown (their blocks: main, title)"]
    lenient = run_cli("build", cwd=site)
    assert lenient.code == 0 and lenient.err.splitlines() == strict.problems
    assert run_cli("build", cwd=site).err == lenient.err  # a build with nothing to do shows it again


@pytest.mark.parametrize(("kind", "source"), [("model", "content/models/acme/rocket-1-20250101.md"),
                                              ("provider", "content/providers/acme.md")])
def test_template_errors_name_the_file_and_line_at_fault(tmp_path: Path, kind: str, source: str) -> None:
    """A model's page is rendered whole; a provider's, a listing, is written as Jinja makes it: the same messages."""
    site = copy_site(tmp_path / "site")
    folder = site / "templates"
    (folder / "partials").mkdir(parents=True)
    page = f"while rendering {source}"
    cases = {  # <kind>.html, partials/x.html -> the one problem reported
        ('{% extends "base.html" %}{% block main %}\n\n  {% include "partials/nope.html" %}{% endblock %}', None):
            f"templates/{kind}.html:3:1: template not found: partials/nope.html (add it to the templates folder, or "
            f"correct the name; {page})",
        ('{% extends "base.html" %}{% block main %}{% include "partials/x.html" %}{% endblock %}',
         b"fine\nab\xe9t\xe9"):
            f"templates/partials/x.html:2:3: template is not UTF-8: found the byte 0xE9 (save it as UTF-8; {page})",
        (f'{{% include "{kind}.html" %}}', None):
            f"templates/{kind}.html:1:1: RecursionError: maximum recursion depth exceeded*"  # Python's words vary
            f" (a template that includes or extends itself, directly or through others? {page})",
        ('{% extends "base.html" %}{% block main %}\n{{ page.title }}\n{{ 1 // 0 }}{% endblock %}', None):
            f"templates/{kind}.html:3:1: ZeroDivisionError*{page})",
    }
    for (template, partial), expected in cases.items():
        (folder / f"{kind}.html").write_text(template)
        if partial is not None:
            (folder / "partials/x.html").write_bytes(partial)
        result = run_cli("build", cwd=site)
        assert result.code == 1 and len(result.problems) == 1, result.problems
        head, _, tail = expected.partition("*")
        assert result.problems[0].startswith(head) and result.problems[0].endswith(tail), result.problems
        assert not (site / "build").exists()  # nothing published, and no half-written page left behind
        assert not [p.name for p in site.iterdir() if p.name.startswith("build.tmp")]


def test_a_streamed_template_comes_in_chunks_of_the_size_asked_for_and_errors_are_located(tmp_path: Path) -> None:
    """Renderer.stream joins what Jinja yields a batch of pieces at a time (a listing page yields hundreds of
    thousands): every chunk but the last has the characters asked for, the chunks make what ``render`` makes,
    and a failure after some chunks have gone is the same located diagnostic."""
    from site_gen.errors import RenderError
    from site_gen.render import _BATCH, Renderer

    (tmp_path / "list.html").write_text("{% for n in rows %}<li>{{ n }}{{ '' }}</li>\n{% endfor %}"
                                        "{% if fail %}{{ 1 // 0 }}{% endif %}")
    renderer = Renderer(tmp_path, tmp_path)
    rows = list(range(5 * _BATCH))  # several batches, each with empty pieces among them
    whole = renderer.render("list.html", "content/x.md", rows=rows, fail=False)
    for size in (1, 100, 10_000, len(whole), 10 * len(whole)):
        chunks = list(renderer.stream("list.html", "content/x.md", size, rows=rows, fail=False))
        assert "".join(chunks) == whole
        assert all(len(chunk) >= size for chunk in chunks[:-1]) and chunks[-1]
        if size >= len(whole):
            assert len(chunks) == 1
        if size == 1:  # a chunk for each batch of pieces
            assert len(chunks) > 5
    stream = renderer.stream("list.html", "content/x.md", 100, rows=rows, fail=True)
    assert next(stream).startswith("<li>0</li>")
    with pytest.raises(RenderError) as failure:
        list(stream)
    assert str(failure.value).startswith("list.html:2:1: ZeroDivisionError") and "content/x.md" in str(failure.value)
    assert list(renderer.stream("list.html", "content/x.md", 100, rows=[], fail=False)) == []


def test_templates_are_loaded_before_the_page_worker_forks_and_a_broken_one_is_left_to_its_page(tmp_path: Path) -> None:
    """pages._prepared loads every page template in the building process, so that the forked worker shares them;
    one that does not compile is not an error there: the page that renders it reports it, located."""
    from site_gen.config import load_config
    from site_gen.pages import _prepared

    def loaded(renderer: object) -> set[str]:  # the templates in Jinja's cache: loaded, none rendered yet
        return {name for _, name in renderer.env.cache}  # type: ignore[attr-defined]

    pages = {f"{kind}.{ext}" for kind in ("model", "provider", "page", "index") for ext in ("html", "md")}
    site = copy_site(tmp_path / "site")
    assert loaded(_prepared(load_config(site / "mkdocs.yml"))) == pages
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates/model.html").write_text('{% extends "base.html" %}{% block main %}\n{{ page.title }\n'
                                               '{% endblock %}')
    assert loaded(_prepared(load_config(site / "mkdocs.yml"))) == pages - {"model.html"}
    result = run_cli("build", cwd=site)
    assert result.code == 1 and result.problems[0].startswith("templates/model.html:2:1: template syntax error")


class _Html:
    def __html__(self) -> str:
        return "<b>own</b>"

    def __str__(self) -> str:
        return "<not used>"


_ESCAPING = """{% macro cell(v) %}<td>{{ v }}</td>{% endmacro %}{% macro wrap() %}<u>{{ caller() }}</u>{% endmacro %}
{% set held %}<i>{{ text }}</i>{% endset %}
{{ text }}|{{ markup }}|{{ number }}|{{ ratio }}|{{ day }}|{{ none }}|{{ own }}|{{ text|safe }}|{{ held }}
{{ cell(text) }}{% call wrap() %}{{ text }}{{ markup }}{% endcall %}
{% filter upper %}{{ text }}{% endfilter %}{{ text ~ markup }}
{% autoescape false %}{{ text }}{% endautoescape %}{% autoescape flag %}{{ text }}{% endautoescape %}
{{ "<const>" }}{{ 3 }}{% for row in rows %}{{ row.name }}{{ loop.index }}{% endfor %}{% include "part.html" %}
"""


@pytest.mark.parametrize("escape", ["markupsafe", "fallback"])
def test_escaped_output_is_jinjas_to_the_byte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, escape: str) -> None:
    """An autoescaped ``{{ value }}`` is written by site_gen's code generator as ``environment.output_text(value)``
    (a plain string, not Markup): every kind of value and construct renders as a stock Jinja environment with
    the same options renders it, and an undefined value fails as there. With a markupsafe that lacks its C
    function (the fallback), too."""
    import datetime as dt

    import jinja2
    from markupsafe import Markup

    import site_gen.render as render
    from site_gen.errors import RenderError

    if escape == "fallback":
        monkeypatch.setattr(render, "_escape_text", render._escape_plain)
    (tmp_path / "page.html").write_text(_ESCAPING)
    (tmp_path / "part.html").write_text("{{ text }}{{ markup }}\n")
    (tmp_path / "broken.html").write_text("<p>{{ missing }}</p>")
    stock = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), undefined=jinja2.StrictUndefined,
                               autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"),
                                                                   default_for_string=False),
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    renderer = render.Renderer(tmp_path, tmp_path)
    values = {"text": "a <b> & \"c\" 'd'", "markup": Markup("<em>m</em>"), "number": 1_000, "ratio": 0.25,
              "day": dt.date(2025, 1, 2), "none": None, "own": _Html(), "rows": [{"name": "<r>"}, {"name": "s"}]}
    for flag in (True, False):
        mine = renderer.render("page.html", "content/x.md", flag=flag, **values)
        assert mine == stock.get_template("page.html").render(flag=flag, **values)
        assert "a &lt;b&gt; &amp; &#34;c&#34; &#39;d&#39;|<em>m</em>|1000|" in mine and "<b>own</b>" in mine
    source = renderer.env.compile(_ESCAPING, name="page.html", raw=True)
    assert "yield environment.output_text(" in source
    assert "(escape if context.eval_ctx.autoescape else str)(" in source  # the block decided as it renders
    with pytest.raises(jinja2.UndefinedError):
        stock.get_template("broken.html").render()
    with pytest.raises(RenderError, match="'missing' is undefined"):
        renderer.render("broken.html", "content/x.md")
