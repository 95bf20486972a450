"""The content schema: what a model or provider file may say, field by field.

Strict by design (shared/docs/architecture.md, habits 3): unknown keys are
errors, nothing is coerced (`"5"` is not 5, `NO` is not false), every model
is frozen after loading, and *unknown* (`null` or absent) is a different value
from zero.  The docstring under each field is the content reference: the
README's field table and `site-gen schema` are generated from it.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import inspect
import itertools
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

SCHEMA_VERSION = 1

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_MONTH = re.compile(r"\d{4}-\d{2}(-\d{2})?\Z")
_ID = re.compile(r"[^\W_~@]?[\w~@][\w.:@/+~-]*\Z")
_SLUG = re.compile(r"[^\W_][\w.-]*\Z")
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*\Z", re.IGNORECASE)
_SPOOF = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _date(value: Any) -> Any:
    """Dates are written `YYYY-MM-DD`; anything else is reported, never guessed."""
    if isinstance(value, str):
        if not _DATE.match(value):
            raise ValueError(f"expected a date as YYYY-MM-DD, found {value!r}")
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"expected a real calendar date, found {value!r} ({exc})") from None
    if isinstance(value, dt.date):
        return value
    raise ValueError(f"expected a date as YYYY-MM-DD, found {_kind(value)}")


def _month(value: Any) -> Any:
    if isinstance(value, str) and _MONTH.match(value):
        parts = [int(p) for p in value.split("-")]
        try:
            dt.date(parts[0], parts[1], parts[2] if len(parts) == 3 else 1)
        except ValueError as exc:
            raise ValueError(f"expected a real date, found {value!r} ({exc})") from None
        return value
    raise ValueError(f"expected a month YYYY-MM or a date YYYY-MM-DD, found {_kind(value)}")


def _tristate(value: Any) -> Any:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None:
        return "unknown"
    return value


def _url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError(f"expected an absolute http(s) URL, found {value!r}")
    return value


def _ident(value: str) -> str:
    _reject_spoofing(value)
    value = unicodedata.normalize("NFC", value)
    if not _ID.match(value) or ".." in value or "//" in value or value.endswith("/") or "\\" in value:
        raise ValueError(f"expected an id of letters, digits and . _ : @ / + ~ -, found {value!r}")
    return value


def _slug(value: str) -> str:
    """URL slugs: one path segment, lowercase, NFC; no traversal, no invisible characters."""
    _reject_spoofing(value)
    value = unicodedata.normalize("NFC", value)
    if len(value) > 120:
        raise ValueError(f"invalid slug: expected at most 120 characters, found {len(value)}")
    if not _SLUG.match(value) or ".." in value or value != value.lower():
        raise ValueError(f"invalid slug: expected lowercase letters, digits, '.', '_' and '-', found {value!r}")
    return value


def check_ident(value: str) -> str:
    """Validate an id with the schema's rules."""
    return _ident(value)


def check_slug(value: str) -> str:
    """Validate a slug made from an id, with the same rules as a written one."""
    return _slug(value)


def _text(value: str) -> str:
    _reject_spoofing(value)
    return unicodedata.normalize("NFC", value)


def _line(value: str) -> str:
    """A one-line text: titles and names end up in <title>, llms.txt and table cells."""
    if "\n" in value:
        raise ValueError("expected a single line, found a line break")
    return _text(value)


def _reject_spoofing(value: str) -> None:
    match = _SPOOF.search(value)
    if match:
        raise ValueError(f"expected visible text, found invisible or bidi character U+{ord(match.group()):04X}")


def _kind(value: Any) -> str:
    from .errors import describe

    return describe(value)


