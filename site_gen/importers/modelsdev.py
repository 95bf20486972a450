"""Normalise a models.dev checkout (providers/, models/, labs/) into a snapshot.

* ``providers/<pid>/provider.toml`` and its ``logo.svg``: provider pages.
* ``providers/<pid>/models/<id>.toml``: one entry per provider and model
  (the id is the path under ``models/`` and may hold ``/``).  An entry with
  ``base_model = "<lab>/<id>"`` inherits every field of
  ``models/<lab>/<id>.toml``; its own values win, key by key inside tables,
  and ``base_model_omit`` removes inherited fields.  Benchmarks, licence,
  links and weights are not inherited: they stay with the lab model.
* Files without ``.toml`` are skipped, as upstream's own build does.
"""

from __future__ import annotations

import copy
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from .common import BadValue, Report, iso_date, price, tokens

NAME = "models.dev"
REPO_URL = "https://github.com/anomalyco/models.dev"

ENTRY_KEYS = {"name", "family", "attachment", "reasoning", "tool_call", "structured_output", "temperature",
              "knowledge", "release_date", "last_updated", "open_weights", "status", "interleaved",
              "reasoning_options", "limit", "modalities", "cost", "experimental", "provider", "base_model",
              "base_model_omit"}
LAB_ONLY_KEYS = {"benchmarks", "license", "links", "weights"}
COST_KEYS = {"input", "output", "cache_read", "cache_write", "reasoning", "input_audio", "output_audio", "tiers"}
LIMIT_KEYS = {"context", "input", "output"}
MODALITIES = {"text", "image", "audio", "video", "pdf"}
PROVIDER_KEYS = {"name", "env", "npm", "doc", "api"}


def _load(path: Path, root: Path, report: Report) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        report.reject(path.relative_to(root).as_posix(), "-", f"malformed TOML: {exc}")
    except OSError as exc:
        report.reject(path.relative_to(root).as_posix(), "-", f"cannot read: {exc.strerror}")
    return None


def normalise(root: Path, report: Report) -> dict[str, Any]:
    """Read the tree under ``root``; returns the snapshot body (providers, labs, entries)."""
    labs = _labs(root, report)
    providers: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    rejected: list[str] = []
    for pid in sorted(os.listdir(root / "providers")):
        folder = root / "providers" / pid
        if not (folder / "provider.toml").is_file():
            continue
        info = _load(folder / "provider.toml", root, report)
        if info is None:
            continue
        for key in sorted(set(info) - PROVIDER_KEYS):
            report.note(f"providers/{pid}/provider.toml", key, "unknown field, ignored")
        providers[pid] = {"name": info.get("name"), "doc": info.get("doc"), "api": info.get("api"),
                          "npm": info.get("npm"), "env": info.get("env") or [],
                          "logo": (folder / "logo.svg").is_file(),
                          "file": f"providers/{pid}/provider.toml"}
        for path in _model_files(folder / "models"):
            model_id = path.relative_to(folder / "models").as_posix().removesuffix(".toml")
            rel = path.relative_to(root).as_posix()
            raw = _load(path, root, report)
            if raw is None:
                rejected.append(f"{pid}/{model_id}")
                continue
            entry = _entry(pid, model_id, rel, raw, labs, report)
            if entry is None:
                rejected.append(f"{pid}/{model_id}")
            else:
                entries.append(entry)
    return {"providers": providers, "labs": {k: v for k, v in sorted(labs.items()) if v is not None},
            "entries": entries, "rejected": sorted(rejected),
            "lab_logos": sorted(p.name for p in (root / "labs").iterdir() if (p / "logo.svg").is_file())
            if (root / "labs").is_dir() else []}


def _model_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        found += [Path(dirpath) / f for f in sorted(filenames) if f.endswith(".toml")]
    return found


def _labs(root: Path, report: Report) -> dict[str, Any]:
    labs: dict[str, Any] = {}
    for path in _model_files(root / "models"):
        key = path.relative_to(root / "models").as_posix().removesuffix(".toml")
        raw = _load(path, root, report)
        if raw is None:
            labs[key] = None
            continue
        rel = path.relative_to(root).as_posix()
        try:
            labs[key] = {"file": rel, "data": _clean(raw, rel, report, lab=True)}
        except BadValue as bad:
            report.reject(rel, bad.key, str(bad))
            labs[key] = None
    return labs


def _entry(pid: str, model_id: str, rel: str, raw: dict[str, Any], labs: dict[str, Any],
           report: Report) -> dict[str, Any] | None:
    base_key = raw.get("base_model")
    data = dict(raw)
    if base_key is not None:
        lab = labs.get(base_key) if isinstance(base_key, str) else None
        if lab is None:
            report.reject(rel, "base_model", f"base model {base_key!r} not found under models/")
            return None
        inherited = {k: v for k, v in copy.deepcopy(lab["data"]).items() if k not in LAB_ONLY_KEYS}
        for dotted in raw.get("base_model_omit") or []:
            _omit(inherited, str(dotted))
        data = _deep_merge(inherited, {k: v for k, v in raw.items() if k not in ("base_model", "base_model_omit")})
    try:
        clean = _clean(data, rel, report, lab=False)
    except BadValue as bad:
        report.reject(rel, bad.key, str(bad))
        return None
    return {"provider": pid, "id": model_id, "file": rel, "base_model": base_key, "data": clean}


