"""``site-gen import <source> PATH``: normalise one source, then rebuild every imported page."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .. import frontmatter
from ..config import SiteConfig
from ..errors import Diagnostic, SiteGenError
from ..schema import slugify
from . import canonical, enrich, genai, history, litellm, modelsdev
from .common import Report, dump_json, provenance_of, read_snapshot, snapshot_path, write_if_changed
from .writeback import write_page

SOURCES: dict[str, Any] = {"models-dev": modelsdev, "litellm": litellm, "genai-prices": genai,
                           "models-dev-history": history}
_FILES = {"models-dev": "", "litellm": "model_prices_and_context_window.json",
          "genai-prices": "prices/new_data/v2/data.json", "models-dev-history": "price_history.jsonl"}
_URLS = {"models-dev-history": "https://github.com/anomalyco/models.dev/commits/dev"}


@dataclass
class ImportResult:
    report: Report
    counts: dict[str, int] = field(default_factory=dict)


def run_import(config: SiteConfig, source: str, path: Path, checked: str | None = None,
               progress: bool | None = None) -> ImportResult:
    module = SOURCES[source]
    if not path.exists():
        raise SiteGenError(Diagnostic(str(path), message="no such file or folder",
                                      hint=f"pass the {module.NAME} data to import"))
    report = Report()
    body = module.normalise(path, report)
    date, commit = provenance_of(path)
    checked = checked or date
    if checked is None:
        raise SiteGenError(Diagnostic(str(path), field="--checked",
                                      message="the date this data was read is unknown",
                                      hint="pass --checked YYYY-MM-DD (no PROVENANCE.md with a date beside it)"))
    info = {"name": module.NAME, "url": _URLS.get(source, getattr(module, "REPO_URL", "")), "checked": checked,
            "revision": commit, "file": _FILES[source]}
    write_if_changed(snapshot_path(config.content_dir, source), dump_json({"source": info, **body}))
    if source == "models-dev":
        _copy_logos(path, config.content_dir, body)
    result = merge_all(config, report, progress)
    return result


def _copy_logos(root: Path, content_dir: Path, body: dict[str, Any]) -> None:
    for pid, info in body["providers"].items():
        if info["logo"]:
            logo = (root / "providers" / pid / "logo.svg").read_bytes()
            write_if_changed(content_dir / "providers" / f"{pid}.svg", logo)
    for lab in body["lab_logos"]:
        if lab not in body["providers"]:
            write_if_changed(content_dir / "providers" / f"{lab}.svg", (root / "labs" / lab / "logo.svg").read_bytes())


def merge_all(config: SiteConfig, report: Report, progress: bool | None = None) -> ImportResult:
    content = config.content_dir
    snaps = {name: read_snapshot(content, name) for name in SOURCES}
    main = snaps["models-dev"]
    records = canonical.group(main) if main else {}
    if snaps["litellm"]:
        enrich.apply_litellm(records, snaps["litellm"])
    if snaps["genai-prices"]:
        enrich.apply_genai(records, snaps["genai-prices"])
    if snaps["models-dev-history"]:
        enrich.apply_history(records, snaps["models-dev-history"])
    providers = _providers(records, snaps)
    provider_ids = set(providers) | {p.stem for p in (content / "providers").glob("*.md")}
    counts = {"written": 0, "unchanged": 0, "rejected": 0}
    for pid, front in sorted(providers.items()):
        path = content / "providers" / f"{pid}.md"
        counts[write_page(path, _shown(path, config), front, "provider", provider_ids, report,
                          front["extra"]["upstream_file"])] += 0  # providers counted apart
    written: set[Path] = set()
    bar = tqdm(sorted(records.values(), key=lambda r: (r.provider, r.slug)), desc="import", unit="page",
               disable=not (sys.stderr.isatty() if progress is None else progress), leave=False)
    for record in bar:
        path = content / "models" / record.provider / f"{record.slug}.md"
        written.add(path)
        counts[write_page(path, _shown(path, config), _model_front(record), "model", provider_ids, report,
                          record.files[0])] += 1
    counts["removed_upstream"] = _mark_removed(config, written, snaps, records, report)
    counts["models"] = len(records)
    counts["providers"] = len(providers)
    report.counts = counts
    return ImportResult(report, counts)


def _shown(path: Path, config: SiteConfig) -> str:
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return path.as_posix()


def _model_front(record: canonical.Record) -> dict[str, Any]:
    fields = dict(record.fields)
    extra = dict(fields.pop("extra", {}) or {})
    extra["upstream_files"] = record.files
    front: dict[str, Any] = {"id": record.id, "provider": record.provider, **fields}
    if record.slug != slugify(record.id):
        front["slug"] = record.slug
    history_points = _history(record.history)
    if history_points:
        front["price_history"] = history_points
    front["sources"] = [record.sources[k] for k in sorted(record.sources)]
    front["provenance"] = dict(sorted(record.provenance.items()))
    front["discrepancies"] = enrich.discrepancies(record)
    front["extra"] = extra
    return front


def _history(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for point in sorted(points, key=lambda p: (p["date"], p["source"]["name"])):
        if point not in out:
            out.append(point)
    return out


def _providers(records: dict[tuple[str, str], canonical.Record], snaps: dict[str, Any]) -> dict[str, Any]:
    """Provider pages: models.dev's provider.toml, then labs, then names other sources use."""
    out: dict[str, Any] = {}
    main = snaps["models-dev"]
    if main:
        source = main["source"]
        for pid, info in main["providers"].items():
            url = f"{source['url']}/blob/{source['revision']}/{info['file']}" if source.get("revision") \
                else source["url"]
            front: dict[str, Any] = {"id": pid, "name": info["name"] or pid, "docs_url": info.get("doc"),
                                     "sources": [{"name": source["name"], "url": url, "checked": source["checked"]}],
                                     "data_updated": source["checked"],
                                     "extra": {"npm": info.get("npm"), "env": info.get("env"), "api": info.get("api"),
                                               "upstream_file": info["file"]}}
            if info["logo"]:
                front["logo"] = f"{pid}.svg"
            out[pid] = front
        for lab in main["lab_logos"]:
            out.setdefault(lab, _bare_provider(lab, lab, source, f"labs/{lab}", logo=True))
    names = {}
    if snaps["genai-prices"]:
        names.update({p["provider"]: (p["name"], snaps["genai-prices"]["source"])
                      for p in snaps["genai-prices"]["providers"].values()})
    if snaps["litellm"]:
        for model in snaps["litellm"]["models"].values():
            names.setdefault(model["provider"], (model["litellm_provider"], snaps["litellm"]["source"]))
    for record in records.values():
        for pid in {record.provider} | {row["provider"] for row in record.fields.get("availability", [])}:
            if pid not in out:
                name, source = names.get(pid, (pid, (main or {}).get("source")))
                out[pid] = _bare_provider(pid, name or pid, source, source.get("file") or pid, logo=False)
    return out