Date = Annotated[dt.date, BeforeValidator(_date)]
Month = Annotated[str, AfterValidator(_month)]
Url = Annotated[str, AfterValidator(_url)]
Text = Annotated[str, AfterValidator(_text)]
Line = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_line)]
Ident = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_ident)]
Slug = Annotated[str, AfterValidator(_slug)]
Tokens = Annotated[int, Field(gt=0, le=1_000_000_000)]
Price = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]
Tristate = Annotated[Literal["yes", "no", "unknown"], BeforeValidator(_tristate)]
Modality = Literal["text", "image", "audio", "video", "pdf", "file", "embedding"]
Status = Literal["active", "preview", "alpha", "beta", "deprecated", "retired", "removed-upstream"]


_FIELD_SETS: dict[tuple[str, ...], set[str]] = {}
"""One set object per distinct combination of fields given, shared by every model that gave it."""
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_INLINE: set[type] = set()
"""Classes whose objects keep their values in CPython's compact layout (Strict.__pydantic_init_subclass__)."""
_STRINGS: dict[str, str] = {}
"""One copy of each short string loaded (yes/no, modalities, statuses, source names): a fifth of an entry."""
_SHORT = 40
"""Longer strings (descriptions, URLs) are mostly unique: kept out of the table, which stays small."""
_set = object.__setattr__


def forget_shared() -> None:
    """Empty the table of short strings: what is already shared stays shared. A process that restores one
    entry's data at a time (to render its page, then drops it) would otherwise keep every model's ids, titles
    and endpoint names in the table until it ends: ~650 bytes a page rendered."""
    _STRINGS.clear()


def shared(value: Any) -> Any:
    """The one object kept for a short string (Strict.__setstate__ does this inline), anything else as it is."""
    return _STRINGS.setdefault(value, value) if type(value) is str and len(value) <= _SHORT else value


@functools.cache
def _docstrings() -> dict[str, dict[str, str]]:
    """The docstring under each field of this module's classes, by class and field name: read from the source
    once, when a JSON Schema or the field reference asks for them, not as the classes are made. pydantic's
    ``use_attribute_docstrings`` reads them for every class as it is made: it found each class's source and
    parsed it, ~60 ms of every command's start on this machine (a fresh edit build's 2-4%), for descriptions
    that only the schemas and the reference print."""
    import ast

    try:
        tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    except OSError:  # installed without its sources: the schemas go without descriptions
        return {}
    found: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            docs = found[node.name] = {}
            for field, after in itertools.pairwise(node.body):  # as pydantic: a string right after `name: type`
                if isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name) \
                        and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) \
                        and isinstance(after.value.value, str):
                    docs[field.target.id] = inspect.cleandoc(after.value.value)
    return found


def field_doc(cls: type[BaseModel], name: str) -> str | None:
    """The docstring of field ``name`` of ``cls``: its own, or that of the nearest base class that declares it
    (a subclass that declares the field again without one has none, as with pydantic's attribute docstrings)."""
    docs = _docstrings()
    for klass in cls.__mro__:
        if name in inspect.get_annotations(klass):
            return docs.get(klass.__name__, {}).get(name) if klass.__module__ == __name__ else None
    return None


