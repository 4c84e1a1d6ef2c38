"""/docs "Try it out" fills parameters from the contract; those values must work as they are.

Swagger UI starts each parameter from its first named example, else its `example`, else its
schema's `example` (through `$ref`), else the schema's `default`. A list that a newcomer opens
must then find what the shop has, and a key that makes retries safe must not be shared.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import Api
from tests.contract import SPEC_DICT

CURSOR = "#/components/parameters/Cursor"


def _resolved(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC_DICT
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def prefill(parameter: dict[str, Any]) -> Any:
    """The value Swagger UI puts in a parameter's field before the visitor types anything."""
    parameter = _resolved(parameter)
    if parameter.get("examples"):
        return _resolved(next(iter(parameter["examples"].values())))["value"]
    if "example" in parameter:
        return parameter["example"]
    schema = _resolved(parameter.get("schema", {}))
    return schema.get("example", schema.get("default"))


def _list_operations() -> list[str]:
    """Paths whose GET is a paged list (it takes the shared cursor parameter), with no path id."""
    return sorted(
        path
        for path, item in SPEC_DICT["paths"].items()
        if "{" not in path
        and any(p.get("$ref") == CURSOR for p in item.get("get", {}).get("parameters", []))
    )


def _query(path: str) -> list[tuple[str, str]]:
    query = []
    for parameter in SPEC_DICT["paths"][path]["get"]["parameters"]:
        value = prefill(parameter)
        name = _resolved(parameter)["name"]
        for one in value if isinstance(value, list) else [] if value is None else [value]:
            query.append((name, str(one).lower() if isinstance(one, bool) else str(one)))
    return query


def test_the_ticket_list_prefills_no_filter_that_hides_tickets() -> None:
    assert "/tickets" in _list_operations()
    assert _query("/tickets") == [
        ("unassigned", "false"),
        ("sort", "-created_at"),
        ("page_size", "20"),
    ]


@pytest.mark.parametrize("path", _list_operations())
async def test_each_list_tried_as_prefilled_finds_what_the_shop_has(
    api: Api, admin_token: str, path: str
) -> None:
    operation = SPEC_DICT["paths"]["/tickets/public"]["post"]
    examples = operation["requestBody"]["content"]["application/json"]["examples"]
    request = next(iter(examples.values()))["value"]
    assert (await api.post("/tickets/public", request)).status == 201
    # A shop's subscriptions are made by an admin, not by a request: the shop has one.
    hook = SPEC_DICT["paths"]["/webhooks"]["post"]["requestBody"]["content"]["application/json"]
    assert (await api.post("/webhooks", hook["example"], token=admin_token)).status == 201
    reply = await api.get(path, token=admin_token, params=_query(path))
    assert reply.status == 200
    assert len(reply.body["items"]) == 1


def test_no_visitor_is_handed_a_shared_idempotency_key() -> None:
    keys = [
        parameter
        for item in SPEC_DICT["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if _resolved(parameter)["name"] == "Idempotency-Key"
    ]
    assert keys
    assert [prefill(parameter) for parameter in keys] == [None] * len(keys)
