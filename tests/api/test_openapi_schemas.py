"""The OpenAPI document describes each answer with that answer's own schema.

The document names each schema by its class: two classes of one name (a service request's
``EventOut`` and a credit event's) became one component, and every answer of the one was
checked against the other's fields. And pydantic documents a ``time`` as ``format: time``,
RFC 3339's full-time with an offset, which the API's times of day never have.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from typing import Any

from django.test import Client
from pydantic import BaseModel

from gridcrm.api import api


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models_in(field.annotation)
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _api_models() -> Iterator[type[BaseModel]]:
    """Every model an operation reads or answers, nested ones included."""
    for _prefix, router in api._routers:
        for view in router.path_operations.values():
            for operation in view.operations:
                for model in operation.models:
                    yield from _models_in(model)
                for model in operation.response_models.values():
                    if isinstance(model, type) and issubclass(model, BaseModel):
                        yield from _models_in(model.model_fields["response"].annotation)


def test_no_two_schemas_of_the_api_share_a_name() -> None:
    # Ninja's own parameter and response wrappers are made per operation and never
    # become components; ours (and pydantic's) do, under their class name.
    by_name: dict[str, set[str]] = {}
    for model in _api_models():
        if model.__module__.startswith("gridcrm."):
            by_name.setdefault(model.__name__, set()).add(model.__module__)
    shared = {name: modules for name, modules in by_name.items() if len(modules) > 1}
    assert shared == {}


def _component(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    name = schema["$ref"].rsplit("/", 1)[1]
    return document["components"]["schemas"][name]  # type: ignore[no-any-return]


def test_a_note_on_a_request_is_documented_with_its_own_fields(client: Client, db: None) -> None:
    document = client.get("/api/openapi.json").json()
    note = document["paths"]["/api/service/requests/{pk}/notes"]["post"]
    answer = note["responses"]["201"]["content"]["application/json"]["schema"]
    assert set(_component(document, answer)["properties"]) == {
        "kind",
        "step",
        "text",
        "actor",
        "at",
    }


def _formats(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("format"), str):
            yield node["format"]
        for value in node.values():
            yield from _formats(value)
    elif isinstance(node, list):
        for value in node:
            yield from _formats(value)


def test_times_of_day_are_documented_as_the_api_writes_them(client: Client, db: None) -> None:
    document = client.get("/api/openapi.json").json()
    assert "time" not in set(_formats(document))
    start = document["components"]["schemas"]["ScheduleOut"]["properties"]["start"]
    for written in ("18:00:00", "07:15:00", "23:59:59.500000"):
        assert re.fullmatch(start["pattern"], written), written
    for wrong in ("24:00:00", "18:00:00+08:00", "6pm"):
        assert not re.fullmatch(start["pattern"], wrong), wrong
