"""The JSON API: /api/models.json (the catalogue) and /api/models/<slug>.json (one model).

The API's shape is a pydantic model, so every document is validated as it
is made and its JSON Schema is published beside it (/schema/api-models.json),
with the content schema (/schema/content-model.json, /schema/content-provider.json).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, KeysView, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from . import parsecache
from .catalog import Catalog
from .config import SiteConfig
from .schema import SCHEMA_VERSION, Model, Provider
from .spill import Spilled, SpillFile
from .urls import page_urls

API_VERSION = 1


class ApiPrices(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: float | None
    output: float | None
    cache_read: float | None
    cache_write: float | None
    currency: Literal["USD"] = "USD"
    unit: Literal["1M tokens"] = "1M tokens"


class ApiModel(BaseModel):
    """One model in the catalogue listing."""

    model_config = ConfigDict(extra="forbid")
    id: str
    slug: str
    title: str | None
    provider: str
    provider_name: str
    status: str
    release_date: str | None
    context_window: int | None
    max_output: int | None
    input_modalities: list[str] | None
    output_modalities: list[str] | None
    capabilities: dict[str, Literal["yes", "no", "unknown"]]
    pricing: ApiPrices | None
    tiers: int
    providers_serving: int
    data_updated: str
    url: str
    markdown_url: str
    json_url: str


class ApiCatalogue(BaseModel):
    """/api/models.json."""

    model_config = ConfigDict(extra="forbid")
    api_version: Literal[1] = 1
    schema_version: int
    site_name: str
    site_url: str
    generated_at: str
    data_updated: str
    count: int
    models: list[ApiModel]


def _summary(config: SiteConfig, catalog: Catalog, entry: Any) -> ApiModel:
    model: Model = entry.data
    urls = catalog.urls[entry.path]
    provider = catalog.provider_of(entry).data
    pricing = model.pricing
    return ApiModel(
        id=model.id, slug=entry.slug, title=model.title, provider=model.provider,
        provider_name=provider.name, status=model.status,  # type: ignore[union-attr]
        release_date=model.release_date.isoformat() if model.release_date else None,
        context_window=model.limits.context_window, max_output=model.limits.max_output,
        input_modalities=model.modalities.input, output_modalities=model.modalities.output,
        capabilities=dict(model.capabilities),
        pricing=ApiPrices(input=pricing.input, output=pricing.output, cache_read=pricing.cache_read,
                          cache_write=pricing.cache_write) if pricing else None,
        tiers=len(pricing.tiers) if pricing else 0, providers_serving=len(model.availability),
        data_updated=model.data_updated.isoformat(), url=urls.canonical_url, markdown_url=urls.markdown_url,
        json_url=config.url(f"/api/models/{entry.slug}.json"))


def summary(config: SiteConfig, catalog: Catalog, entry: Any) -> str:
    """A model's entry in the listing, as pydantic writes it (validated as it is made)."""
    return _summary(config, catalog, entry).model_dump_json()


def _led_by(fields: dict[str, str], body: str) -> str:
    """A document as pydantic's own JSON writer wrote it (``body``: a tenth of the time of model_dump and
    json.dumps), with ``fields`` first ("$schema", URLs). ``body`` is never an empty object: every document
    written so has required fields."""
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))[:-1] + "," + body[1:] + "\n"


def _dump_schema(data: Any) -> str:
    """Schemas are read by people as well as validators: indented."""
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def model_path(entry: Any) -> str:
    return f"api/models/{entry.slug}.json"


def model_file(config: SiteConfig, entry: Any) -> tuple[str, str]:
    """/api/models/<slug>.json: the model's content data, a pure function of its file (and the config)."""
    urls = page_urls(config, "model", entry.slug)
    # Written by pydantic, as the listing is (the same bytes on all 6,785 bundled models): 0.025 ms a model
    # file against 0.052 ms with model_dump and the C encoder.
    return model_path(entry), _led_by({"$schema": config.url("/schema/content-model.json"),
                                       "url": urls.canonical_url, "markdown_url": urls.markdown_url},
                                      entry.data.model_dump_json(exclude={"overrides"}))


