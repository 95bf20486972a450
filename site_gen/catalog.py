"""Whole-catalogue checks, and the catalogue the renderer reads.

Each content file is valid on its own by now; this module checks what only
the whole catalogue can tell: unique ids, aliases and routes, references
that resolve, and rules across fields (max output within the context window,
tiers that increase and stay below it, a date in an id that matches the
release date).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import pickle
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .config import SiteConfig
from .content import ROW_HASH, Content, Entry, Facts, served_rows
from .errors import ContentError, Diagnostic
from .schema import Availability, Model, Pricing
from .urls import RESERVED_SLUGS, SITE_FILES, OutputPlan, SlugRoutes, SlugUrls
from .yamlsafe import dotted

if TYPE_CHECKING:
    from .similar import Nearest

_ID_DATE = re.compile(r"(?<!\d)(20\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")


@dataclass(frozen=True)
class Catalog:  # frozen, but with cached derived views
    """The validated catalogue, sorted, with every page's URLs."""

    models: list[Entry]
    providers: dict[str, Entry]
    urls: dict[str, SlugUrls]
    """URLs by entry path."""
    pages: list[Entry]
    """Static pages from content/pages/."""
    warnings: list[Diagnostic]
    """Problems that do not stop the build (they do under --strict)."""

    def provider_of(self, model: Entry) -> Entry:
        return self.providers[facts(model).provider]

    def models_of(self, provider_id: str) -> list[Entry]:
        return self._by_provider.get(provider_id, [])

    @functools.cached_property
    def _by_provider(self) -> dict[str, list[Entry]]:
        out: dict[str, list[Entry]] = {}
        for entry in self.models:
            out.setdefault(facts(entry).provider, []).append(entry)
        return out

    def served_by(self, provider_id: str) -> list[tuple[Entry, tuple[object, ...]]]:
        """(model, what its page shows of the availability row: Facts.served_rows) of every model the provider
        serves, in catalogue order. From the facts: no model's data is restored for it (Entry). Made anew on
        each call, which is once for each provider's page: kept, a page worker held every provider's rows to
        the end of the build (15 MB at 10,000 models)."""
        models = {id(entry): entry for entry in self.serving(provider_id)}.values()  # a model with two rows once
        return [(entry, row) for entry in models for known in (facts(entry),)
                for name, row in zip(known.serving, pickle.loads(served_rows(entry, known)), strict=True)
                if name == provider_id]

    def serving(self, provider_id: str) -> list[Entry]:
        """The models the provider serves, in catalogue order, once for each of their availability rows that
        names it (the facts of served_by, for the pages' keys)."""
        return self._serving.get(provider_id, [])

    @functools.cached_property
    def _serving(self) -> dict[str, list[Entry]]:
        out: dict[str, list[Entry]] = {}
        for entry in self.models:
            for provider in facts(entry).serving:
                out.setdefault(provider, []).append(entry)
        return out

    @functools.cached_property
    def similar(self) -> dict[str, list[str]]:
        """Paths of each model's nearest models (site_gen.similar)."""
        return self.nearest.out

    def compute_similar(self, previous: Nearest | None) -> Nearest:
        """Compute ``similar``, reusing a previous build's table where the neighbourhoods are unchanged."""
        from .similar import nearest

        table = nearest(self.models, previous)
        self.__dict__["similar"] = table.out  # what the cached property would hold
        self.__dict__["nearest"] = table  # for the dev server's next quick update (site_gen.dev)
        return table

    @functools.cached_property
    def nearest(self) -> Nearest:
        """The similar-models table with the points it was computed from."""
        return self.compute_similar(None)

    @functools.cached_property
    def by_path(self) -> dict[str, Entry]:
        return {e.path: e for e in [*self.models, *self.providers.values(), *self.pages]}

    @functools.cached_property
    def data_updated(self) -> dt.date:
        """The newest data date in the catalogue: the date of the data as a whole."""
        dates = [facts(e).data_updated for e in self.models]
        dates += [e.data.data_updated for e in [*self.providers.values(), *self.pages]]
        return max(dates) if dates else dt.date(1970, 1, 1)


