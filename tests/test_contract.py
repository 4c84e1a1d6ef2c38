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
    "allOf", "anyOf", "oneOf", "$ref", "title", "nullable", "readOnly", "writeOnly",
}  # fmt: skip
# Keywords whose value is one schema, a list of schemas, or a map of names to schemas.
ONE_SCHEMA = {
    "items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "contentSchema",
}  # fmt: skip
SCHEMA_LIST = {"allOf", "anyOf", "oneOf", "prefixItems"}
SCHEMA_MAP = {"properties", "patternProperties", "$defs", "dependentSchemas"}


def _pointer(key: object) -> str:
    """One JSON Pointer step (RFC 6901), so a path's slashes stay readable in a location."""
    return str(key).replace("~", "~0").replace("/", "~1")


def _within_schema(schema: object, where: str) -> list[tuple[str, dict[str, Any]]]:
    """`schema` (when it is an object, not `true`/`false`) and every schema nested in it."""
    if not isinstance(schema, dict):
        return []
    found = [(where, schema)]
    for key, value in schema.items():
        if key in ONE_SCHEMA:
            found += _within_schema(value, f"{where}/{key}")
        elif key in SCHEMA_LIST and isinstance(value, list):
            for index, item in enumerate(value):
                found += _within_schema(item, f"{where}/{key}/{index}")
        elif key in SCHEMA_MAP and isinstance(value, dict):
            for name, item in value.items():
                found += _within_schema(item, f"{where}/{_pointer(key)}/{_pointer(name)}")
    return found


def all_schemas(node: object = SPEC_DICT, where: str = "#") -> list[tuple[str, dict[str, Any]]]:
    """Every schema object in the document, inline ones included, with where it is.

    In OpenAPI 3.1 a schema stands under `components/schemas/<name>` and as the value of
    `schema` (in parameters, headers and media types: request bodies and responses); from
    there, schema keywords lead to the nested ones. Examples are data, never walked.
    """
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}/{_pointer(key)}"
            if key in ("example", "examples"):
                continue
            if key == "schema" or where == "#/components/schemas":
                found += _within_schema(value, here)
            else:
                found += all_schemas(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += all_schemas(value, f"{where}/{index}")
    return found


def test_schemas_use_only_known_keywords() -> None:
    """A comma in a YAML flow mapping silently makes a new key; this catches such typos."""
    unknown = {
        where: sorted(set(schema) - SCHEMA_KEYWORDS)
        for where, schema in all_schemas()
        if not set(schema) <= SCHEMA_KEYWORDS
    }
    assert unknown == {}


def test_the_keyword_walk_reaches_every_kind_of_place() -> None:
    """Parameters, request bodies, responses, headers and nested keywords are all walked."""
    places = [where for where, _ in all_schemas()]
    parts = ["/parameters/", "/requestBody/", "/responses/", "/headers/", "/properties/"]
    for part in [*parts, "/items", "/allOf/", "/oneOf/"]:
        assert any(part in where for where in places), part
    assert "#/paths/~1openapi.yaml/get/responses/200/content/application~1yaml/schema" in places


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in SPEC_DICT["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def _required_statuses(method: str, path: str, operation: dict[str, Any]) -> set[str]:
    """The error statuses every operation of this shape can return, so the document must say so."""
    needed = set()
    if operation.get("security", SPEC_DICT["security"]):
        needed.add("401")
    if "requestBody" in operation:
        needed |= {"400", "413", "422"}
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
