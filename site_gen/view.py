"""One page context per page, read by both the HTML and the markdown template.

Both outputs of a page come from the same context, so they cannot disagree.
Contexts hold read-only data: the frozen schema objects, URLs computed in
:mod:`site_gen.urls`, and derived tables (pricing with tier columns,
availability with provider names).  Rendering a page is a pure function of
its context and the templates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import charts, formats
from .catalog import SERVED_FIELDS, Catalog, facts
from .config import SiteConfig
from .content import Entry
from .markdown import Body, render_body
from .schema import SCHEMA_VERSION, Model, Pricing, Provider, StaticPage
from .urls import PageUrls, SlugUrls


@dataclass(frozen=True)
class Site:
    """What every page may read about the site."""

    name: str
    url: str
    description: str
    generated_at: str
    schema_version: int = SCHEMA_VERSION
    home_url: str = ""
    home_href: str = "/"
    copyright: str = ""
    about_href: str | None = None
    og_image: str = ""
    search_index: str = "/search-index.json"
    script: str = "/assets/site.js"
    favicon: str = "/assets/favicon.svg"
    stylesheet: str = "/assets/style.css"


@dataclass(frozen=True)
class PriceTable:
    """Rows of known prices; one column per context tier, only when tiers exist."""

    columns: list[str]
    rows: list[tuple[str, list[float | None]]]
    source: Any = None

    @property
    def official(self) -> bool:
        return bool(self.source and self.source.vendor)


@dataclass(frozen=True)
class Page:
    kind: str
    content_type: str
    title: str
    description: str
    urls: PageUrls | SlugUrls
    data_updated: dt.date
    id: str
    body: Body
    """The markdown body rendered once: ``body.html``, ``body.markdown`` (for the mirror) and ``body.links``."""
    breadcrumbs: list[tuple[str, str]]
    """(label, root-relative link) from the home page to this one."""
    data: Model | Provider | StaticPage | None
    provider: Provider | None = None
    provider_urls: PageUrls | SlugUrls | None = None
    pricing: PriceTable | None = None
    availability: list[dict[str, Any]] = field(default_factory=list)
    query_intents: list[str] = field(default_factory=list)
    models: list[ModelRow] = field(default_factory=list)
    served: list[dict[str, Any]] = field(default_factory=list)
    """For a provider: the catalogue's models it serves, with its own id and prices."""
    logo_href: str | None = None
    breadcrumb_urls: list[tuple[str, str]] = field(default_factory=list)
    """The breadcrumbs with absolute URLs, for structured data."""
    rows: list[ModelRow] = field(default_factory=list)
    """For the index page: every model as a listing row."""
    provider_rows: list[dict[str, Any]] = field(default_factory=list)
    """For the index page: every provider with its model count."""
    similar: list[ModelRow] = field(default_factory=list)
    """For a model: the nearest models by price, context and capabilities."""
    faq: list[tuple[str, str]] = field(default_factory=list)
    """Questions and answers made from the data (only where the data answers them)."""
    charts: dict[str, str] = field(default_factory=dict)
    """Inline SVG charts, by name."""
    source_file: str = ""

    @property
    def body_html(self) -> str:
        return self.body.html

    @property
    def body_markdown(self) -> str:
        return self.body.markdown


NO_BODY = Body("", "", ())


def display_name(model: Model) -> str:
    """The model's title, or its id when no source gives a display name (never an invented name)."""
    return model.title or model.id


def price_table(pricing: Pricing | None) -> PriceTable | None:
    if pricing is None:
        return None
    tiers = list(pricing.tiers)
    columns = []
    if tiers:
        columns.append(f"Up to {formats.short_tokens(tiers[0].above)} tokens")
        columns += [f"Above {formats.short_tokens(t.above)} tokens" for t in tiers]
    rows = []
    for name, label in formats.PRICE_NAMES.items():
        values: list[float | None] = [getattr(pricing, name)] + [getattr(t, name) for t in tiers]
        if any(v is not None for v in values):
            rows.append((label, values))
    return PriceTable(columns, rows, pricing.source)


def model_page(config: SiteConfig, catalog: Catalog, entry: Entry) -> Page:
    model = entry.data
    assert isinstance(model, Model)
    provider_entry = catalog.provider_of(entry)
    provider = provider_entry.data
    assert isinstance(provider, Provider)
    urls = catalog.urls[entry.path]
    provider_urls = catalog.urls[provider_entry.path]
    return Page(
        kind="model",
        content_type="model-detail-page",
        title=display_name(model),
        description=model.description or _model_description(model, provider),
        urls=urls,
        data_updated=model.data_updated,
        id=model.id,
        body=render_body(entry.body),
        breadcrumbs=[("Home", config.href("/")), (provider.name, provider_urls.href), (display_name(model), urls.href)],
        breadcrumb_urls=[("Home", config.url("/")), (provider.name, provider_urls.canonical_url),
                         (display_name(model), urls.canonical_url)],
        data=model,
        provider=provider,
        provider_urls=provider_urls,
        pricing=price_table(model.pricing),
        availability=[_availability_row(catalog, row) for row in model.availability],
        query_intents=list(model.query_intents) or _default_intents(model, provider),
        source_file=entry.path,
        similar=[model_row(catalog, catalog.by_path[p]) for p in catalog.similar.get(entry.path, [])],
        faq=faq(model, provider),
        charts={k: v for k, v in (("history", charts.price_history(list(model.price_history), display_name(model))),
                                  ("benchmarks", charts.benchmarks(list(model.benchmarks), display_name(model))))
                if v},
    )