def _describe(schema: dict[str, Any], cls: type[BaseModel]) -> None:
    """Each property's description in a class's JSON Schema, from the docstring under the field; a description
    given in ``Field(description=...)`` stays, as with pydantic's attribute docstrings."""
    for name, prop in schema.get("properties", {}).items():
        doc = field_doc(cls, name)
        if doc and "description" not in prop:
            prop["description"] = doc


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, json_schema_extra=_describe)

    # How entries travel (from the workers that parse them, and in the parse cache). pydantic's own pickled
    # state is the object's __dict__ and the set of fields the input gave. Here it is the field values alone,
    # in the fields' order, and the given fields' names as a tuple:
    # - the keys are not pickled with every object, so a loaded entry's dicts use the class's own interned
    #   field names instead of 10,000 copies of "context_window" (a fifth of an entry's memory), and the
    #   blobs are smaller and quicker to load;
    # - the values are set one by one, not as a new __dict__: every object of a class then keeps them in
    #   CPython's compact per-instance array under the keys the class shares, instead of a dict of its own
    #   (10,000 loaded models: 133 MB -> 86 MB, no slower). A dict is made only where something asks for
    #   __dict__ (pydantic's dump and ==), and it still uses the shared keys;
    # - one set of given fields is shared by every model that gave the same ones (the models are frozen, so
    #   nothing adds to it after validation; model_copy copies it), instead of 16 sets per entry.
    # An object whose state is not exactly its fields (never the case for these frozen, extra-forbidding
    # models) falls back to pydantic's form.
    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Put the fields in the class's shared keys, in order, before anything else adds to them: validating a
        model first adds keys of pydantic's own, and CPython shares at most 30 per class. Model, with 29 fields,
        then gave every loaded object a dict of its own after all, larger than the one it had before.
        A class whose fields do not all fit keeps a dict per object, as pydantic does."""
        super().__pydantic_init_subclass__(**kwargs)
        first = cls.__new__(cls)
        for name in cls.model_fields:
            _set(first, name, None)
        if not any(type(ref) is dict for ref in gc.get_referents(first)):
            _INLINE.add(cls)

    def __getstate__(self) -> Any:
        state = super().__getstate__()
        given = tuple(sorted(state["__pydantic_fields_set__"]))
        values = state["__dict__"]
        if state["__pydantic_extra__"] is None and not state["__pydantic_private__"] \
                and tuple(values) == _field_names(type(self)):
            return tuple(values.values()), given
        state["__pydantic_fields_set__"] = given
        return state

    def __setstate__(self, state: Any) -> None:
        if type(state) is tuple:  # 177,000 objects for 10,000 entries: the lookups are inlined
            values, given = state
            cls = type(self)
            names = _FIELD_NAMES.get(cls) or _field_names(cls)
            if cls in _INLINE:
                for name, value in zip(names, values, strict=True):
                    if type(value) is str and len(value) <= _SHORT:
                        value = _STRINGS.setdefault(value, value)
                    elif type(value) is list and value and type(value[0]) is str:
                        value[:] = [_STRINGS.setdefault(v, v) if type(v) is str and len(v) <= _SHORT else v
                                    for v in value]
                    _set(self, name, value)
            else:
                _set(self, "__dict__", dict(zip(names, values, strict=True)))
            _set(self, "__pydantic_fields_set__", _FIELD_SETS.get(given) or _shared_set(given))
            _set(self, "__pydantic_extra__", None)
            _set(self, "__pydantic_private__", None)
            return
        names = state.get("__pydantic_fields_set__")
        if isinstance(names, tuple):
            state["__pydantic_fields_set__"] = _shared_set(names)
        super().__setstate__(state)


def _field_names(cls: type[BaseModel]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(cls.model_fields)
    return names


def _shared_set(names: tuple[str, ...]) -> set[str]:
    shared = _FIELD_SETS.get(names)
    if shared is None:
        shared = _FIELD_SETS[names] = set(names)
    return shared


class Source(Strict):
    """Where a fact comes from, and when it was checked."""

    name: Line
    """Who published the data (`OpenAI`, `models.dev`)."""
    url: Url | None = None
    """Page or file the data was read from."""
    checked: Date | None = None
    """Date the data was read from that source."""
    vendor: bool = False
    """True when the source is the model's own vendor: only then is a price called official."""


class Prices(Strict):
    """Prices in USD per 1M tokens. A missing price is unknown; 0 means free."""

    input: Price | None = None
    """Input (prompt) tokens."""
    output: Price | None = None
    """Output (completion) tokens."""
    cache_read: Price | None = None
    """Cached input tokens read."""
    cache_write: Price | None = None
    """Input tokens written to the cache."""
    reasoning: Price | None = None
    """Reasoning tokens, where billed apart from output."""
    input_audio: Price | None = None
    """Audio input tokens."""
    output_audio: Price | None = None
    """Audio output tokens."""
    input_image: Price | None = None
    """Image input tokens."""
    output_image: Price | None = None
    """Image output tokens."""


