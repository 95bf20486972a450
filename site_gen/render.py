"""Jinja rendering: one environment, autoescape chosen by output extension.

HTML and XML templates are escaped; markdown and text templates are not
HTML-escaped but get markdown-escaping filters (``md``, ``cell``, ``md_url``)
for values that land in link or table syntax.  ``StrictUndefined`` turns a typo
in a template into an error naming the template line and the page.  Content
is only ever passed as data: it is never compiled as a template.
"""

from __future__ import annotations

import contextlib
import difflib
import itertools
import json
import os
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
import jinja2.compiler
import markupsafe

from . import cache, errors, formats, jsonld, markdown
from .errors import Diagnostic, OutputError, RenderError
from .theme import DEFAULT_THEME

_BATCH = 2048
"""Pieces of a streamed template joined at once (~30 KB of a listing page's HTML)."""


def _yaml_str(value: object) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(value), ensure_ascii=False)


def _search_path(templates_dir: Path) -> list[str]:
    paths = [templates_dir]
    if DEFAULT_THEME.is_dir() and DEFAULT_THEME.resolve() != templates_dir.resolve():
        paths.append(DEFAULT_THEME)
    return [str(p) for p in paths if p.is_dir()]


_DICT_ATTRIBUTES = frozenset(dir(dict))
_TEMPLATE_SUFFIXES = (".html", ".md", ".txt", ".xml", ".json")

_BYTECODE: dict[str, jinja2.BytecodeCache | None] = {"cache": None}


def use_bytecode_cache(folder: Path | None) -> None:
    """Keep compiled templates in ``folder`` for the next build (None: compile in memory only).

    Compiling the theme takes ~0.1 s in each worker, a fair share of a one-page rebuild. Jinja's own cache
    checks each template's source; the file names also carry a hash of site_gen's code, since the compiled
    code depends on the environment's options too, and files made by other code are removed.
    """
    if folder is None:
        _BYTECODE["cache"] = None
        return
    from .parsecache import code_key

    prefix = f"jinja-{code_key()[:16]}-"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("jinja-*.cache"):
            if not old.name.startswith(prefix):
                old.unlink(missing_ok=True)
    except OSError:
        _BYTECODE["cache"] = None  # a read-only project: templates are compiled in memory, as without a cache
        return
    _BYTECODE["cache"] = _SealedBytecodeCache(str(folder), prefix + "%s.cache")


