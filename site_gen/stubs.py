"""`site-gen new model <provider>/<id>` and `site-gen new provider <id>`: stubs that build as they are."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pydantic import ValidationError

from . import frontmatter
from .catalog import _ID_DATE
from .errors import ContentError, Diagnostic
from .schema import Model, Provider, check_ident, check_slug, slugify

MODEL = """---
# REQUIRED: id, provider and data_updated. Every other field is optional: leave out what you do not
# know, and it is shown as unknown (never as zero). Field reference: README.md, or `site-gen schema`.
id: {id}                      # REQUIRED, never changes once published
provider: {provider}          # REQUIRED, a file in content/providers/
title: {title}                # TODO: the display name the vendor uses
{release}# knowledge_cutoff: YYYY-MM
# limits:
#   context_window: 128000
#   max_output: 16384
# modalities:
#   input: [text, image]
#   output: [text]
# capabilities: {{tool_use: yes, structured_output: yes, reasoning: no, vision: yes}}
# pricing:                    # USD per 1M tokens
#   input: 0.40
#   output: 1.60
#   source: {{name: Vendor pricing page, url: "https://example.com/pricing", checked: {today}, vendor: true}}
# sources:
#   - {{name: Vendor model page, url: "https://example.com/models/{id}", checked: {today}}}
data_updated: {today}         # REQUIRED: the date these facts were last checked
---
TODO: describe {title} in a few sentences: what it is for, and what it is not good at.
"""

PROVIDER = """---
# REQUIRED: id, name and data_updated. Field reference: README.md, or `site-gen schema provider`.
id: {id}                      # REQUIRED, equals this file's name
name: {name}                  # TODO: the name the provider uses for itself
# website: https://example.com/
# docs_url: https://example.com/docs/models
# logo: {id}.svg              # put the file beside this one
data_updated: {today}         # REQUIRED: the date these facts were last checked
---
TODO: describe {name} in a sentence or two.
"""


def _fail(path: str, message: str, hint: str = "") -> ContentError:
    return ContentError(Diagnostic(path, message=message, hint=hint))


def new_file(config, kind: str, ident: str, today: dt.date | None = None) -> Path:
    today = today or dt.date.today()
    model_id = ident.partition("/")[2] if kind == "model" else ident
    try:
        check_ident(model_id or ident)
        check_slug(slugify(model_id) if kind == "model" else ident)
    except ValueError as exc:
        raise _fail(ident, f"invalid id: {exc}", "ids use letters, digits and . _ : @ / + ~ -") from None
    if kind == "provider":
        path = config.content_dir / "providers" / f"{ident}.md"
        text = PROVIDER.format(id=ident, name=_yaml_word(ident), today=today.isoformat())
        schema: type = Provider
    else:
        provider, _, model_id = ident.partition("/")
        if not model_id:
            raise _fail(ident, "expected <provider>/<model-id>", "for example: site-gen new model openai/gpt-4.1")
        if not (config.content_dir / "providers" / f"{provider}.md").is_file():
            raise _fail(ident, f"unknown provider '{provider}'", f"create it first: site-gen new provider {provider}")
        path = config.content_dir / "models" / provider / f"{slugify(model_id)}.md"
        match = _ID_DATE.search(model_id)
        release = (f"release_date: {match.group(1)}-{match.group(2)}-{match.group(3)}  "
                   "# TODO: confirm (taken from the date in the id)\n") if match else "# release_date: YYYY-MM-DD\n"
        text = MODEL.format(id=_yaml_word(model_id), provider=provider, title=_yaml_word(model_id),
                            release=release, today=today.isoformat())
        schema = Model
    shown = path.relative_to(config.root).as_posix() if config.root in path.parents else str(path)
    if path.exists():
        raise _fail(shown, "the file exists already", "edit it, or choose another id")
    for other in sorted(path.parent.glob("*.md")) if kind == "model" else []:
        match = re.search(r"^id:\s*['\"]?([^'\"\s#]+)", other.read_text(encoding="utf-8", errors="replace"), re.M)
        if match and match.group(1).casefold() == model_id.casefold():
            raise _fail(shown, f"id '{model_id}' exists already in {other.name}", "choose another id")
    _check(shown, text, schema, kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _yaml_word(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z][\w.-]*", text) and text.lower() not in ("yes", "no", "true", "false",
                                                                                  "null", "on", "off") \
        else '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(shown: str, text: str, schema: type, kind: str) -> None:
    """The stub must pass the same checks a build makes."""
    source = frontmatter.parse(shown, text.encode())
    try:
        data = schema.model_validate(source.front.data)
        check_slug(slugify(data.id) if kind == "model" else data.id)
    except (ValidationError, ValueError) as exc:  # pragma: no cover - the id was checked above
        raise _fail(shown, str(exc).splitlines()[0]) from None
