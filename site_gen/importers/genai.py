"""Normalise pydantic's genai-prices database.

Current prices come from the published v2 feed (``prices/new_data/v2/data.json``);
dated price changes (``constraint: {start_date}``) come from the provider
YAML files (``prices/providers/*.yml``), which the feed does not carry.  A
price is a number or ``{base, tiers: [{start, price}]}``.  ``match`` rules
(equals, starts_with, ends_with, contains, regex, and/or) say which model ids
a price applies to.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from .common import BadValue, Report, iso_date, price, tokens

NAME = "genai-prices"
REPO_URL = "https://github.com/pydantic/genai-prices"
PRICE_KEYS = {"input_mtok": "input", "output_mtok": "output", "cache_read_mtok": "cache_read",
              "cache_write_mtok": "cache_write", "input_audio_mtok": "input_audio",
              "output_audio_mtok": "output_audio"}
PROVIDERS = {"x_ai": "xai", "aws": "amazon-bedrock", "fireworks": "fireworks-ai", "together": "togetherai",
             "novita": "novita-ai"}


def provider_id(genai_id: str) -> str:
    if genai_id.startswith("huggingface_"):
        return "huggingface"
    return PROVIDERS.get(genai_id, genai_id)


def matches(rule: Any, model_id: str) -> bool:
    """Evaluate a genai-prices match clause against an id (ids compared in lower case, as genai-prices does)."""
    model_id = model_id.lower()
    if not isinstance(rule, dict):
        return False
    if "or" in rule:
        return any(matches(r, model_id) for r in rule["or"])
    if "and" in rule:
        return all(matches(r, model_id) for r in rule["and"])
    if "equals" in rule:
        return model_id == str(rule["equals"]).lower()
    if "starts_with" in rule:
        return model_id.startswith(str(rule["starts_with"]).lower())
    if "ends_with" in rule:
        return model_id.endswith(str(rule["ends_with"]).lower())
    if "contains" in rule:
        return str(rule["contains"]).lower() in model_id
    if "regex" in rule:
        try:
            return re.search(rule["regex"], model_id) is not None
        except re.error:
            return False
    return False


def normalise(root: Path, report: Report) -> dict[str, Any]:
    feed = root / "prices" / "new_data" / "v2" / "data.json"
    try:
        providers = json.loads(feed.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.reject("prices/new_data/v2/data.json", "-", f"malformed JSON: {exc}")
        return {"providers": {}, "rejected": []}
    history = _history(root, report)
    out: dict[str, Any] = {}
    rejected = []
    for i, provider in enumerate(providers):
        pid = provider.get("id")
        urls = provider.get("pricing_urls") or []
        models = []
        for j, model in enumerate(provider.get("models") or []):
            key = f"[{i}].models[{j}]"
            try:
                current = _prices(_current(model.get("prices")), f"{key}.prices")
                models.append({
                    "id": model["id"], "name": model.get("name"), "match": model.get("match"),
                    "context_window": tokens(model.get("context_window"), f"{key}.context_window"),
                    "prices": current, "checked": iso_date(model.get("prices_checked")),
                    "deprecated": bool(model.get("deprecated")),
                    "history": history.get((pid, model["id"]), []),
                })
            except BadValue as bad:
                report.reject("prices/new_data/v2/data.json", f"{pid}.{model.get('id')}.{bad.key}", str(bad))
                rejected.append(f"{pid}/{model.get('id')}")
            except KeyError as missing:
                report.reject("prices/new_data/v2/data.json", f"{key}.{missing.args[0]}", "missing field")
        out[pid] = {"name": provider.get("name"), "pricing_url": urls[0] if urls else None,
                    "provider": provider_id(pid), "models": models}
    return {"providers": out, "rejected": sorted(rejected)}


def _current(prices: Any) -> Any:
    """The feed's price block; where it is a dated list, the latest one."""
    if isinstance(prices, list):
        dated = sorted(prices, key=lambda block: str((block.get("constraint") or {}).get("start_date") or ""))
        return dated[-1].get("prices") if dated else {}
    return prices


def _prices(block: Any, key: str) -> dict[str, Any]:
    if not isinstance(block, dict):
        raise BadValue(key, f"expected a table of prices, found {block!r}")
    out: dict[str, Any] = {}
    tiers: dict[int, dict[str, Any]] = {}
    for theirs, ours in PRICE_KEYS.items():
        value = block.get(theirs)
        if isinstance(value, dict):
            out[ours] = price(value.get("base"), f"{key}.{theirs}.base")
            for t, tier in enumerate(value.get("tiers") or []):
                above = tokens(tier.get("start"), f"{key}.{theirs}.tiers[{t}].start")
                tiers.setdefault(above, {"above": above})[ours] = price(tier.get("price"),
                                                                         f"{key}.{theirs}.tiers[{t}].price")
        elif value is not None:
            out[ours] = price(value, f"{key}.{theirs}")
    out["tiers"] = [tiers[a] for a in sorted(tiers)]
    return out


def _history(root: Path, report: Report) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Dated price blocks from the provider YAML files: {(provider, model): [{date, prices}]}."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    folder = root / "prices" / "providers"
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        rel = path.relative_to(root).as_posix()
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (OSError, yaml.YAMLError) as exc:
            report.reject(rel, "-", f"malformed YAML: {str(exc).splitlines()[0]}")
            continue
        for model in (data or {}).get("models") or []:
            blocks = model.get("prices")
            if not isinstance(blocks, list):
                continue
            points = []
            for n, block in enumerate(blocks):
                start = iso_date((block.get("constraint") or {}).get("start_date"))
                try:
                    prices = _prices(block.get("prices"), f"{model.get('id')}.prices[{n}]")
                except BadValue as bad:
                    report.reject(rel, bad.key, str(bad))
                    continue
                points.append({"date": start, "prices": prices})
            out[(data.get("id"), model.get("id"))] = points
    return out
