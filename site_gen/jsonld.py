"""schema.org structured data: one JSON-LD graph per HTML page.

schema.org has no type for an AI model, so a model page is a WebPage with a
BreadcrumbList and a SoftwareApplication that carries one Offer per known
price, priced per 1M tokens (unitText "1M tokens").  The JSON is made safe
for a <script> element by escaping '<', '>' and '&' as \\u escapes, so no
field can close the element or open a comment (bad-inputs #38).
"""

from __future__ import annotations

import json
from typing import Any

from . import formats
from .schema import Model, Provider


def script_json(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def graph(page: Any, site: Any) -> str:
    url = page.urls.canonical_url if page.urls else site.home_url
    nodes: list[dict[str, Any]] = [{
        "@type": "WebPage", "@id": url, "url": url, "name": page.title, "description": page.description,
        "isPartOf": {"@type": "WebSite", "name": site.name, "url": site.home_url},
        "dateModified": formats.date(page.data_updated) if page.data_updated else None,
    }]
    crumbs = getattr(page, "breadcrumb_urls", None) or []
    if crumbs:
        nodes.append({"@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": link} for i, (name, link) in
            enumerate(crumbs, start=1)]})
    data = getattr(page, "data", None)
    if isinstance(data, Model):
        nodes.append(_model(page, data, url))
    elif isinstance(data, Provider):
        nodes.append({"@type": "Organization", "name": data.name, "url": data.website or url,
                      **({"sameAs": [data.docs_url]} if data.docs_url else {})})
    nodes[0] = {k: v for k, v in nodes[0].items() if v is not None}
    return script_json({"@context": "https://schema.org", "@graph": nodes})


def _model(page: Any, model: Model, url: str) -> dict[str, Any]:
    app: dict[str, Any] = {"@type": "SoftwareApplication", "@id": url + "#model", "name": page.title,
                           "applicationCategory": "AI model", "identifier": model.id,
                           "description": page.description}
    if page.provider is not None:
        app["publisher"] = {"@type": "Organization", "name": page.provider.name}
    if model.release_date:
        app["datePublished"] = model.release_date.isoformat()
    offers = []
    if model.pricing is not None:
        for field, label in formats.PRICE_NAMES.items():
            value = getattr(model.pricing, field)
            if value is not None:
                offers.append({"@type": "Offer", "name": f"{label} tokens", "price": value, "priceCurrency": "USD",
                               "priceSpecification": {"@type": "UnitPriceSpecification", "price": value,
                                                      "priceCurrency": "USD", "referenceQuantity": {
                                                          "@type": "QuantitativeValue", "value": 1000000,
                                                          "unitText": "tokens"}, "unitText": "1M tokens"}})
    if offers:
        app["offers"] = offers
    return app
