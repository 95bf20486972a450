"""The cyclic garbage collector is paused while site_gen builds, and on again after (site_gen.collector)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from site_gen import collector
from site_gen.collector import collector_paused
from tests.helpers import copy_site, run_cli


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The collector on, as in a fresh process (and as the test found it, after)."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _spy_on(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[bool]:
    """Whether the collector was on at each call of ``module.name`` from now on."""
    seen: list[bool] = []
    real = getattr(module, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return seen


def test_a_build_runs_with_the_collector_off_and_turns_it_on_after(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, collector_on: None) -> None:
    import site_gen.build as build_module

    site = copy_site(tmp_path / "site")
    rendering = _spy_on(monkeypatch, build_module.pages, "render_pages")
    checking = _spy_on(monkeypatch, build_module, "build_catalog")
    run = run_cli("build", cwd=site)
    assert run.code == 0, run.err
    assert rendering == [False] and checking == [False]
    assert gc.isenabled()


def test_a_failed_build_turns_the_collector_on_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     collector_on: None) -> None:
    import site_gen.build as build_module
    from site_gen.config import load_config
    from site_gen.errors import SiteGenError

    site = copy_site(tmp_path / "site")
    model = site / "content/models/google/gemini-2.5-pro.md"
    model.write_text(model.read_text().replace("  input: 1.25\n", "  input: cheap\n", 1))
    with pytest.raises(SiteGenError):
        build_module.build(load_config(site / "mkdocs.yml"))
    assert gc.isenabled()
    assert run_cli("build", "-q", cwd=site).code == 1
    assert gc.isenabled()


def test_a_quick_update_runs_with_the_collector_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   collector_on: None) -> None:
    import site_gen.dev as dev_module
    from site_gen.dev import DevSite

    site = copy_site(tmp_path / "site")
    dev = DevSite(site / "mkdocs.yml", tmp_path / "work")
    assert dev.full_build() is True and gc.isenabled()
    checking = _spy_on(monkeypatch, dev_module, "build_catalog")
    model = site / "content/models/google/gemini-2.5-pro.md"
    model.write_text(model.read_text().replace("  input: 1.25\n", "  input: 1.37\n", 1))
    assert dev.quick_update({model}) is True
    assert checking == [False]
    assert "$1.37" in (dev.root / "model/gemini-2.5-pro.html").read_text()
    assert gc.isenabled()


def test_the_collector_is_left_as_the_outermost_pause_found_it(collector_on: None) -> None:
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause leaves it to the outer one
    assert gc.isenabled()
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()  # off before, off after
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a build that failed")
    assert not gc.isenabled()


def test_what_lives_on_goes_to_the_oldest_generation_unscanned(collector_on: None) -> None:
    """Left in the youngest generation, everything a build made would be scanned by the next pass."""
    with collector_paused():
        kept = [[n] for n in range(50_000)]
    oldest = gc.get_objects(2)
    assert any(o is kept for o in oldest) and any(o is kept[-1] for o in oldest)
    assert not any(o is kept for o in gc.get_objects(0) + gc.get_objects(1))


def test_the_dev_server_collects_what_each_build_left_in_cycles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               collector_on: None) -> None:
    """The server lives on: garbage in cycles made while a build ran with the collector paused (a failed build's
    traceback holds what it loaded) is collected once the build is done, not left for a full pass that may be
    long in coming."""
    import weakref

    import site_gen.build as build_module
    from site_gen.dev import DevSite

    class Node:
        pass

    made: list[weakref.ref[Node]] = []
    real = build_module.load_content

    def with_a_cycle(*args: Any, **kwargs: Any) -> Any:
        node = Node()
        node.itself = node  # type: ignore[attr-defined]
        made.append(weakref.ref(node))
        return real(*args, **kwargs)

    monkeypatch.setattr(build_module, "load_content", with_a_cycle)
    site = copy_site(tmp_path / "site")
    dev = DevSite(site / "mkdocs.yml", tmp_path / "work")
    assert dev.full_build() is True
    model = site / "content/models/google/gemini-2.5-pro.md"
    model.write_text(model.read_text().replace("  input: 1.25\n", "  input: cheap\n", 1))
    assert dev.full_build(background=True) is False  # a failed build's cycles too
    assert len(made) == 2 and all(ref() is None for ref in made)


@pytest.mark.skipif(collector._malloc_trim() is None, reason="the C library has no malloc_trim (not glibc)")
def test_freed_heap_is_handed_back_before_workers_fork() -> None:
    """What a load frees (its parse cache's copies, the workers' buffers) leaves the process's RSS, and so every
    worker forked after: 60 MB of 2 KB objects, freed, then handed back."""
    import os

    def rss() -> int:
        with open(f"/proc/{os.getpid()}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    held = [bytes(2000) + i.to_bytes(4, "little") for i in range(30_000)]
    keep = held[::500]  # a few live ones scattered among them, as a build keeps its entries
    del held
    before = rss()
    collector.release_freed_memory()
    assert before - rss() > 30 * 2**20
    assert len(keep) == 60


def test_a_build_hands_back_the_freed_heap_once_the_content_is_loaded(tmp_path: Path, monkeypatch) -> None:
    """After the load (which frees the most) and before the catalogue is built and any worker forks; then after
    the pages and the API listing, and after the llms-full files, so that the manifest, made last, does not come
    on top of what they freed (the end of a cold 100,000-model build was its peak)."""
    import site_gen.build as build_module

    calls: list[str] = []
    real_release = build_module.release_freed_memory
    monkeypatch.setattr(build_module, "release_freed_memory", lambda: calls.append("release") or real_release())
    for name in ("build_catalog", "_write_full", "_save_manifest"):
        real = getattr(build_module, name)
        monkeypatch.setattr(build_module, name, lambda *a, _name=name, _real=real, **k: calls.append(_name)
                            or _real(*a, **k))
    site = copy_site(tmp_path / "site")
    assert run_cli("build", cwd=site).code == 0
    assert calls == ["release", "build_catalog", "release", "_write_full", "release", "_save_manifest"]


def test_a_page_hands_back_the_heap_it_took_when_its_output_is_large(tmp_path: Path, monkeypatch) -> None:
    """The process that rendered a page of RELEASE_AFTER bytes or more (its files together) trims its heap after
    it, and only after such pages: model pages never pay for a trim. The threshold is lowered here to fall
    between a small catalogue's model pages (up to 30 KB) and its index (95 KB)."""
    import site_gen.pages as pages_module
    from benchmarks.corpus import write_site_gen
    from site_gen.build import build
    from site_gen.config import load_config

    trimmed_after: list[str] = []
    sizes: dict[str, int] = {}
    real_render = pages_module._render_one

    def render(job: Any) -> Any:
        done = real_render(job)
        sizes[done.files[0]] = sum(done.sizes)
        return done

    monkeypatch.setattr(pages_module, "_render_one", render)
    monkeypatch.setattr(pages_module, "release_freed_memory", lambda: trimmed_after.append(list(sizes)[-1]))
    monkeypatch.setattr(pages_module, "RELEASE_AFTER", 40_000)
    write_site_gen(tmp_path / "site", 150)
    build(load_config(tmp_path / "site/mkdocs.yml"), jobs=1)
    large = sorted(name for name, size in sizes.items() if size >= 40_000)
    assert large and len(large) < len(sizes) / 2  # the threshold splits the pages
    assert sorted(trimmed_after) == large
    assert not [name for name in trimmed_after if name.startswith("model/")]