def _bare_provider(pid: str, name: str, source: dict[str, Any], file: str, logo: bool) -> dict[str, Any]:
    """A provider known only by id or by another source's name for it (nothing invented)."""
    front: dict[str, Any] = {"id": pid, "name": name,
                             "sources": [{"name": source["name"], "url": source["url"], "checked": source["checked"]}],
                             "data_updated": source["checked"], "extra": {"upstream_file": file}}
    if logo:
        front["logo"] = f"{pid}.svg"
    return front


def _mark_removed(config: SiteConfig, written: set[Path], snaps: dict[str, Any],
                  records: dict[tuple[str, str], canonical.Record], report: Report) -> int:
    """Imported pages whose model vanished upstream are marked, never deleted.

    A page whose model is now held by another page (a source imported later
    showed it to be a provider's copy of a lab model) was merged, not removed:
    its file goes, and the report says where its data went.
    """
    holders = enrich.index(records)
    main = snaps["models-dev"]
    if not main:
        return 0
    rejected = set(main.get("rejected", [])) | set((snaps.get("litellm") or {}).get("rejected", []))
    today = main["source"]["checked"]
    count = 0
    for path in sorted((config.content_dir / "models").glob("*/*.md")):
        if path in written:
            continue
        try:
            source = frontmatter.parse(str(path), path.read_bytes())
        except frontmatter.FrontMatterError:
            continue
        data = source.front.data
        if not data.get("provenance") or f"{data.get('provider')}/{data.get('id')}" in rejected:
            continue
        holder = holders.get(enrich.fold((str(data.get("provider")), str(data.get("id")))))
        if holder is not None and not data.get("overrides") and not source.body.strip():
            path.unlink()
            report.note(_shown(path, config), "id", f"merged into content/models/{holder.provider}/{holder.slug}.md")
            continue
        count += 1
        report.note(_shown(path, config), "upstream_removed", "no longer in any upstream source; page kept")
        if data.get("upstream_removed"):
            continue
        text = path.read_bytes().decode("utf-8")
        marker = "upstream_removed: '" + today + "'\n"
        text = text.replace("\ndata_updated:", "\n" + marker + "data_updated:", 1)
        write_if_changed(path, text.encode("utf-8"))
    return count


__all__ = ["ImportResult", "merge_all", "run_import"]
