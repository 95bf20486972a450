"""mkdocs.yml is read without MkDocs; every config problem is reported at once with its line."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from site_gen.config import load_config
from site_gen.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mkdocs.yml"
    path.write_text(text)
    return path


def test_reads_real_world_mkdocs_yml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SG_SITE_URL", "https://docs.example.com/catalogue/")
    config = load_config(write(tmp_path, """\
site_name: Docs
site_url: !ENV [SG_SITE_URL, "https://fallback.example/"]
theme:
  name: material
markdown_extensions:
  - pymdownx.superfences:
      custom_fences:
        - name: mermaid
          format: !!python/name:pymdownx.superfences.fence_code_format
plugins:
  - search
  - site_gen:
      output_dir: public
      routes: {model: "/models/{slug}/"}
"""))
    assert config.site_url == "https://docs.example.com/catalogue/"
    assert config.output_dir == tmp_path / "public"
    assert config.routes.model == "/models/{slug}/"
    assert config.url("/model/x") == "https://docs.example.com/catalogue/model/x"
    assert config.href("/model/x") == "/catalogue/model/x"


def test_bare_origin_gets_its_slash(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "site_name: a\nsite_url: https://x.example\n")).site_url == "https://x.example/"


def test_all_problems_at_once_with_lines(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, """\
site_url: localhost:8000/docs
plugins:
  - site_gen:
      output_dri: out
      routes:
        model: model/{slug}
        modle: /x/{slug}
"""))
    assert [d.format() for d in info.value.diagnostics] == [
        f"{tmp_path}/mkdocs.yml:1:1: 'site_name' is required (add 'site_name: ...' to the top level)",
        f"{tmp_path}/mkdocs.yml:1:11: site_url: expected an absolute http(s) URL such as https://example.com/, "
        "found 'localhost:8000/docs' (canonical URLs, the sitemap and llms.txt need the full public address)",
        f"{tmp_path}/mkdocs.yml:4:7: plugins[0].site_gen.output_dri: unknown option 'output_dri' "
        "(did you mean 'output_dir'?)",
        f"{tmp_path}/mkdocs.yml:6:16: plugins[0].site_gen.routes.model: expected a path starting with '/' "
        "containing {slug} once, found 'model/{slug}' (for example /model/{slug})",
        f"{tmp_path}/mkdocs.yml:7:9: plugins[0].site_gen.routes.modle: unknown route 'modle' "
        "(did you mean 'model'?)",
    ]


def test_site_url_with_path_needs_trailing_slash(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="expected a URL ending in '/'"):
        load_config(write(tmp_path, "site_name: a\nsite_url: https://x.example/docs\n"))


@pytest.mark.parametrize(("url", "cause"), [
    ("https://x.example[/", "Invalid IPv6 URL"),  # found by mutating mkdocs.yml at random: it was a traceback
    ("https://[::1/", "Invalid IPv6 URL"),
    ("https://x.example:80x/", "Port could not be cast to integer value as '80x'"),  # it was accepted
])
def test_a_site_url_python_cannot_split_is_a_located_problem(tmp_path: Path, url: str, cause: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, f"site_name: a\nsite_url: {url}\n"))
    assert [d.format() for d in info.value.diagnostics] == [
        f"{tmp_path}/mkdocs.yml:2:11: site_url: expected an absolute http(s) URL such as https://example.com/, "
        f"found {url!r}: {cause} ('[' and ']' belong only around an IPv6 address, and a port is a number)"]


@pytest.mark.parametrize(("option", "made", "expected"), [
    ("theme", None, "templates folder not found: theme (create it with the templates you override, correct the "
                    "path, or remove the option to use the default theme)"),
    ("theme.html", "file", "expected a folder of templates, found a file: theme.html (point templates_dir at the "
                           "folder that holds your templates)"),
    ("theme", "folder", None),
    ("templates", None, None),  # the default's name: a site that overrides nothing needs no folder
])
def test_a_templates_folder_that_cannot_be_used_is_a_located_problem(tmp_path: Path, option: str, made: str | None,
                                                                     expected: str | None) -> None:
    """Without the folder the site names, the default theme was used in its place, and every template the site
    overrides was dropped without a word (MkDocs checks its ``custom_dir`` the same way)."""
    if made == "file":
        (tmp_path / option).write_text("<p>not a folder</p>\n")
    elif made == "folder":
        (tmp_path / option).mkdir()
    text = f"site_name: a\nsite_url: https://x.example/\nplugins:\n  - site_gen:\n      templates_dir: {option}\n"
    if expected is None:
        assert load_config(write(tmp_path, text)).templates_dir == tmp_path / option
        return
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert [d.format() for d in info.value.diagnostics] == [
        f"{tmp_path}/mkdocs.yml:5:22: plugins[0].site_gen.templates_dir: {expected}"]


def test_a_mistyped_key_that_site_gen_reads_is_a_located_problem(tmp_path: Path) -> None:
    """Its value would be dropped without a word: 'site_descripton' gave every page no description. MkDocs' own
    keys that look like them (site_author, site_dir) are no problem, nor are keys like no key site_gen reads."""
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, """\
site_name: a
site_url: https://x.example/
site_descripton: Every model, priced.
site_author: Someone
site_dir: public
copyrigth: Made up.
theme: {name: material}
extra: {analytics: {provider: google}}
plugin:
  - site_gen