def _omit(data: dict[str, Any], dotted: str) -> None:
    parts = dotted.split(".")
    for part in parts[:-1]:
        data = data.get(part) if isinstance(data.get(part), dict) else {}
    data.pop(parts[-1], None)


def _deep_merge(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in own.items():
        out[key] = _deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) \
            else value
    return out


def _clean(raw: dict[str, Any], rel: str, report: Report, lab: bool) -> dict[str, Any]:
    """Check types and units of one entry; unknown keys are noted, bad values raise BadValue."""
    allowed = ENTRY_KEYS | (LAB_ONLY_KEYS if lab else set())
    for key in sorted(set(raw) - allowed):
        report.note(rel, key, "unknown field, ignored")
    out: dict[str, Any] = {k: v for k, v in raw.items() if k in allowed and k not in ("limit", "cost", "modalities")}
    limit = raw.get("limit") or {}
    for key in sorted(set(limit) - LIMIT_KEYS):
        report.note(rel, f"limit.{key}", "unknown field, ignored")
    for key in sorted(LIMIT_KEYS):
        if limit.get(key) == 0:  # upstream writes 0 for "not applicable" (image models): unknown, not zero
            report.note(rel, f"limit.{key}", "0 tokens read as unknown")
    out["limit"] = {k: tokens(limit.get(k), f"limit.{k}") for k in sorted(LIMIT_KEYS) if limit.get(k)}
    context, output = out["limit"].get("context"), out["limit"].get("output")
    if context is not None and output is not None and output > context:
        raise BadValue("limit.output", f"max output {output:,} is above the context window {context:,}")
    out["modalities"] = _modalities(raw.get("modalities") or {}, rel, report)
    if "cost" in raw:
        out["cost"] = _cost(raw["cost"], rel, report, out["limit"].get("context"))
    for key in ("release_date", "last_updated"):
        if key in raw:
            out[key] = iso_date(raw[key])
            if out[key] is None:
                report.note(rel, key, f"not a YYYY-MM-DD date: {raw[key]!r}; left unknown")
    if "knowledge" in raw:
        out["knowledge"] = _month(raw["knowledge"], rel, report)
    return out


def _month(value: Any, rel: str, report: Report) -> str | None:
    text = iso_date(value) or (str(value) if value is not None else None)
    if text and (iso_date(text) or re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text)):
        return text
    report.note(rel, "knowledge", f"not a YYYY-MM or YYYY-MM-DD cutoff: {value!r}; left unknown")
    return None


def _modalities(value: dict[str, Any], rel: str, report: Report) -> dict[str, list[str]]:
    out = {}
    for side in ("input", "output"):
        if side not in value:
            continue
        items = value[side]
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise BadValue(f"modalities.{side}", f"expected a list of names, found {items!r}")
        unknown = sorted(set(items) - MODALITIES)
        if unknown:
            report.note(rel, f"modalities.{side}", f"unknown modality {', '.join(unknown)}, ignored")
        out[side] = [i for i in items if i in MODALITIES]
    return out


def _cost(cost: Any, rel: str, report: Report, context: int | None) -> dict[str, Any]:
    if not isinstance(cost, dict):
        raise BadValue("cost", f"expected a table of prices, found {cost!r}")
    for key in sorted(set(cost) - COST_KEYS - {"context_over_200k"}):
        report.note(rel, f"cost.{key}", "unknown field, ignored")
    out: dict[str, Any] = {k: price(cost[k], f"cost.{k}") for k in sorted(COST_KEYS - {"tiers"}) if k in cost}
    tiers = []
    for i, tier in enumerate(cost.get("tiers") or []):
        key = f"cost.tiers[{i}]"
        size = (tier.get("tier") or {}).get("size") if isinstance(tier, dict) else None
        kind = (tier.get("tier") or {}).get("type", "context") if isinstance(tier, dict) else None
        if kind != "context":
            raise BadValue(f"{key}.tier.type", f"expected a context tier, found {kind!r}")
        above = tokens(size, f"{key}.tier.size")
        if above is None:
            raise BadValue(f"{key}.tier.size", "a tier needs a size")
        if context is not None and above >= context:
            raise BadValue(f"{key}.tier.size", f"tier at {above:,} tokens is beyond the context limit ({context:,})")
        tiers.append({"above": above, **{k: price(tier[k], f"{key}.{k}") for k in sorted(tier)
                                         if k in COST_KEYS - {"tiers"}}})
    if tiers:
        out["tiers"] = sorted(tiers, key=lambda t: t["above"])
    return out
