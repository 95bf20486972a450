"""The fixture site builds into the committed golden tree, and every page's
HTML and mirror agree with each other and with the content."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

from site_gen.build import load_catalog
from site_gen.config import load_config
from site_gen.urls import route_file
from tests.helpers import EPOCH, FIXTURE_SITE, ROOT, copy_site, run_cli, snapshot

GOLDEN = Path(__file__).resolve().parent / "golden" / "site"
MIRROR_KEYS = ["title", "route_path", "canonical_url", "markdown_path", "markdown_url", "content_type",
               "description", "generated_at"]


def test_golden_tree(fixture_build: Path) -> None:
    """Regenerate with: python tests/regen_golden.py (and review the diff)."""
    built, golden = snapshot(fixture_build), snapshot(GOLDEN)
    assert sorted(built) == sorted(golden)
    for path in golden:
        assert built[path] == golden[path], f"{path} differs from the golden tree"


def mirrors(build: Path) -> list[Path]:
    return sorted((build / "llms").rglob("*.md"))


def front(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, head, body = text.split("---\n", 2)
    return yaml.safe_load(head), body


def test_every_page_has_both_outputs(fixture_build: Path) -> None:
    config = load_config(FIXTURE_SITE / "mkdocs.yml")
    catalog = load_catalog(config)
    assert len(catalog.urls) == 6
    for page in catalog.urls.values():
        assert (fixture_build / page.html_file).is_file()
        assert (fixture_build / page.markdown_file).is_file()


def test_mirror_frontmatter_contract(fixture_build: Path) -> None:
    site_url = "https://fixture.example.org/"
    config = load_config(FIXTURE_SITE / "mkdocs.yml")
    catalog = load_catalog(config)
    by_mirror = {page.markdown_file: (path, page) for path, page in catalog.urls.items()}
    for mirror in mirrors(fixture_build):
        data, _body = front(mirror)
        assert list(data)[:8] == MIRROR_KEYS
        assert list(data)[8:] == ["id", "data_updated", "schema_version"]
        assert data["canonical_url"] == site_url + data["route_path"].lstrip("/")
        assert data["markdown_url"] == site_url + data["markdown_path"].lstrip("/")
        assert data["generated_at"] == "2026-01-01T00:00:00.000Z"
        assert (fixture_build / route_file(data["route_path"])).is_file()
        if data["content_type"] == "catalogue-index-page":
            assert data["route_path"] == "/" and data["title"] == "Fixture Catalogue"
            continue
        source, page = by_mirror[mirror.relative_to(fixture_build).as_posix()]
        entry = next(e for e in [*catalog.models, *catalog.providers.values(), *catalog.pages] if e.path == source)
        assert data["id"] == entry.data.id
        assert data["title"] == (entry.data.name if entry.kind == "provider" else entry.data.title)
        assert data["data_updated"] == entry.data.data_updated.isoformat()
        assert data["route_path"] == page.route_path


def test_mirror_header_lines_are_separate_paragraphs(fixture_build: Path) -> None:
    md = MarkdownIt("commonmark")
    for mirror in mirrors(fixture_build):
        data, body = front(mirror)
        tokens = md.parse(body)
        paragraphs = [t.content for t in tokens if t.type == "inline"][:4]
        assert paragraphs == [f"Canonical page: {data['canonical_url']}",
                              f"Markdown mirror: {data['markdown_url']}",
                              f"Content type: {data['content_type']}",
                              f"Generated at: {data['generated_at']}"]
        h1 = [t for t in tokens if t.type == "heading_open" and t.tag == "h1"]
        assert len(h1) == 1


def test_model_mirror_sections_in_order(fixture_build: Path) -> None:
    _, body = front(fixture_build / "llms/models/gemini-2.5-pro.md")
    sections = re.findall(r"^## (.+)$", body, re.M)
    assert sections == ["Query Intents", "Overview", "Model Metadata", "Official Pricing (per 1M tokens)",
                        "Provider Availability", "Benchmarks", "Price History", "Sources"]
    _, body = front(fixture_build / "llms/models/unknowns.md")
    assert re.findall(r"^## (.+)$", body, re.M) == ["Query Intents", "Overview", "Model Metadata",
                                                    "Pricing (per 1M tokens)", "Provider Availability"]


def test_tables_are_valid_gfm(fixture_build: Path) -> None:
    md = MarkdownIt("commonmark").enable("table")
    for mirror in mirrors(fixture_build):
        _, body = front(mirror)
        delimiter_rows = [line for line in body.splitlines() if re.fullmatch(r"\|( -+:? \|)+", line)]
        tokens = md.parse(body)
        tables = [t for t in tokens if t.type == "table_open"]
        assert len(tables) == len(delimiter_rows), mirror
        for table_open in tables:
            # every row has as many cells as the header
            start = tokens.index(table_open)
            end = next(i for i in range(start, len(tokens)) if tokens[i].type == "table_close")
            counts, count = [], 0
            for tok in tokens[start:end]:
                if tok.type in ("th_open", "td_open"):
                    count += 1
                elif tok.type == "tr_close":
                    counts.append(count)
                    count = 0
            assert len(set(counts)) == 1, (mirror, counts)


def test_unknown_and_free_are_shown_differently(fixture_build: Path) -> None:
    _, free = front(fixture_build / "llms/models/rocket-1-20250101.md")
    assert "| Input | $0 (free) |" in free
    _, unknown = front(fixture_build / "llms/models/unknowns.md")
    assert "- Context window: unknown" in unknown
    assert "- Input modalities: unknown" in unknown
    assert "No prices are known for this model." in unknown
    assert "$0" not in unknown


def test_tier_columns_only_where_tiers_exist(fixture_build: Path) -> None:
    _, tiered = front(fixture_build / "llms/models/gemini-2.5-pro.md")
    assert "| Price per 1M tokens | Up to 200K tokens | Above 200K tokens |" in tiered
    _, flat = front(fixture_build / "llms/models/rocket-1-20250101.md")
    assert "Above" not in flat and "| Price per 1M tokens | USD |" in flat


def test_official_only_when_the_source_is_the_vendor(fixture_build: Path) -> None:
    _, rocket = front(fixture_build / "llms/models/rocket-1-20250101.md")
    assert "## Pricing (per 1M tokens)" in rocket and "Official" not in rocket
    assert "Source: [ACME pricing](https://acme.example/pricing?plan=free&x=1), checked 2026-01-15." in rocket


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link":
            self.links.append(dict(attrs))
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def test_html_canonical_and_alternate_links(fixture_build: Path) -> None:
    for mirror in mirrors(fixture_build):
        data, _ = front(mirror)
        html_file = fixture_build / route_file(data["route_path"])
        parser = _Links()
        parser.feed(html_file.read_text(encoding="utf-8"))
        canonical = [link for link in parser.links if link.get("rel") == "canonical"]
        alternate = [link for link in parser.links if link.get("rel") == "alternate"]
        assert [c["href"] for c in canonical] == [data["canonical_url"]]
        assert [(a["type"], a["href"]) for a in alternate] == [("text/markdown", data["markdown_url"])]
        assert parser.title.startswith(data["title"])


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    trees = []
    envs = {"a": {"TZ": "UTC", "PYTHONHASHSEED": "1"}, "b": {"TZ": "Asia/Kolkata", "PYTHONHASHSEED": "2"}}
    for name, env in envs.items():
        site = copy_site(tmp_path / name)
        assert run_cli("build", cwd=site, env=env).code == 0
        trees.append(snapshot(site / "build"))
    assert trees[0] == trees[1]


def test_generated_at_follows_source_date_epoch(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "s")
    assert run_cli("build", cwd=site, env={"SOURCE_DATE_EPOCH": "1700000000"}).code == 0
    data, _ = front(site / "build/llms/models/unknowns.md")
    assert data["generated_at"] == "2023-11-14T22:13:20.000Z"
    bad = run_cli("build", cwd=site, env={"SOURCE_DATE_EPOCH": "abc"})
    assert bad.code == 1
    assert "SOURCE_DATE_EPOCH: expected a non-negative integer of seconds, found 'abc'" in bad.err


def test_check_writes_nothing(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "s")
    result = run_cli("check", cwd=site)
    assert result.code == 0, result.err
    assert not (site / "build").exists()


def test_schema_command_prints_json_schema(tmp_path: Path) -> None:
    result = run_cli("schema", cwd=tmp_path)
    schema = json.loads(result.out)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"id", "provider", "data_updated"}


def test_the_command_builds_without_openssl_and_the_same_site(tmp_path: Path) -> None:
    """``python -m site_gen`` (site_gen.command) keeps OpenSSL's libcrypto out of its process (~3.5 MB of a build's
    memory: hashlib loads it to offer algorithms a build never uses), and builds the very site that site_gen.cli
    builds in a process that has it (the tests' own, where hashlib came with OpenSSL)."""
    import hashlib
    import subprocess
    import sys

    assert hashlib.sha256 is not hashlib.__get_builtin_constructor("sha256")  # this process has OpenSSL's
    with_openssl = copy_site(tmp_path / "with")
    assert run_cli("build", "-j", "2", cwd=with_openssl).code == 0
    without = copy_site(tmp_path / "without")
    script = ("import sys\nfrom site_gen.command import main\ncode = main(['build', '-q', '-j', '2'])\n"
              "maps = open('/proc/self/maps').read() if sys.platform == 'linux' else ''\n"
              "print(code, [m for m in ('_hashlib', '_ssl', 'ssl') if sys.modules.get(m)], 'libcrypto' in maps)\n")
    run = subprocess.run([sys.executable, "-c", script], cwd=without, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[-2] == "0 [] False"
    assert snapshot(without / "build") == snapshot(with_openssl / "build")
    # and the build caches it sealed read the same in a process with OpenSSL: after a prose edit, the next build
    # there renders the edited page alone
    edited = next((without / "content/models").rglob("*.md"))
    edited.write_text(edited.read_text() + "\nOne sentence more.\n")
    again = run_cli("build", "-v", cwd=without)
    assert again.code == 0 and "pages rendered: 1, reused unchanged: " in again.out, again.out


def test_the_large_site_wide_files_are_written_a_part_at_a_time(tmp_path: Path, monkeypatch) -> None:
    """A provider's llms-full file, the site-wide one and the API listing (~40, ~80 and ~80 MB at 100,000 models)
    go to the output as their parts are made: a mirror, a provider's file, a model's entry at a time. Joined
    first, each was held whole, and more than once, at the end of a build, when it held the most."""
    import site_gen.writer as writer

    site = copy_site(tmp_path / "s")
    written: dict[str, list[int]] = {}
    real = writer.StagedOutput.write_parts

    def recording(self: writer.StagedOutput, relative: str, parts) -> int:
        sizes = written.setdefault(relative, [])

        def each():
            for part in parts:
                sizes.append(len(part))
                yield part

        return real(self, relative, each())

    monkeypatch.setattr(writer.StagedOutput, "write_parts", recording)
    assert run_cli("build", "--clean", cwd=site).code == 0
    build = site / "build"
    fulls = sorted(path for path in written if path.startswith("llms/providers/") and path.endswith("-full.txt"))
    assert fulls and fulls == sorted(p.relative_to(build).as_posix() for p in build.glob("llms/providers/*-full.txt"))
    for path in fulls:
        text = (build / path).read_text()
        assert len(written[path]) == 1 + text.count("\n<!-- mirror: ")  # the head, then each page's mirror
        assert sum(written[path]) == len(text.encode())
    listing = (build / "api/models.json").read_bytes()
    assert len(written["api/models.json"]) == json.loads(listing)["count"] + 2  # head, each model, the end
    assert sum(written["api/models.json"]) == len(listing) and max(written["api/models.json"]) < len(listing) / 2
    assert written["llms-full.txt"] == [(build / path).stat().st_size for path in fulls]
    assert (build / "llms-full.txt").read_bytes() == b"".join((build / path).read_bytes() for path in fulls)


def test_a_content_file_out_of_place_is_reported_with_its_path_and_where_it_belongs(tmp_path: Path) -> None:
    """Content files are found by name (site_gen.content._discover): one in no place the layout has is an error
    naming it, relative to the project, and nothing is published; files elsewhere than .md are not content."""
    site = copy_site(tmp_path / "site")
    (site / "content/models/stray.md").write_text("---\nid: stray\n---\nStray.\n")
    (site / "content/models/acme/notes.txt").write_text("not content")
    result = run_cli("build", cwd=site)
    assert result.code == 1
    assert result.problems == ["content/models/stray.md: unexpected content file location (models go in "
                               "content/models/<provider>/<model>.md, providers in content/providers/<provider>.md, "
                               "pages in content/pages/<page>.md)"]
    assert not (site / "build").exists()
    (site / "content/models/stray.md").unlink()
    assert run_cli("build", cwd=site).code == 0
