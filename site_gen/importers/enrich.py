"""Enrich and cross-check canonical models with LiteLLM, genai-prices and the price history.

A LiteLLM or genai-prices model is matched to the page that holds its
(provider, id): the page's own model, or one of its availability rows.  On
the page's own model the source fills facts models.dev lacks, and every value
it gives is kept as a claim for the disagreement check.  Models no page
holds become pages of their own, with what the source knows and nothing more.
"""

from __future__ import annotations

from typing import Any

from ..schema import slugify
from . import genai as genai_source
from .canonical import Record, pricing, tier_text

PRICE_FIELDS = ("input", "output", "cache_read", "cache_write")


def fold(pair: tuple[str, str]) -> tuple[str, str]:
    """Ids are matched ignoring case, as providers' APIs and genai-prices do."""
    return (pair[0], pair[1].casefold())


def index(records: dict[tuple[str, str], Record]) -> dict[tuple[str, str], Record]:
    """(provider, case-folded id) -> the page that holds it."""
    out: dict[tuple[str, str], Record] = {}
    for record in records.values():
        for key in sorted(record.keys):
            out.setdefault(fold(key), record)
    for record in records.values():
        out[fold(record.key)] = record
    return out


def _new_record(records: dict[tuple[str, str], Record], provider: str, model_id: str,
                source: dict[str, Any], file: str) -> Record:
    record = Record(provider, model_id, slugify(f"{provider}/{model_id}"), {"availability": []}, [file],
                    {(provider, model_id)})
    record.fields["data_updated"] = source["checked"]
    records[record.key] = record
    return record


def _fill(record: Record, source_name: str, field: str, value: Any) -> None:
    """Set a field models.dev left unknown; a known value is only cross-checked."""
    if value is None:
        return
    group, _, name = field.partition(".")
    if name:
        target = record.fields.setdefault(group, {})
        if target.get(name) is None:
            target[name] = value
            record.provenance[field] = source_name
    elif record.fields.get(field) is None:
        record.fields[field] = value
        record.provenance[field] = source_name


def apply_litellm(records: dict[tuple[str, str], Record], snapshot: dict[str, Any]) -> None:
    source = snapshot["source"]
    name = source["name"]
    where = index(records)
    for key, model in sorted(snapshot["models"].items()):
        pair = (model["provider"], model["id"])
        record = where.get(fold(pair))
        if record is None:
            record = _new_record(records, *pair, source, key)
            where[fold(pair)] = record
            record.fields["availability"] = [_row(pair, model)]
        elif fold(record.key) != fold(pair):
            continue  # an availability row of a page: matched, models.dev keeps the row
        record.sources[name] = {"name": name, "url": source["url"], "checked": source["checked"]}
        record.files.append(f"{source['file']}#{key}")
        _fill(record, name, "limits.context_window", model["context_window"])
        _fill(record, name, "limits.max_output", model["max_output"])
        _fill(record, name, "deprecation_date", model["deprecation_date"])
        for cap, value in model["capabilities"].items():
            if record.fields.get("capabilities", {}).get(cap) in (None, "unknown"):
                _fill(record, name, f"capabilities.{cap}", value)
        if model["prices"] and record.fields.get("pricing") is None:
            record.fields["pricing"] = pricing({**model["prices"], "tiers": model["tiers"]})
            record.fields["pricing"]["source"] = dict(record.sources[name])
            record.provenance["pricing"] = name
        label = f"{name} ({model['litellm_provider']})"
        record.claim("limits.context_window", label, model["context_window"])
        record.claim("limits.max_output", label, model["max_output"])
        if model["prices"]:
            for field in PRICE_FIELDS:
                record.claim(f"pricing.{field}", label, model["prices"].get(field))
            record.claim("pricing.tiers", label, tier_text(model["tiers"]))


def _row(pair: tuple[str, str], model: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"provider": pair[0], "model_id": pair[1]}
    if model.get("context_window"):
        row["context_window"] = model["context_window"]
    if model.get("max_output"):
        row["max_output"] = model["max_output"]
    prices = model.get("prices") or {}
    if prices:
        row["pricing"] = pricing({**prices, "tiers": model.get("tiers") or []})
    return row