class Tier(Prices):
    """Prices that apply once the prompt is longer than `above` tokens."""

    above: Tokens
    """Threshold in tokens: these prices apply to prompts longer than this."""


class Pricing(Prices):
    """A price list with optional context tiers and its source."""

    tiers: list[Tier] = []
    """Context tiers, in increasing order of `above`."""
    source: Source | None = None
    """Where these prices come from; a price block without a source is never called official."""


class Limits(Strict):
    """Token limits. Absent means unknown, never a default."""

    context_window: Tokens | None = None
    """Total tokens the model accepts (prompt plus output)."""
    max_input: Tokens | None = None
    """Largest prompt, where the vendor states one apart from the context window."""
    max_output: Tokens | None = None
    """Largest completion."""


class Modalities(Strict):
    """What the model reads and writes. Absent lists are unknown."""

    input: list[Modality] | None = None
    """Input modalities."""
    output: list[Modality] | None = None
    """Output modalities."""


class Capabilities(Strict):
    """Each capability is `yes`, `no` or `unknown` (true/false are accepted)."""

    tool_use: Tristate = "unknown"
    """Function or tool calling."""
    structured_output: Tristate = "unknown"
    """JSON schema constrained output."""
    reasoning: Tristate = "unknown"
    """Extended thinking or reasoning mode."""
    vision: Tristate = "unknown"
    """Image understanding."""
    computer_use: Tristate = "unknown"
    """Computer-use tool."""
    prompt_caching: Tristate = "unknown"
    """Prompt caching."""


class Availability(Strict):
    """One provider that serves the model, with its own id, limits and prices."""

    provider: Ident
    """Provider id; must name a file in content/providers/."""
    model_id: Text
    """The id this provider uses for the model in API calls."""
    region: Line | None = None
    """Region or deployment, where it matters."""
    context_window: Tokens | None = None
    """Context window at this provider."""
    max_output: Tokens | None = None
    """Max output at this provider."""
    pricing: Pricing | None = None
    """Prices at this provider."""


class Benchmark(Strict):
    """A published benchmark result."""

    name: Line
    """Benchmark name."""
    score: float
    """The score, in the unit of `metric`."""
    metric: Line | None = None
    """What the score measures (`percent correct`); unknown when the source does not say."""
    date: Date | None = None
    """Date of the result."""
    source_url: Url | None = None
    """Where the result was published."""
    variant: Line | None = None
    """Setting or variant (`high reasoning`)."""
    dataset: Line | None = None
    """Dataset or split (`public`)."""
    harness: Line | None = None
    """Evaluation harness or agent scaffold."""
    version: Line | None = None
    """Benchmark version."""


class PricePoint(Prices):
    """Prices as they stood from a date on."""

    date: Date
    """Date the prices took effect (or were recorded)."""
    source: Source | None = None
    """Where this price point comes from."""


class SourcedValue(Strict):
    """One source's value for a field."""

    source: Line
    """Source name, as listed in `sources`."""
    value: str | int | float | None
    """The value that source gives (null: the source says nothing)."""


class Discrepancy(Strict):
    """A field on which the sources disagree; pages show every value with its source."""

    field: Line
    """Field path (`limits.context_window`)."""
    values: Annotated[list[SourcedValue], Field(min_length=2)]
    """Each source's value."""
    note: Line | None = None
    """Editorial note on which value to trust, if known."""


class Link(Strict):
    """A titled link."""

    title: Line
    """Link text."""
    url: Url
    """Absolute http(s) URL."""