def build_catalog(config: SiteConfig, content: Content, since: Catalog | None = None,
                  changed: set[str] | frozenset[str] = frozenset()) -> Catalog:
    """Run every cross-file check; raise ContentError listing all problems.

    The checks read each model's facts (Entry.facts), not its data: the data of a model with a problem is read
    to report it. ``since``: the catalogue built before the files ``changed`` (their paths) were read again,
    for the dev server's quick update: when those are models that kept their routes, ids, aliases and provider
    (a price or the prose edited), the pages' URLs and the ids' uniqueness are what they were, and are taken
    from it (~0.05 s of a 10,000-model quick update) instead of checked again across the whole catalogue."""
    problems: list[Diagnostic] = []
    providers = _unique_providers(content.providers, problems)
    if since is not None and _same_names(since, content, changed):
        urls = since.urls
    else:
        urls = _plan_urls(config, content, problems)
        _unique_model_ids(content.models, problems)
    warnings: list[Diagnostic] = []
    for entry in content.models:
        known = facts(entry)
        if not (known.sound and known.provider in providers and all(p in providers for p in known.serving)):
            problems += check_model(entry, providers)
        warnings += entry.warnings
    if problems:
        raise ContentError(problems)
    models = sorted(content.models, key=lambda e: (facts(e).provider, e.slug))
    return Catalog(models, dict(sorted(providers.items())), urls, content.pages, sorted(warnings))


def _same_names(before: Catalog, content: Content, changed: set[str] | frozenset[str]) -> bool:
    """Whether ``content`` has the files ``before`` was built from, and each of the ``changed`` ones is a model
    with the route, id, aliases and provider it had: what the URL plan and the uniqueness of ids read."""
    if (len(content.models), len(content.providers), len(content.pages)) != \
            (len(before.models), len(before.providers), len(before.pages)):
        return False
    now = {entry.path: entry for entry in content.models if entry.path in changed}
    if len(now) != len(changed):
        return False
    for path, entry in now.items():
        old = before.by_path.get(path)
        if old is None or old.kind != "model" or old.slug != entry.slug:
            return False
        was, known = facts(old), facts(entry)
        if (was.provider, was.id, was.aliases) != (known.provider, known.id, known.aliases):
            return False
    return True


def check_model(entry: Entry, providers: dict[str, Entry] | set[str]) -> list[Diagnostic]:
    """The cross-field rules of one model: references, limits, tiers, the date in its id."""
    assert isinstance(entry.data, Model)
    problems: list[Diagnostic] = []
    _check_references(entry, entry.data, providers, problems)
    problems += _own_problems(entry)
    return problems


def _own_problems(entry: Entry) -> list[Diagnostic]:
    """The rules of a model's own data: limits, tiers, the date in its id."""
    assert isinstance(entry.data, Model)
    problems: list[Diagnostic] = []
    _check_limits(entry, entry.data, problems)
    _check_id_date(entry, entry.data, problems)
    return problems


def model_facts(entry: Entry) -> Facts:
    """The facts of a model the whole-catalogue work reads (Entry.facts), from its data."""
    from .view import display_name  # the pages' module, which reads the catalogue

    model = entry.data
    assert isinstance(model, Model)
    pricing = model.pricing
    row = (model.release_date, model.limits.context_window, pricing.input if pricing else None,
           pricing.output if pricing else None, tuple(k for k, v in model.capabilities if v == "yes"), model.status,
           tuple(model.modalities.input or ()))
    shown = tuple(served_row(r) for r in model.availability)
    served = b"".join(hashlib.blake2b(repr(r).encode(), digest_size=ROW_HASH).digest() for r in shown)
    changes = []
    before = None
    for change in model.price_history:
        prices = (change.input, change.output)
        if before is not None and prices != before:
            changes.append((change.date, *prices, *before, change.source.name if change.source else None))
        before = prices
    return Facts(model.provider, model.id, tuple(model.aliases), tuple(row.provider for row in model.availability),
                 not _own_problems(entry), display_name(model), model.data_updated, row, served,
                 pickle.dumps(shown, protocol=pickle.HIGHEST_PROTOCOL), tuple(changes))


