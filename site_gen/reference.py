"""The content reference: one table row per front-matter field, from the schema.

The README's field tables are this module's output (``site-gen schema
--markdown``); a test fails when the two drift apart.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .schema import Model, Provider, field_doc


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " or ".join(names) + (" or null" if type(None) in args else "")
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return "mapping"
    if origin is typing.Literal:
        return " / ".join(f"`{a}`" for a in args)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    return {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "date": "date"}.get(
        getattr(annotation, "__name__", str(annotation)), str(annotation))


def _nested(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _nested(arg)
        if found:
            return found
    return None


def rows(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(field path, type, required or default, description) for every field, nested ones included."""
    out = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        doc = info.description or field_doc(model, name) or ""
        out.append((path, _type_name(info.annotation), _requirement(info), doc.strip()))
        nested = _nested(info.annotation)
        if nested is not None:
            is_list = "list of" in _type_name(info.annotation)
            out.extend(rows(nested, f"{path}[]." if is_list else f"{path}."))
    return out


def _requirement(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    default = info.get_default(call_default_factory=True)
    if default in (None, [], {}) or isinstance(default, BaseModel):
        return "optional"
    return f"default `{default}`"


def markdown() -> str:
    parts = []
    for title, model in (("Model files: `content/models/<provider>/<model>.md`", Model),
                         ("Provider files: `content/providers/<provider>.md`", Provider)):
        parts.append(f"### {title}\n\n| Field | Type | Required | Meaning |\n| --- | --- | --- | --- |")
        for path, kind, req, doc in rows(model):
            parts.append(f"| `{path}` | {kind} | {req} | {doc.replace('|', '/')} |")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"
