"""Group models.dev's provider x model entries into canonical models.

An entry belongs to the lab model ``<lab>/<id>`` when it names it as
``base_model``, when it is the lab's own entry (provider ``<lab>``, id
``<id>``), or when its id is exactly ``<lab>/<id>``.  Every other entry is a
model of its own provider.  A lab model's page takes its facts from the lab
file, with the lab's own provider entry (which carries the vendor's prices)
winning; every entry of the group becomes a Provider Availability row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..schema import slugify

STATUS = {"alpha": "alpha", "beta": "beta", "deprecated": "deprecated"}
PRICE_FIELDS = ("input", "output", "cache_read", "cache_write", "reasoning", "input_audio", "output_audio")


@dataclass
class Record:
    """One model page being assembled from the sources."""

    provider: str
    id: str
    slug: str
    fields: dict[str, Any]
    files: list[str]
    """Upstream files this page is built from (first: the main one)."""
    keys: set[tuple[str, str]] = field(default_factory=set)
    """(provider, id) pairs whose data lives on this page (its own first)."""
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    claims: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    """Each source's value of a cross-checked field, for the disagreement check."""
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.provider, self.id)

    def claim(self, field_name: str, source: str, value: Any) -> None:
        self.claims.setdefault(field_name, []).append((source, value))


def group(snapshot: dict[str, Any]) -> dict[tuple[str, str], Record]:
    labs = snapshot["labs"]
    members: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for entry in snapshot["entries"]:
        lab_key = entry["base_model"] or (f"{entry['provider']}/{entry['id']}" if
                                          f"{entry['provider']}/{entry['id']}" in labs else None)
        if lab_key is None and entry["id"] in labs:
            lab_key = entry["id"]
        key = ("lab", lab_key) if lab_key else ("own", entry["provider"], entry["id"])
        members.setdefault(key, []).append(entry)
    for lab_key in labs:
        members.setdefault(("lab", lab_key), [])
    records: dict[tuple[str, str], Record] = {}
    for key in sorted(members, key=lambda k: tuple(str(p) for p in k)):
        entries = sorted(members[key], key=lambda e: (e["provider"], e["id"]))
        record = _lab_record(key[1], labs[key[1]], entries, snapshot) if key[0] == "lab" \
            else _own_record(entries[0], snapshot)
        records[record.key] = record
    return records


def _source(snapshot: dict[str, Any], file: str) -> dict[str, Any]:
    info = snapshot["source"]
    url = f"{info['url']}/blob/{info['revision']}/{file}" if info.get("revision") else info["url"]
    return {"name": info["name"], "url": url, "checked": info["checked"]}


def _lab_record(lab_key: str, lab: dict[str, Any], entries: list[dict[str, Any]],
                snapshot: dict[str, Any]) -> Record:
    lab_provider, _, lab_id = lab_key.partition("/")
    vendor = next((e for e in entries if e["provider"] == lab_provider and e["id"] == lab_id), None)
    data = dict(lab["data"])
    if vendor is not None:
        data.update({k: v for k, v in vendor["data"].items() if k not in ("name",)})
    files = [lab["file"]] + ([vendor["file"]] if vendor else [])
    record = _record(lab_provider, lab_id, slugify(lab_id), data, entries, files, snapshot)
    record.fields.update(_lab_facts(lab["data"]))
    if vendor is None:
        record.fields.pop("pricing", None)
    return record


def _own_record(entry: dict[str, Any], snapshot: dict[str, Any]) -> Record:
    slug = slugify(f"{entry['provider']}/{entry['id']}")
    return _record(entry["provider"], entry["id"], slug, entry["data"], [entry], [entry["file"]], snapshot)


def _record(provider: str, model_id: str, slug: str, data: dict[str, Any], entries: list[dict[str, Any]],
            files: list[str], snapshot: dict[str, Any]) -> Record:
    name = snapshot["source"]["name"]
    fields = model_fields(data)
    fields["availability"] = [availability_row(e["provider"], e["id"], e["data"]) for e in entries]
    dates = [d for e in entries for d in (e["data"].get("last_updated"), e["data"].get("release_date")) if d]
    dates += [d for d in (data.get("last_updated"), data.get("release_date")) if d]
    fields["data_updated"] = max(dates) if dates else snapshot["source"]["checked"]
    record = Record(provider, model_id, slug, fields, files, {(provider, model_id)} |
                    {(e["provider"], e["id"]) for e in entries})
    record.sources[name] = _source(snapshot, files[-1])
    if "pricing" in fields:  # a price block always names where it comes from (never called official here)
        fields["pricing"]["source"] = dict(record.sources[name])
    for key in fields:
        if key not in ("data_updated",):
            record.provenance[key] = name
    limit = data.get("limit") or {}
    record.claim("limits.context_window", f"{name} ({provider})", limit.get("context"))
    record.claim("limits.max_output", f"{name} ({provider})", limit.get("output"))
    record.claim("knowledge_cutoff", f"{name} ({provider})", data.get("knowledge"))
    if "pricing" in fields:
        for price_field in ("input", "output", "cache_read", "cache_write"):
            record.claim(f"pricing.{price_field}", f"{name} ({provider})", fields["pricing"].get(price_field))
        record.claim("pricing.tiers", f"{name} ({provider})", tier_text(fields["pricing"].get("tiers") or []))
    for e in entries:
        if e["provider"] != provider and e["data"].get("knowledge"):
            record.claim("knowledge_cutoff", f"{name} ({e['provider']})", e["data"]["knowledge"])
    return record