def apply_genai(records: dict[tuple[str, str], Record], snapshot: dict[str, Any]) -> None:
    """genai-prices semantics: each id takes the first model of its provider whose rule matches."""
    source = snapshot["source"]
    name = source["name"]
    where = index(records)
    for genai_id, provider in sorted(snapshot["providers"].items()):
        pid = provider["provider"]
        used: set[str] = set()
        for pair in sorted(k for k in where if k[0] == pid):
            model = next((m for m in provider["models"] if genai_source.matches(m.get("match"), pair[1])), None)
            if model is None:
                continue
            used.add(model["id"])
            record = where[pair]
            if fold(record.key) == pair:
                _apply_genai_model(record, name, provider, model, source)
        for model in provider["models"]:
            if model["id"] in used or fold((pid, model["id"])) in where:
                continue
            record = _new_record(records, pid, model["id"], source, f"{genai_id}/{model['id']}")
            where[fold(record.key)] = record
            if model.get("name"):
                record.fields["title"] = " ".join(str(model["name"]).split())
                record.provenance["title"] = name
            record.fields["availability"] = [_row(record.key, {"context_window": model["context_window"],
                                                               "prices": _flat(model["prices"]),
                                                               "tiers": model["prices"].get("tiers")})]
            _apply_genai_model(record, name, provider, model, source)


def _flat(prices: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in prices.items() if k != "tiers" and v is not None}


def _apply_genai_model(record: Record, name: str, provider: dict[str, Any], model: dict[str, Any],
                       source: dict[str, Any]) -> None:
    checked = model.get("checked") or source["checked"]
    record.sources[name] = {"name": name, "url": provider.get("pricing_url") or source["url"], "checked": checked}
    record.files.append(f"{source['file']}#{model['id']}")
    prices = model["prices"]
    _fill(record, name, "limits.context_window", model["context_window"])
    if record.fields.get("title") is None and model.get("name"):
        _fill(record, name, "title", " ".join(str(model["name"]).split()))
    if record.fields.get("pricing") is None and _flat(prices):
        record.fields["pricing"] = pricing({**_flat(prices), "tiers": prices.get("tiers") or []})
        record.fields["pricing"]["source"] = dict(record.sources[name])
        record.provenance["pricing"] = name
    label = f"{name} ({model['id']})"
    record.claim("limits.context_window", label, model["context_window"])
    for field in PRICE_FIELDS:
        record.claim(f"pricing.{field}", label, prices.get(field))
    record.claim("pricing.tiers", label, tier_text(prices.get("tiers") or []))
    for point in model.get("history") or []:
        if point["date"]:
            flat = _flat(point["prices"])
            record.history.append({"date": point["date"], **{k: flat[k] for k in PRICE_FIELDS if k in flat},
                                   "source": {"name": name, "url": record.sources[name]["url"]}})


def apply_history(records: dict[tuple[str, str], Record], snapshot: dict[str, Any]) -> None:
    name = snapshot["source"]["name"]
    for record in records.values():
        series = snapshot["series"].get(f"{record.provider}/{record.id}") or []
        for point in series:
            record.history.append({"date": point["date"],
                                   **{k: point[k] for k in PRICE_FIELDS if point.get(k) is not None},
                                   "source": {"name": name, "url": snapshot["source"]["url"]}})
        if series:
            record.provenance["price_history"] = name


def discrepancies(record: Record) -> list[dict[str, Any]]:
    """Fields on which at least two sources give different known values.

    Claims of one source that agree are folded into one line
    (``models.dev (deepseek, openrouter)``), so a value served by twenty
    providers does not drown the one that differs.
    """
    out = []
    for field in sorted(record.claims):
        groups: dict[tuple[str, Any], tuple[list[str], Any]] = {}
        for label, value in record.claims[field]:
            if value is None:
                continue
            source, _, detail = label.partition(" (")
            key = (source, _comparable(value, field))
            details, _ = groups.setdefault(key, ([], value))
            if detail and detail.rstrip(")") not in details:
                details.append(detail.rstrip(")"))
        if len({key[1] for key in groups}) > 1:
            out.append({"field": field, "values": [
                {"source": _label(source, details), "value": value}
                for (source, _), (details, value) in groups.items()]})
    return out


def _label(source: str, details: list[str], most: int = 4) -> str:
    """'models.dev (a, b, c, d and 9 more)': short enough for a table cell."""
    if not details:
        return source
    shown = ", ".join(details[:most]) + (f" and {len(details) - most} more" if len(details) > most else "")
    return f"{source} ({shown})"


def _comparable(value: Any, field: str) -> Any:
    if field == "knowledge_cutoff":  # 2025-07 and 2025-07-31 agree; compare by month
        return str(value)[:7]
    return round(float(value), 9) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
