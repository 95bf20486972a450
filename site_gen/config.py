"""Read the site configuration from mkdocs.yml, without MkDocs.

MkDocs 1.x is unmaintained and 2.0 drops plugins, so site_gen parses the file
itself.  MkDocs' own keys are read where site_gen needs them (``site_name``,
``site_url``, ``site_description``) and otherwise left alone; site_gen's
options live under ``plugins: - site_gen: {...}`` so the same file stays valid
for MkDocs once the plugin exists.  ``!ENV`` is honoured as MkDocs does; any
other tag (``!!python/name:...``) is kept inert and never executed.
Every problem is reported at once, each with its line.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import yamlsafe
from .errors import ConfigError, Diagnostic, describe, not_regular

PLUGIN_NAME = "site_gen"


@dataclass(frozen=True)
class Routes:
    """URL patterns; ``{slug}`` is replaced by the page's slug."""

    model: str = "/model/{slug}"
    """Route of a model's HTML page."""
    provider: str = "/provider/{slug}"
    """Route of a provider's HTML page."""
    model_markdown: str = "/llms/models/{slug}.md"
    """Path of a model's markdown mirror."""
    provider_markdown: str = "/llms/providers/{slug}.md"
    """Path of a provider's markdown mirror."""
    page: str = "/{slug}"
    """Route of a page from content/pages/."""
    page_markdown: str = "/llms/pages/{slug}.md"
    """Path of a page's markdown mirror."""


@dataclass(frozen=True)
class SiteConfig:
    """The validated site configuration."""

    config_path: Path
    """mkdocs.yml itself; other paths are relative to its folder."""
    site_name: str
    """The site's name: the H1 of llms.txt, and the suffix of every <title>."""
    site_url: str
    """Absolute http(s) base URL ending in '/'; every canonical URL starts with it."""
    site_description: str
    """One-line summary of the site."""
    copyright: str
    """MkDocs' `copyright`: the footer's credit line (data sources and licences)."""
    content_dir: Path
    """Folder of content files (``content``)."""
    templates_dir: Path
    """Folder of the site's own templates; they override the default theme file by file."""
    output_dir: Path
    """Folder the build writes (``build``)."""
    routes: Routes
    """URL patterns of pages and mirrors."""
    llms_full_max_bytes: int = 10_000_000
    """The site-wide llms-full.txt is written only while it stays under this size (per-provider ones always)."""
    markdown_engine: str = "markdown-it-py"
    """markdown-it-py (the reference) or markdown-it-pyrs (same output, faster; pip install 'site-gen[fast]')."""

    @property
    def root(self) -> Path:
        return self.config_path.parent

    def url(self, path: str) -> str:
        """Absolute URL of a site path that starts with '/'."""
        return self.site_url + path.lstrip("/")

    def href(self, path: str) -> str:
        """Root-relative link to a site path, keeping site_url's own path prefix."""
        return urlsplit(self.site_url).path + path.lstrip("/")


_OPTIONS = {
    "content_dir": "content",
    "templates_dir": "templates",
    "output_dir": "build",
    "routes": None,
    "llms_full_max_bytes": 10_000_000,
    "markdown_engine": "markdown-it-py",
}
MARKDOWN_ENGINES = {"markdown-it-py": "markdown_it", "markdown-it-pyrs": "markdown_it_pyrs"}
"""Engine name -> the module it needs (checked without importing it: the no-op path stays light)."""
_READ_KEYS = ("site_name", "site_url", "site_description", "copyright", "plugins")
"""The top-level keys of mkdocs.yml that site_gen reads."""
_MKDOCS_KEYS = frozenset(("site_name", "nav", "pages", "exclude_docs", "draft_docs", "not_in_nav", "validation",
                          "site_url", "site_description", "site_author", "site_favicon", "theme", "docs_dir",
                          "site_dir", "copyright", "google_analytics", "dev_addr", "use_directory_urls", "repo_url",
                          "repo_name", "edit_uri_template", "edit_uri", "extra_css", "extra_javascript",
                          "extra_templates", "markdown_extensions", "mdx_configs", "strict", "remote_branch",
                          "remote_name", "extra", "plugins", "hooks", "watch", "INHERIT"))
"""Every top-level key MkDocs 1.x knows (its config defaults), and those of its earlier releases."""
_ROUTE_KEYS = ("model", "provider", "page", "model_markdown", "provider_markdown", "page_markdown")


class _Collector:
    def __init__(self, path: str, doc: yamlsafe.Document):
        self.path, self.doc, self.problems = path, doc, []  # type: list[Diagnostic]

    def add(self, loc: tuple[Any, ...], message: str, hint: str = "", key: bool = False) -> None:
        pos = (self.doc.key_positions.get(loc) if key else None) or self.doc.pos(loc)
        unset = self.doc.unset_env.get(loc)
        if unset:  # the value is null because the environment lacks it: that is the fix to name first
            names = f"none of {', '.join(unset)} is" if len(unset) > 1 else f"{unset[0]} is not"
            hint = (f"!ENV: {names} set in the environment, so the value is null; set it, or give a default as the "
                    f"list's last item: !ENV [{unset[0]}, default]" + (f"; {hint}" if hint else ""))
        self.problems.append(Diagnostic(self.path, pos.line, pos.col, yamlsafe.dotted(loc), message, hint))


LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1")


def load_config(config_path: str | Path, allow_local_url: bool = False) -> SiteConfig:
    """Load and validate mkdocs.yml. Raises ConfigError listing every problem.

    A `site_url` on this machine (localhost) is refused for builds meant for
    publishing: every canonical URL, the sitemap and llms.txt would point
    there.  `site-gen serve` allows it.
    """
    config_path = Path(config_path)
    shown = str(config_path)
    try:
        data = config_path.read_bytes()
    except OSError as exc:
        raise ConfigError(Diagnostic(shown, message=f"cannot read the config file: {exc.strerror}",
                                     hint="run site-gen beside mkdocs.yml, or pass --config")) from None
    try:
        text = data.decode("utf-8-sig").replace("\r\n", "\n")
        doc = yamlsafe.load(text, policy="config")
    except UnicodeDecodeError as exc:
        raise ConfigError(Diagnostic(shown, message=f"invalid UTF-8 byte at offset {exc.start}",
                                     hint="save mkdocs.yml as UTF-8")) from None
    except yamlsafe.YAMLProblem as problem:
        raise ConfigError(problem.diagnostic(shown)) from None
    if not isinstance(doc.data, dict):
        raise ConfigError(Diagnostic(shown, 1, 1, message=f"expected a mapping, found {describe(doc.data)}"))
    return _validate(config_path, doc, allow_local_url)


def _validate(config_path: Path, doc: yamlsafe.Document, allow_local_url: bool) -> SiteConfig:
    c = _Collector(str(config_path), doc)
    data = doc.data
    for key in data:
        # A mistyped key of those site_gen reads: its value would be dropped without a word (no description on
        # any page, for 'site_descripton'). MkDocs warns of any key it does not know; the others are its business.
        close = difflib.get_close_matches(str(key), _READ_KEYS, n=1, cutoff=0.8) \
            if key not in _MKDOCS_KEYS else []
        if close:
            c.add((key,), f"unknown key '{key}'", f"did you mean '{close[0]}'?", key=True)
    site_name = _string(c, data, "site_name", required=True)
    site_url = _site_url(c, data, allow_local_url)
    description = _string(c, data, "site_description", required=False) or ""
    copyright_text = _string(c, data, "copyright", required=False) or ""
    options, base = _plugin_options(c, data)
    root = config_path.parent
    dirs = {}
    for key in ("content_dir", "templates_dir", "output_dir"):
        value = options.get(key, _OPTIONS[key])
        if not isinstance(value, str) or not value.strip():
            c.add((*base, key), f"expected a folder path, found {describe(value)}")
            value = str(_OPTIONS[key])
        dirs[key] = (root / value)
    _check_templates_dir(c, (*base, "templates_dir"), dirs["templates_dir"], options.get("templates_dir"))
    routes = _routes(c, options.get("routes") or {}, (*base, "routes"))
    full_max = options.get("llms_full_max_bytes", _OPTIONS["llms_full_max_bytes"])
    if isinstance(full_max, bool) or not isinstance(full_max, int) or full_max < 0:
        c.add((*base, "llms_full_max_bytes"), f"expected a whole number of bytes, found {describe(full_max)}")
        full_max = 10_000_000
    engine = options.get("markdown_engine", _OPTIONS["markdown_engine"])
    if engine not in MARKDOWN_ENGINES:
        close = difflib.get_close_matches(str(engine), list(MARKDOWN_ENGINES), n=1)
        c.add((*base, "markdown_engine"), f"expected one of {', '.join(MARKDOWN_ENGINES)}, found {describe(engine)}",
              f"did you mean '{close[0]}'?" if close else "")
        engine = _OPTIONS["markdown_engine"]
    elif importlib.util.find_spec(MARKDOWN_ENGINES[engine]) is None:
        c.add((*base, "markdown_engine"), f"{engine} is not installed",
              "install it with: pip install 'site-gen[fast]', or remove the option to use markdown-it-py")
    for key in sorted(set(options) - set(_OPTIONS)):
        close = difflib.get_close_matches(key, list(_OPTIONS), n=1)
        c.add((*base, key), f"unknown option '{key}'",
              f"did you mean '{close[0]}'?" if close else "known options: " + ", ".join(_OPTIONS), key=True)
    if c.problems:
        raise ConfigError(c.problems)
    return SiteConfig(config_path, site_name, site_url, description, copyright_text, dirs["content_dir"],
                      dirs["templates_dir"], dirs["output_dir"], routes, full_max, str(engine))


