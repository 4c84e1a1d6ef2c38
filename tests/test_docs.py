"""The contract is served: YAML, JSON, and an offline Swagger UI with its own assets."""

from __future__ import annotations

import yaml

from tests.api import Api
from tests.contract import SPEC_DICT


async def test_openapi_yaml_and_json_are_the_same_document(api: Api) -> None:
    as_yaml = await api.get("/openapi.yaml")
    assert as_yaml.status == 200 and as_yaml.headers["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(as_yaml.body) == SPEC_DICT
    as_json = await api.get("/openapi.json")
    assert as_json.status == 200 and as_json.body == SPEC_DICT


async def test_docs_page_loads_swagger_ui_from_the_service_itself(api: Api) -> None:
    page = await api.get("/docs")
    html = page.body
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert 'url: "/openapi.json"' in html
    assert "http://" not in html and "https://" not in html  # nothing from a CDN
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert f'"/docs/static/{asset}"' in html
        response = await api.client.get(f"/docs/static/{asset}")
        assert response.status == 200, asset
        assert len(await response.read()) > 1000