class Model(Strict):
    """Front matter of `content/models/<provider>/<model>.md`."""

    id: Ident
    """The model's immutable identifier, as used in API calls."""
    slug: Slug | None = None
    """URL slug; defaults to a slug made from `id`. Must equal the file name."""
    title: Line | None = None
    """Display name; unknown when no source gives one (pages then show the id)."""
    provider: Ident
    """The vendor's provider id; must name a file in content/providers/."""
    aliases: list[Ident] = []
    """Other ids the same model answers to."""
    family: Line | None = None
    """Model family (`gpt-4.1`)."""
    description: Annotated[str, Field(max_length=500), AfterValidator(_line)] | None = None
    """One or two sentences for search results and meta descriptions."""
    query_intents: list[Line] = []
    """Questions a reader or crawler comes to this page with."""
    release_date: Date | None = None
    """Public release date."""
    knowledge_cutoff: Month | None = None
    """Training data cutoff, YYYY-MM or YYYY-MM-DD."""
    status: Status = "active"
    """Lifecycle status."""
    deprecation_date: Date | None = None
    """Date the vendor retires or retired the model."""
    limits: Limits = Limits()
    """Token limits."""
    modalities: Modalities = Modalities()
    """Input and output modalities."""
    capabilities: Capabilities = Capabilities()
    """Capabilities, each yes / no / unknown."""
    pricing: Pricing | None = None
    """The vendor's price list, per 1M tokens in USD."""
    availability: list[Availability] = []
    """Providers that serve this model."""
    benchmarks: list[Benchmark] = []
    """Published benchmark results."""
    price_history: list[PricePoint] = []
    """Earlier prices, oldest first."""
    open_weights: bool | None = None
    """Whether the weights are published."""
    license: Line | None = None
    """Licence of the weights or the terms of use."""
    links: list[Link] = []
    """Related links (announcement, model card, weights)."""
    sources: list[Source] = []
    """Sources of this page's facts."""
    provenance: dict[str, Line] = {}
    """Which source (by name) each imported field or group came from."""
    discrepancies: list[Discrepancy] = []
    """Fields on which the sources disagree."""
    upstream_removed: Date | None = None
    """Date an import found this model gone from its upstream source."""
    data_updated: Date
    """Date the facts on this page were last checked or changed; the sitemap's lastmod."""
    overrides: dict[str, Any] = {}
    """Editorial corrections that win over imported values, merged into this file's fields before validation
    and kept by re-imports."""
    extra: dict[str, Any] = {}
    """Free-form data for custom templates. Not validated."""


class Provider(Strict):
    """Front matter of `content/providers/<provider>.md`."""

    id: Ident
    """Provider id; must equal the file name."""
    slug: Slug | None = None
    """URL slug; defaults to `id`."""
    name: Line
    """Display name, as the provider writes it."""
    website: Url | None = None
    """Home page."""
    docs_url: Url | None = None
    """API or model documentation."""
    logo: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*\.(svg|png|webp)$")] | None = None
    """Logo file, relative to content/providers/ (SVG, PNG or WebP)."""
    description: Annotated[str, Field(max_length=500), AfterValidator(_line)] | None = None
    """One or two sentences for search results and meta descriptions."""
    sources: list[Source] = []
    """Sources of this page's facts."""
    data_updated: Date
    """Date the facts on this page were last checked or changed."""
    overrides: dict[str, Any] = {}
    """Editorial corrections that win over imported values; kept by re-imports."""
    extra: dict[str, Any] = {}
    """Free-form data for custom templates. Not validated."""


class StaticPage(Strict):
    """Front matter of `content/pages/<page>.md`: an about page, a methodology note."""

    id: Slug
    """Page id; must equal the file name; the page is served at `/<id>`."""
    title: Line
    """Page title."""
    description: Annotated[str, Field(max_length=500), AfterValidator(_line)] | None = None
    """One or two sentences for search results and meta descriptions."""
    data_updated: Date
    """Date the page was last changed."""
    extra: dict[str, Any] = {}
    """Free-form data for custom templates. Not validated."""


def slugify(identifier: str) -> str:
    """A stable URL slug for an id: lowercase, with '/', ':' and '@' made safe."""
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", identifier).lower())
    text = re.sub(r"[/:@+~]+", "--", text)
    text = re.sub(r"[^\w.-]+|_", lambda m: "_" if m.group() == "_" else "-", text).strip("-.")
    return text or "model"