def provider_page(config: SiteConfig, catalog: Catalog, entry: Entry) -> Page:
    provider = entry.data
    assert isinstance(provider, Provider)
    urls = catalog.urls[entry.path]
    models = [model_row(catalog, m) for m in catalog.models_of(provider.id)]
    description = provider.description or (
        f"{provider.name}: {len(models)} model{'s' if len(models) != 1 else ''} with context windows, "
        "prices per 1M tokens and capabilities.")
    return Page(
        kind="provider",
        content_type="provider-detail-page",
        title=provider.name,
        description=description,
        urls=urls,
        data_updated=provider.data_updated,
        id=provider.id,
        body=render_body(entry.body),
        breadcrumbs=[("Home", config.href("/")), (provider.name, urls.href)],
        breadcrumb_urls=[("Home", config.url("/")), (provider.name, urls.canonical_url)],
        data=provider,
        models=models,
        served=_served_by(catalog, provider.id),
        logo_href=config.href(logo_path(provider)) if provider.logo else None,
        source_file=entry.path,
    )


def logo_path(provider: Provider) -> str:
    """Site path of a provider's logo, copied from content/providers/."""
    suffix = provider.logo.rsplit(".", 1)[-1] if provider.logo else "svg"
    return f"/logos/{provider.id}.{suffix}"


def _served_by(catalog: Catalog, provider_id: str) -> list[dict[str, Any]]:
    """The rows of a provider's table of the models it serves: made from the models' facts (no model's data is
    restored for them), so they show what the facts hold of an availability row (SERVED_FIELDS), not its
    source; and beside them the model's title and URLs and the provider's."""
    entry = catalog.providers[provider_id]
    shared = {"provider": entry.data, "provider_urls": catalog.urls[entry.path]}
    rows = []
    for model, shown in catalog.served_by(provider_id):
        row = dict(zip(SERVED_FIELDS, shown, strict=True))
        row.update(shared, title=facts(model).title, urls=catalog.urls[model.path])
        rows.append(row)
    return rows


class ModelRow(NamedTuple):
    """A model as one row of a listing table (model_row).

    A tuple, not a dict: the home page holds one for every model while it renders, 10,000 dicts with their own
    lists of names were ~8 MB of a page worker's peak; and templates read a tuple's fields without the failed
    attribute lookup Jinja tries on a dict first."""

    title: str
    id: str
    urls: SlugUrls
    provider: Provider
    release_date: dt.date | None
    context_window: int | None
    input: float | None
    output: float | None
    capabilities: tuple[str, ...]
    """Display names of the capabilities it has."""
    status: str
    modalities: tuple[str, ...]
    """Display names of its input modalities."""


def model_row(catalog: Catalog, entry: Entry) -> ModelRow:
    """A model as one row of a listing table."""
    known = facts(entry)  # not the model's data: listings show the facts it was loaded with
    release_date, context_window, price_in, price_out, capabilities, status, modalities = known.row
    return ModelRow(known.title, known.id, catalog.urls[entry.path], catalog.provider_of(entry).data,  # type: ignore[arg-type]
                    release_date, context_window, price_in, price_out,  # type: ignore[arg-type]
                    _names(capabilities, formats.CAPABILITY_NAMES), status, _names(modalities, formats.MODALITY_NAMES))  # type: ignore[arg-type]


def _names(keys: tuple[str, ...], names: dict[str, str]) -> tuple[str, ...]:
    """The display names of ``keys`` (a name where there is one, else the key), one tuple for each distinct set."""
    shown = _NAMES.get((keys, id(names)))
    if shown is None:
        shown = _NAMES[keys, id(names)] = tuple(names.get(k, k) for k in keys)
    return shown


_NAMES: dict[tuple[tuple[str, ...], int], tuple[str, ...]] = {}


def _availability_row(catalog: Catalog, row: Any) -> dict[str, Any]:
    entry = catalog.providers[row.provider]
    pricing = row.pricing
    return {
        "provider": entry.data,
        "provider_urls": catalog.urls[entry.path],
        "region": row.region,
        "model_id": row.model_id,
        "context_window": row.context_window,
        "max_output": row.max_output,
        "input": pricing.input if pricing else None,
        "output": pricing.output if pricing else None,
        "cache_read": pricing.cache_read if pricing else None,
        "cache_write": pricing.cache_write if pricing else None,
        "tiers": len(pricing.tiers) if pricing else 0,
        "source": pricing.source if pricing else None,
    }


