"""openapi.yaml is the contract: valid, and exactly the routes the app serves."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from openapi_spec_validator import validate

from crm.app import create_app
from crm.settings import Settings
from tests.contract import SPEC_DICT

METHODS = {"get", "post", "put", "patch", "delete"}


def test_document_is_valid_openapi_3_1() -> None:
    assert SPEC_DICT["openapi"].startswith("3.1")
    validate(SPEC_DICT)


def test_routes_and_documented_operations_match_both_ways(settings: Settings) -> None:
    app = create_app(settings)
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in app.router.routes()
        # The UI's static assets are files, not API operations.
        if route.resource is not None
        and not isinstance(route.resource, web.StaticResource)
        and route.method.lower() in METHODS
    }
    documented = {
        (method, path)
        for path, item in SPEC_DICT["paths"].items()
        for method in item
        if method in METHODS
    }
    assert sorted(served - documented) == [], "served but not in openapi.yaml"
    assert sorted(documented - served) == [], "in openapi.yaml but not served"


def test_every_operation_has_an_id_summary_and_tag() -> None:
    ids = []
    for path, item in SPEC_DICT["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                assert operation.get("summary") and operation.get("tags"), f"{method} {path}"
                ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))


SCHEMA_KEYWORDS = {
    "type", "format", "description", "example", "examples", "enum", "const", "default",
    "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
    "minimum", "maximum", "minLength", "maxLength", "pattern", "minProperties",
    "allOf", "anyOf", "oneOf", "not", "$ref", "title", "nullable", "readOnly", "writeOnly",
}  # fmt: skip


def _schemas(node: object, inside_properties: bool = False) -> list[dict[str, object]]:
    """Every schema object below `node` (the values of `properties` are schemas, not keywords)."""
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        if inside_properties:
            for value in node.values():
                found += _schemas(value)
            return found
        if "type" in node or "$ref" in node or "anyOf" in node or "allOf" in node:
            found.append(node)
        for key, value in node.items():
            found += _schemas(value, inside_properties=key == "properties")
    elif isinstance(node, list):
        for value in node:
            found += _schemas(value)
    return found


def test_schemas_use_only_known_keywords() -> None:
    """A comma in a YAML flow mapping silently makes a new key; this catches such typos."""
    for schema in _schemas(SPEC_DICT["components"]["schemas"]):
        assert set(schema) <= SCHEMA_KEYWORDS, sorted(set(schema) - SCHEMA_KEYWORDS)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in SPEC_DICT["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


# The only operations that never touch the database, so never answer 503.
WITHOUT_DATABASE = {"/", "/healthz", "/openapi.yaml", "/openapi.json", "/docs"}


def _required_statuses(method: str, path: str, operation: dict[str, Any]) -> set[str]:
    """The error statuses every operation of this shape can return, so the document must say so."""
    needed = set()
    if operation.get("security", SPEC_DICT["security"]):
        needed.add("401")
    if "requestBody" in operation:
        needed |= {"400", "408", "413", "415", "422"}
    if path not in WITHOUT_DATABASE and not path.startswith("/ui"):
        needed.add("503")
    parameters = [p.get("$ref", p.get("name")) for p in operation.get("parameters", [])]
    if "#/components/parameters/Cursor" in parameters:
        needed |= {"400", "422"}
    if "{" in path:
        needed.add("404")
    return needed


def test_every_operation_documents_the_errors_its_shape_can_produce() -> None:
    missing = {}
    for method, path, operation in _operations():
        lacking = _required_statuses(method, path, operation) - set(operation["responses"])
        if lacking:
            missing[f"{method.upper()} {path}"] = sorted(lacking)
    assert missing == {}


def test_every_json_success_response_has_an_example() -> None:
    missing = []
    for method, path, operation in _operations():
        for status, response in operation["responses"].items():
            content = response.get("content", {}).get("application/json")
            documented = content and ("example" in content or "examples" in content)
            if status.startswith("2") and content and not documented and "/openapi" not in path:
                missing.append(f"{method.upper()} {path} {status}")
    assert missing == []