"""))
    assert [d.format() for d in info.value.diagnostics] == [
        f"{tmp_path}/mkdocs.yml:3:1: site_descripton: unknown key 'site_descripton' (did you mean 'site_description'?)",
        f"{tmp_path}/mkdocs.yml:6:1: copyrigth: unknown key 'copyrigth' (did you mean 'copyright'?)",
        f"{tmp_path}/mkdocs.yml:9:1: plugin: unknown key 'plugin' (did you mean 'plugins'?)",
    ]


def test_a_value_null_for_want_of_an_environment_variable_says_so(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``!ENV NAME`` without a default is null when NAME is not set, as MkDocs has it. The problem that follows is
    at the value's line, and its hint names the variable first: 'site_url is required' at line 1 sent the reader
    to add a key that was there."""
    for name in ("SG_TEST_URL", "SG_TEST_URL2", "SG_TEST_OUT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, """\
site_name: a
site_url: !ENV SG_TEST_URL
plugins:
  - site_gen:
      output_dir: !ENV [SG_TEST_OUT, SG_TEST_URL2, null]
"""))
    assert [d.format() for d in info.value.diagnostics] == [
        f"{tmp_path}/mkdocs.yml:2:11: site_url: expected an absolute http(s) URL such as https://example.com/, found "
        "null (!ENV: SG_TEST_URL is not set in the environment, so the value is null; set it, or give a default as "
        "the list's last item: !ENV [SG_TEST_URL, default])",
        f"{tmp_path}/mkdocs.yml:5:19: plugins[0].site_gen.output_dir: expected a folder path, found null (!ENV: none "
        "of SG_TEST_OUT, SG_TEST_URL2 is set in the environment, so the value is null; set it, or give a default as "
        "the list's last item: !ENV [SG_TEST_OUT, default])",
    ]
    monkeypatch.setenv("SG_TEST_URL", "https://x.example/")
    monkeypatch.setenv("SG_TEST_URL2", "public")
    config = load_config(tmp_path / "mkdocs.yml")
    assert (config.site_url, config.output_dir) == ("https://x.example/", tmp_path / "public")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "nope.yml")


@pytest.mark.parametrize("site_url", ["https://example.com/", "https://docs.example.com/catalogue/"])
def test_a_catalogue_pages_urls_made_when_read_are_those_made_at_once(tmp_path: Path, site_url: str) -> None:
    """The catalogue's plan holds SlugUrls, which make each URL from the kind's patterns and the slug when read;
    they are the URLs page_urls makes, for routes ending in a slash, in .html or in neither, under a site path."""
    import pickle

    from site_gen.urls import PageUrls, SlugRoutes, SlugUrls, page_urls

    config = load_config(write(tmp_path, f"""\
site_name: Docs
site_url: {site_url}
plugins:
  - site_gen:
      routes: {{model: "/models/{{slug}}/", provider: "/p/{{slug}}.html", page_markdown: "/md/{{slug}}.md"}}
"""))
    for kind in ("model", "provider", "page"):
        routes = SlugRoutes(config, kind)
        for slug in ("gpt-4.1-mini", "a_b", "x"):
            lazy, eager = SlugUrls(routes, slug), page_urls(config, kind, slug)
            assert isinstance(eager, PageUrls) and lazy.fixed() == eager
            assert {name: getattr(lazy, name) for name in PageUrls.__dataclass_fields__} == eager.__dict__
            assert lazy == eager and lazy == SlugUrls(SlugRoutes(config, kind), slug) and hash(lazy) == hash(eager)
            assert pickle.loads(pickle.dumps(lazy)) == eager
    prefix = urlsplit(site_url).path
    assert page_urls(config, "model", "x") == PageUrls(
        "/models/x/", site_url + "models/x/", "/llms/models/x.md", site_url + "llms/models/x.md",
        "models/x/index.html", "llms/models/x.md", prefix + "models/x/", prefix + "llms/models/x.md")
    assert page_urls(config, "page", "x").markdown_url == site_url + "md/x.md"
    assert SlugUrls(SlugRoutes(config, "model"), "x").href == urlsplit(site_url).path + "models/x/"
    assert SlugUrls(SlugRoutes(config, "provider"), "x").html_file == "p/x.html"
    assert SlugUrls(SlugRoutes(config, "model"), "x").html_file == "models/x/index.html"
