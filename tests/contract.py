"""Checks every response a test receives against openapi.yaml, the contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.testing import MockRequest, MockResponse

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"
SPEC_DICT: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
OPENAPI = OpenAPI.from_dict(
    SPEC_DICT,
    config=Config(
        extra_media_type_deserializers={
            "application/problem+json": json.loads,
            "application/yaml": yaml.safe_load,
            "text/csv": lambda body: body.decode("utf-8"),
        }
    ),
)


def check_response(
    method: str,
    path: str,
    query: dict[str, Any] | None,
    status: int,
    headers: dict[str, str],
    body: bytes,
) -> None:
    """Raise when the response does not match what the document says this operation returns."""
    request = MockRequest("http://localhost", method, path, args=query)
    content_type = headers.get("Content-Type", "application/json").split(";")[0]
    response = MockResponse(body, status_code=status, headers=headers, content_type=content_type)
    try:
        OPENAPI.validate_response(request, response)
    except (PathNotFound, OperationNotFound):
        # Routes the app does not serve answer with the problem shape; nothing else may be unknown.
        assert status in (404, 405), f"{method} {path} is not in openapi.yaml but answered {status}"
        check_problem(body)


def check_problem(body: bytes) -> None:
    """Raise unless `body` is the Problem schema of the document."""
    schema = {"$ref": "#/components/schemas/Problem", "components": SPEC_DICT["components"]}
    jsonschema.Draft202012Validator(schema).validate(json.loads(body))