class Summaries:
    """Each model's listing entry as JSON, kept between builds by a key of everything it shows.

    Validating and writing 10,000 entries is most of a rebuild's site-wide work; an entry whose model's and
    provider's front matter and slug are unchanged (under the same code, templates and configuration:
    ``base``) is the same JSON, so only the edited models' entries are made again. Those are made where their
    pages are rendered, from the data restored for them (``made``, by path), not from every model's data in
    the building process.
    """

    def __init__(self, base: str, previous: Mapping[str, bytes | Spilled] | None = None):
        self.base, self.previous = base, previous if previous is not None else {}
        self.current: dict[str, bytes | Spilled] = {}
        self.made: dict[str, str | Spilled] = {}

    def get(self, config: SiteConfig, catalog: Catalog, entry: Any) -> bytes:
        """The model's entry, as UTF-8: the listing is joined from them as bytes (``files``)."""
        key = hashlib.blake2b("\0".join((self.base, entry.listed, catalog.provider_of(entry).listed, entry.slug))
                              .encode("utf-8"), digest_size=16).hexdigest()
        data = self.previous.get(key)
        if type(data) is Spilled:  # kept by the last build, waiting in a spill file (Kept): kept there again
            self.current[key] = data
            return data.read()
        if data is None:
            made = self.made.get(entry.path)
            if isinstance(made, Spilled):  # spooled as its page came back (site_gen.pages.Done.summary): kept there
                self.current[key] = made  # for the next build too, read back when they are saved (parsecache)
                return made.read()
            if made:
                data = made.encode("utf-8")
            else:  # a page kept, from another build (a shard's): made from the data, not held after
                data = summary(config, catalog, entry).encode("utf-8")
                entry.drop_data()
        self.current[key] = data
        return data

    def save(self, path: Path) -> None:
        """Keep this build's entries for the next one: when it made the listing and they differ from the kept."""
        if self.current and self.current.keys() != self.previous.keys():
            parsecache.write_table(path, self.current)


class Kept(Mapping[str, bytes | Spilled]):
    """The listing entries a previous build kept (Summaries.save), by key: read from their file when first looked
    at, never before (a build whose listing is unchanged does not read them), a part at a time, each part's
    entries moved to a spill file (site_gen.spill) as it is read, when one can be made in ``folder``: held, they
    were ~9 MB at 10,000 models (~90 MB at 100,000) in the building process through an edit build's pages. None
    is kept from a file that is missing, damaged or from other code."""

    def __init__(self, path: Path, folder: Path | None = None):
        self.path, self.folder = path, folder
        self._table: dict[str, bytes | Spilled] | None = None

    def _held(self) -> dict[str, bytes | Spilled]:
        if self._table is None:
            self._table = self._read()
        return self._table

    def _read(self) -> dict[str, bytes | Spilled]:
        spill = SpillFile.make(self.folder) if self.folder is not None else None
        table: dict[str, bytes | Spilled] = {}

        def take(part: dict[str, Any]) -> bool:
            nonlocal spill
            if not all(type(k) is str and type(v) is bytes for k, v in part.items()):
                return False
            if spill is not None:
                try:
                    table.update(zip(part, spill.append(list(part.values())), strict=True))
                    return True
                except OSError:  # a full disk: the rest stay in memory
                    spill = None
            table.update(part)
            return True

        return table if parsecache.read_table_parts(self.path, take) else {}

    def __getitem__(self, key: str) -> bytes | Spilled:
        return self._held()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._held())

    def __len__(self) -> int:
        return len(self._held())

    def keys(self) -> KeysView[str]:
        return self._held().keys()


def files(config: SiteConfig, catalog: Catalog, site: Any,
          summaries: Summaries | None = None) -> Iterator[tuple[str, str | bytes | Iterator[bytes]]]:
    """The catalogue listing and the schemas (the per-model files come from model_file).

    The listing is written as pydantic writes the whole document: its head (validated, with no models), then
    each model's entry as pydantic writes it (validated as it is made, or kept from the last build). It comes in
    parts, as bytes: its head, then each entry as it is read, to be written as they come. Joined as text, then
    led by its "$schema" and encoded, it was copied four times (~300 MB for a moment at 100,000 models); joined
    as bytes, it was still held whole with its entries (~160 MB), the most a build held at its end.
    """
    summaries = summaries or Summaries("")
    head = ApiCatalogue(schema_version=SCHEMA_VERSION, site_name=config.site_name, site_url=config.site_url,
                        generated_at=site.generated_at, data_updated=catalog.data_updated.isoformat(),
                        count=len(catalog.models), models=[]).model_dump_json()
    assert head.endswith('"models":[]}')
    lead = _led_by({"$schema": config.url("/schema/api-models.json")}, head)[:-3]  # up to "models":[, without ]}\n

    def listing() -> Iterator[bytes]:
        yield lead.encode("utf-8")
        for at, entry in enumerate(catalog.models):
            data = summaries.get(config, catalog, entry)
            yield b"," + data if at else data
        yield b"]}\n"

    yield "api/models.json", listing()
    yield "schema/api-models.json", _dump_schema(ApiCatalogue.model_json_schema())
    yield "schema/content-model.json", _dump_schema(Model.model_json_schema())
    yield "schema/content-provider.json", _dump_schema(Provider.model_json_schema())