class _SealedBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache of compiled templates, each file sealed with a checksum (site_gen.cache.write_sealed).

    Jinja checks only that a file's template source is unchanged and that its code unmarshals: a changed
    constant in the compiled code (a piece of the template's text) would be rendered into every page."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        payload = cache.read_sealed(Path(self._get_cache_filename(bucket)))
        if payload is not None:
            bucket.bytecode_from_string(payload)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Written whole or not at all, as every cache file is; one that cannot be written is only a cache, and the
        build goes on without it."""
        with contextlib.suppress(OutputError):
            cache.write_sealed(Path(self._get_cache_filename(bucket)), bucket.bytecode_to_string())


def _escape_plain(text: str) -> str:
    """markupsafe's escaping of ``text``, as plain text (what escape() wraps in Markup)."""
    return str(markupsafe.escape(text))


_escape_text = getattr(markupsafe, "_escape_inner", _escape_plain)  # its C function (markupsafe 3), if it has one


def _output_text(value: Any) -> str:
    """What Jinja's ``escape(value)`` gives an autoescaped ``{{ value }}``, as a plain string instead of Markup.

    A page's output pieces are only joined, so whether each is Markup does not show; making one is a call to
    Markup.__new__, written in Python: 0.8 s of a cold 10,000-model build's CPU, escape() itself 0.6 s more."""
    if type(value) is str:
        return _escape_text(value)
    html = getattr(value, "__html__", None)  # Markup, or any object that renders itself as HTML
    if html is not None:
        return html()  # type: ignore[no-any-return]
    return _escape_text(str(value))  # numbers, dates; an undefined value raises here, as in escape()


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's code generator, with an autoescaped ``{{ value }}`` written as ``environment.output_text(value)``
    instead of ``escape(value)`` (Jinja's own NativeCodeGenerator overrides the same method). A template whose
    autoescaping changes as it renders (``{% autoescape %}`` on an expression) keeps Jinja's code."""

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: Any, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            super()._output_child_pre(node, frame, finalize)
            return
        self.write("environment.output_text(")
        if finalize.src is not None:
            self.write(finalize.src)


class _Environment(jinja2.Environment):
    """Jinja's environment, with ``row.key`` on a plain dict looked up without raising an exception first.

    Jinja tries ``getattr(row, "key")`` and falls back to ``row["key"]`` when that raises AttributeError:
    about 3 µs a lookup, and a 10,000-row listing makes 330,000 of them (a second of a home page's render).
    A plain dict's attributes are exactly its type's, so going to the key first when the name is not one
    of them returns what Jinja would, and the templates' meaning does not change. An autoescaped ``{{ value }}``
    is escaped by ``output_text`` (see _CodeGenerator).
    """

    code_generator_class = _CodeGenerator
    output_text = staticmethod(_output_text)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        try:  # the rest is jinja2.Environment.getattr, inlined: a model page makes ~500 lookups
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)


class Renderer:
    """Templates compiled once, rendered many times."""

    def __init__(self, templates_dir: Path, root: Path):
        self.root = root
        self.env = _Environment(
            loader=_Loader(_search_path(templates_dir)),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default_for_string=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            bytecode_cache=_BYTECODE["cache"],
        )
        self.env.filters.update(formats.FILTERS)
        self.env.filters.update({"md": markdown.inline, "cell": markdown.cell, "md_url": markdown.link_url,
                                 "yaml_str": _yaml_str})
        self.env.globals.update({"capability_names": formats.CAPABILITY_NAMES,
                                 "price_names": formats.PRICE_NAMES,
                                 "field_names": formats.FIELD_NAMES,
                                 "jsonld": jsonld.graph})

    def render(self, template: str, source_file: str, **context: Any) -> str:
        """Render ``template``; errors become a RenderError located in the template."""
        try:
            text = self.env.get_template(template).render(**context)
        except Exception as exc:  # any template failure becomes a located diagnostic
            raise self._failure(exc, template, source_file) from None
        if template.endswith((".md", ".txt")):
            text = markdown.tidy_blank_lines(text)
        return text

    def stream(self, template: str, source_file: str, size: int, **context: Any) -> Iterator[str]:
        """Render ``template`` a chunk of at least ``size`` characters at a time (the last may be shorter), with
        the errors ``render`` gives. For a large HTML page, which the caller writes as it comes (site_gen.pages):
        rendered whole, a 10,000-row listing's pieces, the page and its bytes were held at once (~300 MB at 100,000
        models). A mirror's chunks are tidied as they come by the caller (markdown.tidy_stream), as ``render``
        tidies a whole one.

        Jinja yields a piece per tag and per run of text between tags (330,000 for the home page's HTML at
        10,000 models, 1.7 million for its mirror at 100,000): they are taken and joined a batch at a time by
        C code (islice, list, join), since a Python loop over each piece cost the index page 15-20% of its
        rendering."""
        try:
            pieces = self.env.get_template(template).generate(**context)
            held: list[str] = []
            count = 0
            while batch := list(itertools.islice(pieces, _BATCH)):
                text = "".join(batch)
                held.append(text)
                count += len(text)
                if count >= size:
                    yield "".join(held)
                    held, count = [], 0
            if held:
                yield "".join(held)
        except Exception as exc:
            raise self._failure(exc, template, source_file) from None

    def _failure(self, exc: Exception, template: str, source_file: str) -> RenderError:
        """The located diagnostic of a template failure."""
        if isinstance(exc, jinja2.TemplateSyntaxError):
            return RenderError(Diagnostic(self._shown(exc.filename, exc.name or template), exc.lineno or 0, 1,
                                          message=f"template syntax error: {exc.message}",
                                          hint=f"while rendering {source_file}"))
        if isinstance(exc, jinja2.TemplateNotFound):  # named by an extends, include or import: located there
            filename, line = _template_frame(exc)
            return RenderError(Diagnostic(self._shown(filename, template), line, 1 if line else 0,
                                          message=f"template not found: {exc.name}",
                                          hint=f"add it to the templates folder, or correct the name; while "
                                               f"rendering {source_file}"))
        if isinstance(exc, _NotUtf8):  # a template file saved in another encoding (the one read, maybe an include)
            return RenderError(Diagnostic(self._shown(exc.filename, template), exc.line, exc.col,
                                          message=f"template is not UTF-8: found the byte 0x{exc.byte:02X}",
                                          hint=f"save it as UTF-8; while rendering {source_file}"))
        if isinstance(exc, _NotATemplate):
            return RenderError(Diagnostic(self._shown(exc.filename, template, follow=False),
                                          message=f"template is not a regular file: {exc.what}",
                                          hint=f"a template holds text: replace it with one, or remove it to use "
                                               f"the theme's; while rendering {source_file}"))
        filename, line = _template_frame(exc)
        hint = "a template that includes or extends itself, directly or through others? " \
            if isinstance(exc, RecursionError) else ""
        return RenderError(Diagnostic(self._shown(filename, template), line, 1 if line else 0,
                                      message=_message(exc), hint=f"{hint}while rendering {source_file}"))

    def _shown(self, filename: str | None, fallback: str, follow: bool = True) -> str:
        return _shown(filename, fallback, self.root, follow)


def _shown(filename: str | None, fallback: str, root: Path, follow: bool = True) -> str:
    """A template's file as messages name it: inside the project, or inside site_gen for the default theme.
    ``follow``: name the file a link points to, not the link (False: the link, its folder resolved)."""
    if not filename:
        return f"templates/{fallback}"
    path = Path(filename) if follow else Path(filename).parent.resolve() / Path(filename).name
    for base in (root, DEFAULT_THEME.parent):
        try:
            return (path.resolve() if follow else path).relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def check_overrides(templates_dir: Path, root: Path) -> list[Diagnostic]:
    """Warnings for what Jinja drops without a word in a template that extends another: a block the templates
    it extends do not have (``{% block content %}`` where the theme's base.html has ``main``), and text outside
    every block. Either way the override renders nothing of it. Templates that do not parse, or extend one
    that is missing, are left to rendering, which reports them as errors."""
    if not templates_dir.is_dir() or templates_dir.resolve() == DEFAULT_THEME.resolve():
        return []  # site_gen's own theme: checked by its tests, not on every build (~40 ms)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(_search_path(templates_dir)))
    warnings: list[Diagnostic] = []
    for path in sorted(templates_dir.rglob("*")):
        if not path.name.endswith(_TEMPLATE_SUFFIXES) or not path.is_file():
            continue
        name = path.relative_to(templates_dir).as_posix()
        try:
            tree = env.parse(path.read_text(encoding="utf-8"), name, str(path))
            parent = _extended(tree)
            if parent is None:
                continue
            known = _blocks_of(env, parent, set())
        except (jinja2.TemplateError, OSError, UnicodeDecodeError, RecursionError):
            continue
        for node in tree.body:
            text = [part for part in node.nodes if isinstance(part, jinja2.nodes.TemplateData) and part.data.strip()] \
                if isinstance(node, jinja2.nodes.Output) else []
            if text:
                data = text[0].data
                line = text[0].lineno + data[:len(data) - len(data.lstrip())].count("\n")  # where the text starts
                warnings.append(Diagnostic(_shown(str(path), name, root), line, 1, "template",
                                           f"text outside every block of a template that extends {parent}",
                                           "Jinja never shows it: move it into one of the blocks", "warning"))
        blocks = list(tree.find_all(jinja2.nodes.Block))
        inner = {id(b) for outer in blocks for b in outer.find_all(jinja2.nodes.Block)}  # shown with the outer
        for block in blocks:
            if id(block) not in inner and block.name not in known:
                close = difflib.get_close_matches(block.name, sorted(known), n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                warnings.append(Diagnostic(
                    _shown(str(path), name, root), block.lineno, 1, "template",
                    f"block '{block.name}' is not in {parent} or the templates it extends, so it is never shown",
                    f"{hint}their blocks: {', '.join(sorted(known)) or 'none'}", "warning"))
    return warnings


def _extended(tree: jinja2.nodes.Template) -> str | None:
    """The template a parsed template extends, when it names one as a constant."""
    for node in tree.find_all(jinja2.nodes.Extends):
        if isinstance(node.template, jinja2.nodes.Const) and isinstance(node.template.value, str):
            return node.template.value
    return None


def _blocks_of(env: jinja2.Environment, name: str, seen: set[str]) -> set[str]:
    """The block names of ``name`` and of every template it extends (a child may fill any of them)."""
    if name in seen:
        return set()
    seen.add(name)
    source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    tree = env.parse(source, name, filename)
    parent = _extended(tree)
    return {b.name for b in tree.find_all(jinja2.nodes.Block)} | (_blocks_of(env, parent, seen) if parent else set())


def _message(exc: BaseException) -> str:
    if isinstance(exc, jinja2.UndefinedError):
        match = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", str(exc))
        if match:
            return f"'{match.group(1) or match.group(2)}' is undefined"
    return f"{type(exc).__name__}: {exc}"


def _template_frame(exc: BaseException) -> tuple[str | None, int]:
    """Innermost traceback frame that belongs to a template file."""
    found: tuple[str | None, int] = (None, 0)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith(_TEMPLATE_SUFFIXES):
            found = (frame.filename, frame.lineno or 0)
    return found


class _NotUtf8(Exception):
    """A template file that is not UTF-8: which file, and where its first bad byte is."""

    def __init__(self, filename: str, data: bytes, start: int):
        super().__init__(filename)
        self.filename, self.byte = filename, data[start]
        self.line = data.count(b"\n", 0, start) + 1
        self.col = start - (data.rfind(b"\n", 0, start) + 1) + 1


class _NotATemplate(Exception):
    """Something at a template's path that Jinja's loader would pass over for the next folder's file (the
    theme's), without a word: a directory, a named pipe, a device, or a link to a missing file."""

    def __init__(self, filename: str, what: str):
        super().__init__(filename)
        self.filename, self.what = filename, what


class _Loader(jinja2.FileSystemLoader):
    """Jinja's file loader; a file it cannot decode is named, where Jinja's error names neither it nor the line,
    and a template's path that holds no file is reported, where Jinja would take the theme's template instead."""

    def get_source(self, environment: jinja2.Environment, template: str) -> Any:
        pieces = jinja2.loaders.split_template_path(template)
        for folder in self.searchpath:  # in Jinja's order, up to the folder whose file it takes
            path = os.path.join(folder, *pieces)
            try:
                st = os.lstat(path)
            except OSError:
                continue  # nothing there: the next folder's, as Jinja does
            what = errors.not_regular(path, st, links=True)
            if what:
                raise _NotATemplate(path, what)
            break
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            for folder in self.searchpath:
                path = Path(folder, *jinja2.loaders.split_template_path(template))
                if path.is_file():
                    data = path.read_bytes()
                    raise _NotUtf8(str(path), data, min(exc.start, len(data) - 1)) from None
            raise
