"""Turn pydantic validation errors into located diagnostics.

The technique is Dagster's: the YAML loader records a position for every
node, and each error's ``loc`` path is mapped back to that node, so a type
error reads ``content/models/openai/gpt-4.1-mini.md:14:3: pricing.input:
expected a number, found string 'free'``.
"""

from __future__ import annotations

import difflib
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Diagnostic, describe
from .yamlsafe import Document, dotted

_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "date_type": "a date as YYYY-MM-DD",
}


def from_validation_error(exc: ValidationError, model: type[BaseModel], path: str,
                          document: Document) -> list[Diagnostic]:
    """One diagnostic per pydantic error, located in the source file."""
    out = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        out.append(_one(error, loc, model, path, document))
    return sorted(set(out))


def _one(error: Any, loc: tuple[Any, ...], model: type[BaseModel], path: str, doc: Document) -> Diagnostic:
    kind = error["type"]
    field = dotted(loc)
    value = error.get("input")
    found = _found(value, doc, loc)
    if kind == "missing":
        pos = doc.pos(loc[:-1])
        hint = "add it to the front matter" if not loc[:-1] else f"add '{loc[-1]}' under '{dotted(loc[:-1])}'"
        return Diagnostic(path, pos.line, pos.col, field, "required field is missing", hint)
    if kind == "extra_forbidden":
        pos = doc.key_positions.get(loc) or doc.pos(loc)
        names = _field_names(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else (
            "allowed here: " + ", ".join(names) if names else "remove it")
        if not close and loc[:-1] == () and "extra" in names:
            hint += "; put free-form data under 'extra'"
        return Diagnostic(path, pos.line, pos.col, field, f"unknown field '{loc[-1]}'", hint)
    pos = doc.pos(loc)
    hint = _hint(kind, value, pos.raw)
    if kind in _EXPECTED:
        return Diagnostic(path, pos.line, pos.col, field, f"expected {_EXPECTED[kind]}, found {found}", hint)
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return Diagnostic(path, pos.line, pos.col, field, f"expected one of {expected}, found {found}", hint)
    if kind == "value_error":
        message = str(error["msg"]).removeprefix("Value error, ")
        return Diagnostic(path, pos.line, pos.col, field, message, hint)
    if kind in ("greater_than", "greater_than_equal", "less_than_equal", "less_than"):
        bound = next(iter(error.get("ctx", {}).values()), "")
        sign = {"greater_than": ">", "greater_than_equal": ">=", "less_than_equal": "<=", "less_than": "<"}[kind]
        return Diagnostic(path, pos.line, pos.col, field, f"expected a number {sign} {bound}, found {found}",
                          hint or ("unknown is written as null, not as a number" if sign.startswith(">") else ""))
    if kind in ("finite_number",):
        return Diagnostic(path, pos.line, pos.col, field, f"expected a finite number, found {found}", hint)
    message = str(error["msg"])
    return Diagnostic(path, pos.line, pos.col, field, f"{message[0].lower()}{message[1:]}, found {found}", hint)


def _found(value: Any, doc: Document, loc: tuple[Any, ...]) -> str:
    raw = doc.positions.get(loc).raw if loc in doc.positions else None
    if raw is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"number {raw}"
    if raw is not None and isinstance(value, bool):
        return f"boolean {raw}"
    return describe(value)


def _hint(kind: str, value: Any, raw: str | None) -> str:
    if kind == "string_type" and raw is not None and not isinstance(value, str):
        return f'quote it: "{raw}" (YAML reads unquoted {raw} as {describe(value).split()[0]})'
    if kind in ("int_type", "float_type") and isinstance(value, str):
        if ":" in value:
            return "write the number as digits only (YAML 1.1 would read 1:20 as 80)"
        if "_" in value or "," in value:
            return "write digits only, without separators"
        return "write a bare number, or null when unknown"
    if kind == "list_type" and isinstance(value, str):
        return f"write a list: [{value}]"
    return ""


def _field_names(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Allowed keys of the (nested) model at ``loc``, for did-you-mean hints."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        cls = _model_class(current)
        if cls is None or part not in cls.model_fields:
            return []
        current = cls.model_fields[part].annotation
    cls = _model_class(current)
    return sorted(cls.model_fields) if cls else []


def _model_class(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_class(arg)
        if found is not None:
            return found
    return None