SERVED_FIELDS = ("model_id", "region", "context_window", "max_output", "input", "output", "cache_read", "cache_write",
                 "tiers")
"""The fields of a served row (served_row), in order: site_gen.view names them so for the templates."""


def served_row(row: Availability) -> tuple[object, ...]:
    """What a provider's page shows of an availability row, in the order of SERVED_FIELDS (Facts.served_rows;
    Facts.served hashes it)."""
    pricing = row.pricing
    if pricing is None:
        return (row.model_id, row.region, row.context_window, row.max_output, None, None, None, None, 0)
    return (row.model_id, row.region, row.context_window, row.max_output, pricing.input, pricing.output,
            pricing.cache_read, pricing.cache_write, len(pricing.tiers))


def facts(entry: Entry) -> Facts:
    """A model's facts: those it was loaded with, or made from its data (an entry made by other means)."""
    return entry.facts or model_facts(entry)


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _at(entry: Entry, field: str, *loc: str | int, message: str, hint: str = "") -> Diagnostic:
    line, col = entry.pos(*loc)
    return Diagnostic(entry.path, line, col, field, message, hint)


def _unique_providers(entries: list[Entry], problems: list[Diagnostic]) -> dict[str, Entry]:
    seen: dict[str, Entry] = {}
    out: dict[str, Entry] = {}
    for entry in entries:
        key = _key(entry.data.id)
        if key in seen:
            problems.append(_at(entry, "id", "id", message=f"duplicate provider id '{entry.data.id}', "
                                f"also used by {seen[key].path}", hint="provider ids are unique, ignoring case"))
            continue
        seen[key] = entry
        out[entry.data.id] = entry
    return out


def _unique_model_ids(entries: list[Entry], problems: list[Diagnostic]) -> None:
    """Ids and aliases share one namespace per provider, compared ignoring case and Unicode form.

    Model ids are unique within a provider (as in each provider's API); two
    providers may list the same id for different offerings, so the catalogue
    key is ``<provider>/<id>``.
    """
    seen: dict[tuple[str, str], tuple[Entry, str]] = {}
    for entry in entries:
        known = facts(entry)
        names = [("id", ("id",), known.id)]
        names += [("aliases", ("aliases", i), a) for i, a in enumerate(known.aliases)]
        for field, loc, name in names:
            key = (known.provider, _key(name))
            if key in seen and seen[key][0] is not entry:
                other, other_field = seen[key]
                problems.append(_at(entry, field if field == "id" else f"aliases[{loc[1]}]", *loc,
                                    message=f"'{name}' is already the {other_field} of {other.path}",
                                    hint="ids and aliases are unique within a provider, ignoring case"))
            elif key not in seen:
                seen[key] = (entry, "id" if field == "id" else "alias")


def _plan_urls(config: SiteConfig, content: Content, problems: list[Diagnostic]) -> dict[str, SlugUrls]:
    plan = OutputPlan()
    for path in SITE_FILES:
        plan.claim(path, "site")
    urls: dict[str, SlugUrls] = {}
    routes = {kind: SlugRoutes(config, kind) for kind in ("model", "provider", "page")}
    for entry in content.providers + content.models + content.pages:
        def where(entry: Entry = entry) -> Diagnostic:
            field = _slug_field(entry)
            return Diagnostic(entry.path, *entry.pos(field), field)
        if entry.slug in RESERVED_SLUGS and entry.kind != "page":
            field = _slug_field(entry)
            line, col = entry.pos(field)
            problems.append(Diagnostic(entry.path, line, col, field,
                                       f"route collides with generated file: slug '{entry.slug}' is reserved",
                                       "set another 'slug'"))
            continue
        page = SlugUrls(routes[entry.kind], entry.slug)
        before = len(plan.problems)
        plan.claim(page.html_file, entry.path, where)
        if len(plan.problems) == before:  # one report per collision: the mirror would collide the same way
            plan.claim(page.markdown_file, entry.path, where)
        urls[entry.path] = page
    problems.extend(plan.problems)
    return urls