def _model_description(model: Model, provider: Provider) -> str:
    facts = []
    if model.limits.context_window:
        facts.append(f"{formats.short_tokens(model.limits.context_window)} context")
    if model.pricing and model.pricing.input is not None and model.pricing.output is not None:
        facts.append(f"{formats.price(model.pricing.input)} input / {formats.price(model.pricing.output)} "
                     "output per 1M tokens")
    tail = f": {', '.join(facts)}" if facts else ""
    return f"{display_name(model)} by {provider.name}{tail}. Limits, prices, capabilities and providers."


def faq(model: Model, provider: Provider) -> list[tuple[str, str]]:
    """Reader questions answered from the data; a question the data cannot answer is left out."""
    name, out = display_name(model), []
    pricing = model.pricing
    if pricing and pricing.input is not None and pricing.output is not None:
        source = f" according to {pricing.source.name}" if pricing.source else ""
        tiers = f" Longer prompts cost more above {formats.short_tokens(pricing.tiers[0].above)} tokens." \
            if pricing.tiers else ""
        out.append((f"How much does {name} cost?", f"{formats.price(pricing.input)} per 1M input tokens and "
                    f"{formats.price(pricing.output)} per 1M output tokens{source}.{tiers}"))
    if model.limits.context_window:
        answer = f"{formats.tokens(model.limits.context_window)} of context"
        if model.limits.max_output:
            answer += f", and up to {formats.tokens(model.limits.max_output)} of output"
        out.append((f"How large is the context window of {name}?", answer + "."))
    if model.availability:
        names = sorted({row.provider for row in model.availability})
        out.append((f"Which providers serve {name}?", f"{len(names)} provider{'s' if len(names) != 1 else ''} "
                    f"in this catalogue; the Provider availability table lists each with its own id and prices."))
    known = [formats.CAPABILITY_NAMES[k] for k, v in model.capabilities if v == "yes"]
    if known:
        out.append((f"What can {name} do?", f"It supports {', '.join(known).lower()}."))
    if model.release_date:
        out.append((f"When was {name} released?", f"On {model.release_date.isoformat()}, by {provider.name}."))
    return out


def _default_intents(model: Model, provider: Provider) -> list[str]:
    return [
        f"What does {display_name(model)} cost per 1M input and output tokens?",
        f"How large is the context window of {display_name(model)}, and how many tokens can it output?",
        f"Which providers serve {display_name(model)}, and at what price?",
        f"What is the API model id of {provider.name}'s {display_name(model)}?",
    ]


def static_page(config: SiteConfig, catalog: Catalog, entry: Entry) -> Page:
    page = entry.data
    assert isinstance(page, StaticPage)
    urls = catalog.urls[entry.path]
    return Page(kind="page", content_type="page", title=page.title, description=page.description or page.title,
                urls=urls, data_updated=page.data_updated, id=page.id, body=render_body(entry.body, under=1),
                breadcrumbs=[("Home", config.href("/")), (page.title, urls.href)], data=page,
                breadcrumb_urls=[("Home", config.url("/")), (page.title, urls.canonical_url)],
                source_file=entry.path)


def index_page(config: SiteConfig, catalog: Catalog) -> Page:
    """The home page: the whole catalogue as one table, with its own mirror."""
    urls = PageUrls("/", config.url("/"), "/llms/index.md", config.url("/llms/index.md"), "index.html",
                    "llms/index.md", config.href("/"), config.href("/llms/index.md"))
    providers = [{"provider": e.data, "urls": catalog.urls[e.path], "count": len(catalog.models_of(e.data.id))}
                 for e in catalog.providers.values()]
    rows = [model_row(catalog, e) for e in catalog.models]
    return Page(kind="index", content_type="catalogue-index-page", title=config.site_name,
                description=config.site_description or config.site_name, urls=urls,
                data_updated=catalog.data_updated, id="index", body=NO_BODY,
                breadcrumbs=[], data=None, rows=rows,
                provider_rows=providers, source_file="index",
                charts={"scatter": charts.scatter(rows, config.site_name)})


def not_found_page() -> Page:
    return Page(kind="404", content_type="not-found-page", title="Page not found",
                description="There is no page at this address.", urls=None, data_updated=None,  # type: ignore[arg-type]
                id="404", body=NO_BODY, breadcrumbs=[], data=None, source_file="404")


def site_context(config: SiteConfig, generated_at: str, about_href: str | None = None) -> Site:
    return Site(config.site_name, config.site_url, config.site_description, generated_at,
                home_url=config.url("/"), home_href=config.href("/"), stylesheet=config.href("/assets/style.css"),
                copyright=config.copyright, about_href=about_href, og_image=config.url("/assets/og-image.png"),
                search_index=config.href("/search-index.json"), script=config.href("/assets/site.js"),
                favicon=config.href("/assets/favicon.svg"))
