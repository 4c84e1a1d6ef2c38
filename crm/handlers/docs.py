"""The contract, served: openapi.yaml and .json, and an offline Swagger UI at /docs."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import swagger_ui
import yaml
from aiohttp import web

from crm.package_files import OPENAPI_PATH

# Swagger UI 5 (renders OpenAPI 3.1), packaged in swagger-ui-py: no CDN, works offline.
ASSETS = Path(swagger_ui.__file__).resolve().parent / "static"
SPEC_YAML = web.AppKey("spec_yaml", str)
SPEC_JSON = web.AppKey("spec_json", str)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Repair CRM API</title>
  <link rel="stylesheet" href="/docs/static/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/static/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/static/swagger-ui-bundle.js"></script>
  <script src="/docs/static/swagger-ui-standalone-preset.js"></script>
  <script>
    window.onload = () => {
      window.ui = SwaggerUIBundle({
        url: "/openapi.json",
        dom_id: "#swagger-ui",
        deepLinking: true,
        persistAuthorization: true,
        tryItOutEnabled: true,
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        layout: "StandaloneLayout",
      });
    };
  </script>
</body>
</html>
"""


@functools.cache
def _documents() -> tuple[str, str]:
    """The contract as written and as JSON, parsed once per process (not once per app)."""
    text = OPENAPI_PATH.read_text(encoding="utf-8")
    # libyaml's loader when PyYAML has it: ten times faster than the pure-Python one here.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return text, json.dumps(yaml.load(text, Loader=loader), ensure_ascii=False)  # noqa: S506


def setup_docs(app: web.Application) -> None:
    """Give the app the document and add the UI's assets."""
    app[SPEC_YAML], app[SPEC_JSON] = _documents()
    app.router.add_static("/docs/static", ASSETS, name="docs_assets")


async def openapi_yaml(request: web.Request) -> web.Response:
    """The contract as written."""
    return web.Response(text=request.app[SPEC_YAML], content_type="application/yaml")


async def openapi_json(request: web.Request) -> web.Response:
    """The same document as JSON, for tools that prefer it."""
    return web.Response(text=request.app[SPEC_JSON], content_type="application/json")


async def docs_page(request: web.Request) -> web.Response:
    """Interactive documentation; "Authorize" takes a token from POST /auth/login."""
    return web.Response(text=PAGE, content_type="text/html")