def _slug_field(entry: Entry) -> str:
    """The field a page's route is made from, to point at in a message: its slug if it sets one, else its id."""
    return "slug" if getattr(entry.data, "slug", None) else "id"


def _check_references(entry: Entry, model: Model, providers: dict[str, Entry] | set[str],
                      problems: list[Diagnostic]) -> None:
    known = ", ".join(sorted(providers)[:8]) + (" ..." if len(providers) > 8 else "")
    if model.provider not in providers:
        problems.append(_at(entry, "provider", "provider", message=f"unknown provider '{model.provider}'",
                            hint=f"add content/providers/{model.provider}.md; known: {known}"))
    for i, row in enumerate(model.availability):
        if row.provider not in providers:
            problems.append(_at(entry, f"availability[{i}].provider", "availability", i, "provider",
                                message=f"unknown provider '{row.provider}'",
                                hint=f"add content/providers/{row.provider}.md; known: {known}"))


def _check_limits(entry: Entry, model: Model, problems: list[Diagnostic]) -> None:
    limits = model.limits
    ctx = limits.context_window
    for name in ("max_output", "max_input"):
        value = getattr(limits, name)
        if ctx is not None and value is not None and value > ctx:
            problems.append(_at(entry, f"limits.{name}", "limits", name,
                                message=f"expected at most the context window ({ctx:,}), found {value:,}",
                                hint="check both numbers against the vendor's model page"))
    _check_tiers(entry, model.pricing, ctx, ("pricing",), problems)
    for i, row in enumerate(model.availability):
        row_ctx = row.context_window or ctx
        if row.max_output is not None and row_ctx is not None and row.max_output > row_ctx:
            problems.append(_at(entry, f"availability[{i}].max_output", "availability", i, "max_output",
                                message=f"expected at most the context window ({row_ctx:,}), found {row.max_output:,}"))
        _check_tiers(entry, row.pricing, row_ctx, ("availability", i, "pricing"), problems)


def _check_tiers(entry: Entry, pricing: Pricing | None, ctx: int | None, loc: tuple[str | int, ...],
                 problems: list[Diagnostic]) -> None:
    if pricing is None:
        return
    previous = 0
    for i, tier in enumerate(pricing.tiers):
        where = (*loc, "tiers", i, "above")
        field = dotted(where)
        if tier.above <= previous:
            problems.append(_at(entry, field, *where,
                                message=f"expected a threshold above {previous:,}, found {tier.above:,}",
                                hint="list tiers in increasing order of 'above'"))
        if ctx is not None and tier.above >= ctx:
            problems.append(_at(entry, field, *where,
                                message=f"expected a threshold below the context window ({ctx:,}), "
                                        f"found {tier.above:,}",
                                hint="a tier past the context limit can never apply; see models.dev#3180"))
        previous = tier.above


# A date in an id is the vendor's snapshot date. Vendors publish a snapshot on that day or some days
# later (Anthropic's claude-haiku-4-5-20251001 was released on 2025-10-15), never before it.
SNAPSHOT_TO_RELEASE = dt.timedelta(days=60)


def _check_id_date(entry: Entry, model: Model, problems: list[Diagnostic]) -> None:
    match = _ID_DATE.search(model.id)
    if not match:
        return
    try:
        embedded = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return
    if model.release_date is None:
        problems.append(_at(entry, "release_date", "id", message=f"missing, while the id embeds {embedded}",
                            hint=f"add 'release_date: {embedded}' if that is the release date"))
    elif not embedded <= model.release_date <= embedded + SNAPSHOT_TO_RELEASE:
        problems.append(_at(entry, "release_date", "release_date",
                            message=f"expected {embedded} or up to 60 days later (the date in the id "
                                    f"'{model.id}'), found {model.release_date.isoformat()}",
                            hint="fix whichever of the two is wrong"))