def model_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Content fields from one resolved models.dev entry; absent facts stay absent (unknown)."""
    out: dict[str, Any] = {}
    if data.get("name"):
        out["title"] = " ".join(str(data["name"]).split())
    if data.get("family"):
        out["family"] = str(data["family"])
    for theirs, ours in (("release_date", "release_date"), ("knowledge", "knowledge_cutoff")):
        if data.get(theirs):
            out[ours] = data[theirs]
    if data.get("status") in STATUS:
        out["status"] = STATUS[data["status"]]
    limit = data.get("limit") or {}
    limits = {ours: limit[theirs] for theirs, ours in (("context", "context_window"), ("input", "max_input"),
                                                       ("output", "max_output")) if limit.get(theirs)}
    if limits:
        out["limits"] = limits
    modalities = data.get("modalities") or {}
    if modalities:
        out["modalities"] = {side: modalities[side] for side in ("input", "output") if side in modalities}
    capabilities = {}
    for theirs, ours in (("tool_call", "tool_use"), ("structured_output", "structured_output"),
                         ("reasoning", "reasoning")):
        if isinstance(data.get(theirs), bool):
            capabilities[ours] = "yes" if data[theirs] else "no"
    if "input" in modalities:
        capabilities["vision"] = "yes" if "image" in modalities["input"] else "no"
    cost = data.get("cost") or {}
    if cost.get("cache_read") is not None or cost.get("cache_write") is not None:
        capabilities["prompt_caching"] = "yes"
    if capabilities:
        out["capabilities"] = capabilities
    if cost:
        out["pricing"] = pricing(cost)
    if isinstance(data.get("open_weights"), bool):
        out["open_weights"] = data["open_weights"]
    extra = {k: data[k] for k in ("attachment", "temperature", "interleaved") if k in data}
    if extra:
        out["extra"] = {"models_dev": extra}
    return out


def pricing(cost: dict[str, Any]) -> dict[str, Any]:
    out = {k: cost[k] for k in PRICE_FIELDS if cost.get(k) is not None}
    if cost.get("tiers"):
        out["tiers"] = [{k: v for k, v in tier.items() if v is not None} for tier in cost["tiers"]]
    return out


def availability_row(provider: str, model_id: str, data: dict[str, Any]) -> dict[str, Any]:
    limit = data.get("limit") or {}
    row: dict[str, Any] = {"provider": provider, "model_id": model_id}
    if limit.get("context"):
        row["context_window"] = limit["context"]
    if limit.get("output"):
        row["max_output"] = limit["output"]
    if data.get("cost"):
        row["pricing"] = pricing(data["cost"])
    return row


def _lab_facts(lab: dict[str, Any]) -> dict[str, Any]:
    """Benchmarks, licence, links and weights: facts of the lab model, never inherited by providers."""
    out: dict[str, Any] = {}
    benchmarks = []
    for bench in lab.get("benchmarks") or []:
        if not isinstance(bench, dict) or bench.get("name") is None or not isinstance(bench.get("score"), (int, float)):
            continue
        row = {"name": str(bench["name"]), "score": float(bench["score"])}
        for theirs, ours in (("metric", "metric"), ("date", "date"), ("source", "source_url"),
                             ("variant", "variant"), ("dataset", "dataset"), ("harness", "harness"),
                             ("version", "version")):
            if bench.get(theirs) not in (None, ""):
                row[ours] = str(bench[theirs])
        benchmarks.append(row)
    if benchmarks:
        out["benchmarks"] = benchmarks
    if lab.get("license"):
        out["license"] = str(lab["license"])
    links = [{"title": str(link.get("label") or link.get("type") or "Link"), "url": link["url"]}
             for link in lab.get("links") or [] if isinstance(link, dict) and link.get("url")]
    links += [{"title": f"Weights: {link.get('label') or 'download'}", "url": link["url"]}
              for link in lab.get("weights") or [] if isinstance(link, dict) and link.get("url")]
    if links:
        out["links"] = links
    return out


def tier_text(tiers: list[dict[str, Any]]) -> str:
    """A comparable description of a tier list: 'above 200000: input 6, output 22.5' or 'none'."""
    if not tiers:
        return "none"
    parts = []
    for tier in tiers:
        prices = ", ".join(f"{k} {tier[k]:g}" for k in ("input", "output") if tier.get(k) is not None)
        parts.append(f"above {tier['above']:,} tokens: {prices}")
    return "; ".join(parts)