def _check_templates_dir(c: _Collector, loc: tuple[Any, ...], folder: Path, given: object) -> None:
    """The site's templates folder, where it cannot be used: the default theme would be used in its place, and
    every override the site meant would be dropped without a word. A missing folder of the default name is no
    problem (a site that overrides nothing); one named in the options is a mistyped path, as MkDocs' own
    ``custom_dir`` check has it."""
    if folder.is_dir() or not isinstance(given, str) or not given.strip():
        return
    if folder.exists():
        what = not_regular(folder) or "a file"
        c.add(loc, f"expected a folder of templates, found {what}: {given}",
              "point templates_dir at the folder that holds your templates")
    elif given.strip() != _OPTIONS["templates_dir"]:
        c.add(loc, f"templates folder not found: {given}",
              "create it with the templates you override, correct the path, or remove the option to use the "
              "default theme")


def _string(c: _Collector, data: dict[str, Any], key: str, required: bool, expected: str = "a one-line string"
            ) -> str:
    value = data.get(key)
    if value is None:
        if required and (key,) in c.doc.unset_env:
            c.add((key,), f"expected {expected}, found null")
        elif required:
            c.add((), f"'{key}' is required", f"add '{key}: ...' to the top level")
        return ""
    if not isinstance(value, str) or not value.strip() or "\n" in value:
        c.add((key,), f"expected a one-line string, found {describe(value)}", "quote the value")
        return ""
    return value.strip()


def _site_url(c: _Collector, data: dict[str, Any], allow_local_url: bool) -> str:
    value = _string(c, data, "site_url", required=True, expected="an absolute http(s) URL such as https://example.com/")
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (a port that is not a number raises here, as an unbalanced '[' does above)
    except ValueError as exc:
        c.add(("site_url",), f"expected an absolute http(s) URL such as https://example.com/, found {value!r}: "
              f"{exc}", "'[' and ']' belong only around an IPv6 address, and a port is a number")
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        c.add(("site_url",), f"expected an absolute http(s) URL such as https://example.com/, found {value!r}",
              "canonical URLs, the sitemap and llms.txt need the full public address")
        return ""
    host = parts.hostname or ""
    if not allow_local_url and (host in LOCAL_HOSTS or host.endswith(".localhost")):
        c.add(("site_url",), f"expected the site's public address, found {value!r}",
              "a localhost URL would end up in every canonical link, the sitemap and llms.txt; "
              "'site-gen serve' uses its own address")
        return ""
    if parts.path and not parts.path.endswith("/"):
        c.add(("site_url",), f"expected a URL ending in '/', found {value!r}",
              f"write {value + '/'!r}; without the slash the last part would be dropped from relative URLs")
        return ""
    return f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"


def _plugin_options(c: _Collector, data: dict[str, Any]) -> tuple[dict[str, Any], tuple[Any, ...]]:
    plugins = data.get("plugins")
    if plugins is None:
        return {}, ("plugins",)
    if isinstance(plugins, dict):  # MkDocs also accepts a mapping of name -> options
        entries = [({k: v}, ("plugins",)) for k, v in plugins.items()]
    elif isinstance(plugins, list):
        entries = [(entry, ("plugins", i)) for i, entry in enumerate(plugins)]
    else:
        c.add(("plugins",), f"expected a list of plugins, found {describe(plugins)}")
        return {}, ("plugins",)
    for entry, loc in entries:
        if entry == PLUGIN_NAME:
            return {}, loc
        if isinstance(entry, dict) and PLUGIN_NAME in entry:
            options = entry[PLUGIN_NAME]
            inner = (*loc, PLUGIN_NAME) if loc != ("plugins",) else ("plugins", PLUGIN_NAME)
            if options is None:
                return {}, inner
            if not isinstance(options, dict):
                c.add(inner, f"expected a mapping of site_gen options, found {describe(options)}")
                return {}, inner
            return options, inner
    return {}, ("plugins",)


def _routes(c: _Collector, value: Any, loc: tuple[Any, ...]) -> Routes:
    if not isinstance(value, dict):
        c.add(loc, f"expected a mapping of route patterns, found {describe(value)}")
        return Routes()
    defaults = Routes()
    chosen = {}
    for key in _ROUTE_KEYS:
        pattern = value.get(key, getattr(defaults, key))
        problem = _route_problem(key, pattern)
        if problem:
            c.add((*loc, key), problem, "for example " + getattr(defaults, key))
        chosen[key] = pattern if not problem else getattr(defaults, key)
    for key in sorted(set(value) - set(_ROUTE_KEYS)):
        close = difflib.get_close_matches(key, _ROUTE_KEYS, n=1)
        c.add((*loc, key), f"unknown route '{key}'",
              f"did you mean '{close[0]}'?" if close else "known routes: " + ", ".join(_ROUTE_KEYS), key=True)
    return Routes(**chosen)


def _route_problem(key: str, pattern: Any) -> str:
    if not isinstance(pattern, str):
        return f"expected a route pattern string, found {describe(pattern)}"
    if not pattern.startswith("/") or pattern.count("{slug}") != 1 or ".." in pattern \
            or not re.fullmatch(r"[A-Za-z0-9/_.{}-]+", pattern):
        return f"expected a path starting with '/' containing {{slug}} once, found {pattern!r}"
    if key.endswith("markdown") and not pattern.endswith(".md"):
        return f"expected a mirror path ending in '.md', found {pattern!r}"
    return ""
